"""Fields that mean the same thing on several forms, worded once."""

from django import forms

from sas.organisations.models import Organisation


def recherche_jeune(help_text):
    """The optional search box of a list of young people, sent by GET."""
    return forms.CharField(label="Rechercher un jeune", required=False, max_length=100, help_text=help_text)


def texte_libre(label, *, lignes, **kwargs):
    """An optional free text, typed in a box of `lignes` rows."""
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": lignes}), **kwargs)


def lieu_de_rencontre(label, help_text):
    """Where a meeting takes place, as its modality needs it (an address, a video link…): the service says when."""
    return forms.CharField(label=label, max_length=300, required=False, help_text=help_text)


def case_de_confirmation(label):
    """The box a person ticks to confirm a step that cannot be undone from the page."""
    return forms.BooleanField(label=label, error_messages={"required": "Cochez la case pour confirmer."})


class AuNomDUneOrganisation:
    """A form's `organisation` field, among `organisations` (the user's): with only one, the field goes and that one
    is chosen. A service's ValidationError goes on the fields people filled in (`champs_du_service` renames)."""

    champs_du_service = {}

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
        for field, messages in error.update_error_dict({}).items():
            target = self.champs_du_service.get(field, field)
            self.add_error(target if target in self.fields else None, messages)
