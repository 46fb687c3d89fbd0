from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from sas.formulaires import AuNomDUneOrganisation, lieu_de_rencontre

from .models import Modalite
from .services import DUREES, NOMBRE_MAX


def libelle_creneau(creneau, *, avec_conseiller=True):
    debut = timezone.localtime(creneau.debut)
    texte = f"{debut:%d/%m/%Y} à {debut:%H:%M}, {creneau.get_modalite_display().lower()}"
    return f"{texte} avec {creneau.conseiller.first_name or creneau.conseiller}" if avec_conseiller else texte


class PublierCreneauxForm(AuNomDUneOrganisation, DsfrBaseForm):
    """One form for a whole morning: the first slot, its length and how many follow one another."""

    organisation = forms.ModelChoiceField(label="Équipe", queryset=None, empty_label=None)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    heure = forms.TimeField(
        label="Heure du premier créneau", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duree = forms.TypedChoiceField(
        label="Durée de chaque créneau",
        coerce=int,
        choices=[(d, f"{d} minutes" if d < 60 else f"{d // 60} h {d % 60:02d}".replace(" 00", "")) for d in DUREES],
        initial=45,
    )
    nombre = forms.IntegerField(
        label="Nombre de créneaux à la suite",
        min_value=1,
        max_value=NOMBRE_MAX,
        initial=1,
        help_text="Par exemple 4 créneaux de 45 minutes à partir de 9 h couvrent la matinée.",
    )
    modalite = forms.ChoiceField(label="Modalité", choices=Modalite.choices, widget=forms.RadioSelect)
    lieu = lieu_de_rencontre(
        "Lieu, lien ou consigne",
        "Adresse en présentiel, lien en visioconférence ; par téléphone, le jeune est appelé à son numéro.",
    )


class ReservationForm(DsfrBaseForm):
    creneau = forms.TypedChoiceField(label="Créneau", coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, creneaux, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creneau"].choices = [(c.pk, libelle_creneau(c)) for c in creneaux]
