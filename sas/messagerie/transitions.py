"""The one writer of Message.statut: each move is checked against the table and leaves a MessageEvent."""

from django.db import transaction
from django.utils import timezone

from sas.audit.transitions import StateMachine, TransitionError

from .models import EN_ATTENTE, Message, MessageEvent, MessageStatus

S = MessageStatus

TRANSITIONS = {
    S.PROGRAMME: {S.EN_COURS, S.ENVOYE, S.ECHEC, S.ANNULE},
    # Back to PROGRAMME: a temporary error, retried later.
    S.EN_COURS: {S.PROGRAMME, S.ENVOYE, S.ECHEC, S.ANNULE},
    S.ENVOYE: {S.DELIVRE, S.ECHEC},
    S.DELIVRE: set(),
    S.ECHEC: set(),
    S.ANNULE: set(),
}
MACHINE = StateMachine(
    Message,
    MessageEvent,
    subject="message",
    table=TRANSITIONS,
    refused=lambda de, vers: f"Un message {de.label.lower()} ne passe pas à « {vers.label} ».",
)


def start(message, *, at=None):
    """Save a new message (planned) with its first event."""
    if message.pk is not None or message.status != S.PROGRAMME:
        raise TransitionError("Un message se crée une seule fois, programmé.")
    return MACHINE.start(message, at=at)


def transition(message, to_status, *, at=None, precision="", champs=()):
    """Move `message`, locked by the caller when it may race, to `to_status`, saving `champs` too; raises
    TransitionError for a move the table does not allow."""
    champs = {champ: getattr(message, champ) for champ in champs}
    MACHINE.transition(message, to_status, at=at, values=champs, locked=True, precision=precision[:1000])


def annuler_en_masse(messages, *, erreur, at=None):
    """Cancel each message of the queryset still planned (locked one by one); return how many."""
    at = at or timezone.now()
    with transaction.atomic():
        en_attente = list(messages.filter(status__in=EN_ATTENTE).select_for_update(of=("self",)).order_by("pk"))
        for message in en_attente:
            message.erreur = erreur
            transition(message, S.ANNULE, at=at, precision=erreur, champs=["erreur"])
    return len(en_attente)


def verrouiller(message_id):
    # Only the message row is locked, not the journey a status change may be locking.
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("jeune", "parcours", "actor", "lien")
        .filter(pk=message_id)
        .first()
    )
