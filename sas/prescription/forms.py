import dataclasses

from django import forms
from dsfr.forms import DsfrBaseForm

from sas.communes.forms import CommuneField
from sas.formulaires import recherche_jeune, texte_libre
from sas.jeunes.models import TrancheAge
from sas.parcours.models import Canal
from sas.permissions.suivi import LIBELLES

from .services import SignalementData, normalise_phone, validate


class PhoneField(forms.CharField):
    """A phone number, normalised to E.164; the French error of normalise_phone otherwise."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})

    def to_python(self, value):
        try:
            return normalise_phone(super().to_python(value))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


# The fields of the "at least one way to reach them" group: its legend says it, not "(Optionnel)" on each of them.
CHAMP_DU_GROUPE = "formulaires/champ_d_un_groupe.html"
CASE_DU_GROUPE = "formulaires/case_d_un_groupe.html"

OUI_NON = [("", "Je ne sais pas"), ("oui", "Oui"), ("non", "Non")]


class SignalementForm(DsfrBaseForm):
    """The professional's form: four fields are enough to let a counsellor reach the young person."""

    organisation = forms.ModelChoiceField(label="Structure qui signale", queryset=None, empty_label=None)
    prenom = forms.CharField(label="Prénom du jeune", max_length=100)
    nom = forms.CharField(label="Nom", max_length=100, required=False)
    telephone = PhoneField(
        label="Téléphone",
        required=False,
        help_text="Portable de préférence : le premier contact se fait par SMS.",
        template_name=CHAMP_DU_GROUPE,
    )
    email = forms.EmailField(label="Adresse électronique", required=False, template_name=CHAMP_DU_GROUPE)
    adresse = texte_libre("Adresse postale", lignes=2, template_name=CHAMP_DU_GROUPE)
    joignable_via_prescripteur = forms.BooleanField(
        label="Joignable uniquement par notre intermédiaire", required=False, template_name=CASE_DU_GROUPE
    )
    commune = CommuneField(label="Commune où vit le jeune")
    date_naissance = forms.DateField(
        label="Date de naissance", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    tranche_age = forms.ChoiceField(
        label="À défaut, tranche d'âge", choices=[("", "—"), *TrancheAge.choices], required=False
    )
    fin_accompagnement_le = forms.DateField(
        label="Fin de votre accompagnement",
        required=False,
        help_text="Une date à venir permet de préparer le relais avant la sortie (rencontre à trois possible).",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    motif = texte_libre("Pourquoi l'accompagnement s'arrête", lignes=2)
    deja_essaye = texte_libre("Ce qui a déjà été tenté", lignes=2)
    freins_connus = texte_libre("Freins connus", lignes=2)
    canal_prefere = forms.ChoiceField(label="Canal préféré", choices=[("", "—"), *Canal.choices], required=False)
    moment_prefere = forms.CharField(label="Meilleur moment pour le joindre", max_length=200, required=False)
    langues = forms.CharField(label="Langues parlées", max_length=200, required=False)
    jeune_informe = forms.ChoiceField(
        label="Le jeune sait-il que vous le signalez ?", choices=OUI_NON, required=False, widget=forms.RadioSelect
    )
    jeune_accord = forms.BooleanField(
        label="Le jeune est d'accord pour être contacté par l'équipe SAS",
        required=False,
        help_text="Son accord est enregistré à votre nom, avec la date.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        # Most prescribers belong to one organisation: no question to ask them then.
        if len(organisations) == 1:
            del self.fields["organisation"]
            self.organisation = organisations[0]
        else:
            self.fields["organisation"].queryset = organisations

    def clean(self):
        cleaned = super().clean()
        if "organisation" in self.fields:
            self.organisation = cleaned.get("organisation")
        # The service's rules as well, so that every error shows at once; a field already in error keeps its own.
        for field, message in validate(self._data(cleaned)).items():
            if field in self.fields and not self.has_error(field):
                self.add_error(field, message)
        return cleaned

    @staticmethod
    def _data(cleaned):
        names = {field.name for field in dataclasses.fields(SignalementData)}
        values = {name: value for name, value in cleaned.items() if name in names}
        values["jeune_informe"] = {"oui": True, "non": False}.get(values.get("jeune_informe"))
        return SignalementData(**{"prenom": "", "commune": None, **values})

    def signalement_data(self):
        return self._data(self.cleaned_data)


class FiltreSignalementsForm(DsfrBaseForm):
    """The filters of "Mes signalements" (GET): a name and a stage, both optional; a wrong value is ignored."""

    q = recherche_jeune("Son prénom ou son nom, comme votre structure l'a indiqué en le signalant.")
    etape = forms.ChoiceField(label="Étape", required=False, choices=[("", "Toutes les étapes"), *LIBELLES.items()])

    def filtres(self):
        """The valid filters of the (bound) form; a wrong one is left out, the other kept."""
        self.is_valid()
        return {"recherche": self.cleaned_data.get("q", "").strip(), "etape": self.cleaned_data.get("etape", "")}
