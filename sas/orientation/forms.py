from django import forms
from dsfr.forms import DsfrBaseForm

from sas.annuaire.matching import A_DISTANCE, EN_PRESENTIEL, Filtres
from sas.formulaires import case_de_confirmation, recherche_jeune

from .models import OrientationStatus, Reason

DISTANCES = [5, 10, 20, 30, 50]


class FiltresForm(DsfrBaseForm):
    """The counsellor's filters on the ranking (GET): empty keeps what the diagnostic says."""

    distance = forms.TypedChoiceField(
        label="Distance maximale en présentiel",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Selon la mobilité du jeune"), *[(d, f"{d} km") for d in DISTANCES]],
    )
    modes = forms.MultipleChoiceField(
        label="Modes d'accueil",
        required=False,
        choices=[(EN_PRESENTIEL, "En présentiel"), (A_DISTANCE, "À distance")],
        widget=forms.CheckboxSelectMultiple,
    )
    gratuit = forms.BooleanField(label="Gratuit uniquement", required=False)
    publics_ouverts = forms.BooleanField(
        label="Masquer les services réservés à d'autres publics (femmes, demandeurs d'emploi…)", required=False
    )

    def filtres(self):
        if not self.is_valid():
            return Filtres()
        data = self.cleaned_data
        return Filtres(
            distance_max_km=data["distance"],
            modes=frozenset(data["modes"]),
            gratuit_uniquement=data["gratuit"],
            publics_ouverts=data["publics_ouverts"],
        )


class ChoixJeuneForm(DsfrBaseForm):
    partager_diagnostic = forms.BooleanField(
        label="Transmettre aussi ce que j'ai dit pendant l'entretien (mes besoins et mon plan d'action)",
        required=False,
    )


class ChoixConseillerForm(ChoixJeuneForm):
    accord_oral = forms.BooleanField(
        label="Le jeune a choisi ce service et accepte, à l'oral, que son identité et ses coordonnées lui soient "
        "transmises",
        error_messages={"required": "Sans l'accord du jeune, rien n'est transmis."},
    )


class MotifForm(DsfrBaseForm):
    motif = forms.ChoiceField(
        label="Motif",
        # Set by the system only: an expiry, and a withdrawal (which goes through its own page).
        choices=[(m.value, m.label) for m in Reason if m not in (Reason.SANS_REPONSE, Reason.CONSENTEMENT_RETIRE)],
        widget=forms.RadioSelect,
    )
    precision = forms.CharField(label="Précision (obligatoire pour « Autre »)", required=False, max_length=500)


class RdvForm(DsfrBaseForm):
    le = forms.DateTimeField(
        label="Date et heure du premier rendez-vous",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )


class RencontreForm(DsfrBaseForm):
    rencontre = forms.TypedChoiceField(
        label="Avez-vous rencontré la structure ?",
        coerce=lambda value: value == "oui",
        choices=[("oui", "Oui"), ("non", "Non, pas encore")],
        widget=forms.RadioSelect,
    )


TOUT = "tout"


class RetraitConseillerForm(DsfrBaseForm):
    """The counsellor records, with the young person, the withdrawal of their consent."""

    portee = forms.ChoiceField(label="Ce que le jeune retire", widget=forms.RadioSelect)
    accord = forms.BooleanField(
        label="Le jeune m'a demandé de retirer son accord : je l'enregistre en son nom",
        error_messages={"required": "Cochez la case : le retrait se fait à la demande du jeune."},
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.structures = {str(s.pk): s for s in structures}
        self.fields["portee"].choices = [
            (TOUT, "Tout : l'accompagnement SAS et toutes les transmissions"),
            *[(pk, f"Seulement la transmission à « {s.nom} »") for pk, s in self.structures.items()],
        ]

    def structure(self):
        """The structure chosen, or None for everything."""
        return self.structures.get(self.cleaned_data["portee"])


class RetraitJeuneForm(DsfrBaseForm):
    confirmation = case_de_confirmation("Je confirme que je retire mon accord")


class FiltreRecuesForm(DsfrBaseForm):
    """The filters of the referrals received (GET): a name and a status, both optional; a wrong value is ignored."""

    q = recherche_jeune("Son prénom ou son nom, quand le jeune a accepté que vous le connaissiez.")
    statut = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Tous les statuts"), *OrientationStatus.choices]
    )

    def filtres(self):
        """The valid filters of the (bound) form; a wrong one is left out, the other kept."""
        self.is_valid()
        return {"recherche": self.cleaned_data.get("q", "").strip(), "status": self.cleaned_data.get("statut", "")}
