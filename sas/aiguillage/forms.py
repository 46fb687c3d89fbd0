from django import forms
from dsfr.forms import DsfrBaseForm

from sas.jeunes.models import TrancheAge
from sas.organisations.models import OrganisationKind
from sas.parcours.status import CLOSED, Status

from .models import CanalContact, NatureTache, ResultatContact

SANS_CONSEILLER = "aucun"
SANS_ORGANISATION = "proche"
PRESCRIBER_KINDS = [
    OrganisationKind.ASE,
    OrganisationKind.SPIP,
    OrganisationKind.MISSION_LOCALE,
    OrganisationKind.ECOLE,
    OrganisationKind.ASSOCIATION,
]


class FiltreFileForm(DsfrBaseForm):
    """The queue's filters (GET); every field is optional."""

    q = forms.CharField(
        label="Rechercher un jeune",
        required=False,
        max_length=100,
        help_text="Prénom ou nom, téléphone ou adresse électronique.",
    )
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Tous les statuts")] + [(s.value, s.label) for s in Status if s not in CLOSED],
    )
    prescripteur = forms.ChoiceField(
        label="Signalé par",
        required=False,
        choices=[("", "Tous les prescripteurs")]
        + [(k.value, k.label) for k in PRESCRIBER_KINDS]
        + [(SANS_ORGANISATION, "Un proche ou le jeune lui-même")],
    )
    age = forms.ChoiceField(label="Âge", required=False, choices=[("", "Tous les âges"), *TrancheAge.choices])
    commune = forms.ChoiceField(label="Commune", required=False)
    conseiller = forms.ChoiceField(label="Conseiller", required=False)
    en_retard = forms.BooleanField(label="Seulement les parcours en retard sur un objectif", required=False)
    reportes = forms.BooleanField(label="Seulement les recontacts reportés à une date future", required=False)

    def __init__(self, *args, communes, conseillers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", "Toutes les communes")] + [(c.pk, c.nom) for c in communes]
        self.fields["conseiller"].choices = [("", "Tous"), (SANS_CONSEILLER, "Sans conseiller")] + [
            (str(user.pk), str(user)) for user in conseillers
        ]

    def filtres(self):
        return {key: value for key, value in self.cleaned_data.items() if value} if self.is_valid() else {}


class ContactForm(DsfrBaseForm):
    canal = forms.ChoiceField(label="Moyen", choices=CanalContact.choices)
    resultat = forms.ChoiceField(label="Résultat", choices=ResultatContact.choices)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Visible de l'équipe SAS seulement.",
    )


class TacheFaiteForm(DsfrBaseForm):
    resultat = forms.ChoiceField(label="Résultat", choices=ResultatContact.choices)
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NouvelleTacheForm(DsfrBaseForm):
    nature = forms.ChoiceField(label="Nature", choices=NatureTache.choices)
    echeance = forms.DateField(label="À faire avant le", widget=forms.DateInput(attrs={"type": "date"}))
    motif = forms.CharField(label="Motif", max_length=300)


class ReportForm(DsfrBaseForm):
    jusqu_au = forms.DateField(
        label="Recontacter à partir du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AffectationForm(DsfrBaseForm):
    conseiller = forms.ModelChoiceField(label="Conseiller", queryset=None, required=False, empty_label="Personne")

    def __init__(self, *args, equipe, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conseiller"].queryset = equipe


class EcarterForm(DsfrBaseForm):
    motif = forms.CharField(
        label="Motif",
        max_length=300,
        help_text="Par exemple : signalement fantaisiste, jeune hors du territoire.",
    )
