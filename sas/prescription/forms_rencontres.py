import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from .models import RencontreMode


class RencontreForm(DsfrBaseForm):
    organisation = forms.ModelChoiceField(label="Au nom de la structure", queryset=None, empty_label=None)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    heure = forms.TimeField(label="Heure", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(label="Modalité", choices=RencontreMode.choices, widget=forms.RadioSelect)
    lieu = forms.CharField(
        label="Lieu ou lien de visioconférence",
        max_length=300,
        required=False,
        help_text="Adresse pour une rencontre en présentiel, lien pour une visioconférence.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.only_organisation = organisations[0] if len(organisations) == 1 else None
        if self.only_organisation:
            del self.fields["organisation"]

    @property
    def chosen_organisation(self):
        return self.only_organisation or self.cleaned_data["organisation"]

    @property
    def starts_at(self):
        """The meeting's moment, in the service's time zone."""
        naive = datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["heure"])
        return timezone.make_aware(naive)

    def add_service_errors(self, error):
        """Put the errors of proposer_rencontre() on the fields people filled in."""
        fields = {"starts_at": "date"}
        for field, messages in error.update_error_dict({}).items():
            target = fields.get(field, field)
            self.add_error(target if target in self.fields else None, messages)
