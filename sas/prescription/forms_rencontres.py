import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from sas.formulaires import AuNomDUneOrganisation, lieu_de_rencontre

from .models import RencontreMode


class RencontreForm(AuNomDUneOrganisation, DsfrBaseForm):
    # proposer_rencontre() names the moment, the form asks for its date and time.
    champs_du_service = {"starts_at": "date"}

    organisation = forms.ModelChoiceField(label="Au nom de la structure", queryset=None, empty_label=None)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    heure = forms.TimeField(label="Heure", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(label="Modalité", choices=RencontreMode.choices, widget=forms.RadioSelect)
    lieu = lieu_de_rencontre(
        "Lieu ou lien de visioconférence", "Adresse pour une rencontre en présentiel, lien pour une visioconférence."
    )

    @property
    def starts_at(self):
        """The meeting's moment, in the service's time zone."""
        naive = datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["heure"])
        return timezone.make_aware(naive)
