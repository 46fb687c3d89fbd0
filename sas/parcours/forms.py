from django import forms
from dsfr.forms import DsfrBaseForm

from .status import Status, allowed_targets


class TransitionForm(DsfrBaseForm):
    to_status = forms.ChoiceField(label="Nouveau statut")
    reason = forms.CharField(
        label="Motif",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire pour une sortie (refus, injoignable, hors cible…).",
    )

    def __init__(self, *args, parcours, **kwargs):
        super().__init__(*args, **kwargs)
        # Withdrawing consent does more than a status change: it has its own page (orientation:retrait).
        self.fields["to_status"].choices = [
            (s.value, s.label) for s in map(Status, allowed_targets(parcours.status)) if s != Status.CONSENTEMENT_RETIRE
        ]
