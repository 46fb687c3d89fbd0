"""What signalling tells the later steps, without knowing them."""

from django.dispatch import Signal

# Sent once the signalements are committed, with `parcours`: the journeys they created or joined. Aiguillage starts
# the contact plan of those ready for contact at once instead of waiting for the next scheduler run.
signalements_enregistres = Signal()
