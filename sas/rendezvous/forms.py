from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from sas.organisations.models import Organisation

from .models import Modalite
from .services import DUREES, NOMBRE_MAX


def libelle_creneau(creneau, *, avec_conseiller=True):
    debut = timezone.localtime(creneau.debut)
    texte = f"{debut:%d/%m/%Y} à {debut:%H:%M}, {creneau.get_modalite_display().lower()}"
    return f"{texte} avec {creneau.conseiller.first_name or creneau.conseiller}" if avec_conseiller else texte


class PublierCreneauxForm(DsfrBaseForm):
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
    lieu = forms.CharField(
        label="Lieu, lien ou consigne",
        max_length=300,
        required=False,
        help_text="Adresse en présentiel, lien en visioconférence ; par téléphone, le jeune est appelé à son numéro.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.only_organisation = organisations[0] if len(organisations) == 1 else None
        if self.only_organisation:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])

    @property
    def chosen_organisation(self):
        return self.only_organisation or self.cleaned_data["organisation"]

    def add_service_errors(self, error):
        """Put the errors of publier_creneaux() on the fields people filled in."""
        for field, messages in error.update_error_dict({}).items():
            self.add_error(field if field in self.fields else None, messages)


class ReservationForm(DsfrBaseForm):
    creneau = forms.TypedChoiceField(label="Créneau", coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, creneaux, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creneau"].choices = [(c.pk, libelle_creneau(c)) for c in creneaux]
