"""What the diagnostic tells the later steps, without knowing them."""

from django.dispatch import Signal

# Sent when answers are saved, with `diagnostic` and `codes` (the questions whose answer changed): the rights
# screening starts again when its inputs change.
reponses_enregistrees = Signal()
