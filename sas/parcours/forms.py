from django import forms
from dsfr.forms import DsfrBaseForm

from .status import Status, allowed_targets

PAGES_A_PART = {Status.CONSENTEMENT_RETIRE, Status.SORTI_POSITIF}


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
        # Withdrawing consent and a positive exit (with its kind and date) do more than a status change: each has its
        # own page (orientation:retrait, suivi:sortie).
        self.fields["to_status"].choices = [
            (s.value, s.label) for s in map(Status, allowed_targets(parcours.status)) if s not in PAGES_A_PART
        ]
