from django import forms
from dsfr.forms import DsfrBaseForm

from sas.organisations.models import Organisation


class JetonForm(DsfrBaseForm):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour le reconnaître plus tard, par exemple le nom du logiciel qui l'utilisera.",
    )
    organisation = forms.ModelChoiceField(label="Structure", queryset=Organisation.objects.none(), empty_label=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = list(organisations)
        if len(self.organisations) == 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("organisation", self.organisations[0])
        return cleaned
