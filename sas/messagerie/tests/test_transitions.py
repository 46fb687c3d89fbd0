import pytest

from sas.messagerie import transitions
from sas.messagerie.envoi import annuler, envoyer, expedier
from sas.messagerie.models import MessageStatus

from .conftest import MARDI

S = MessageStatus


def test_a_message_moves_only_as_the_table_allows_and_each_move_is_logged(parcours):
    message = envoyer(parcours, "relance", cle="essai-1", at=MARDI)
    assert expedier(message.pk, at=MARDI) == S.ENVOYE
    message.refresh_from_db()

    with pytest.raises(transitions.TransitionError, match="envoyé ne passe pas à « Programmé »"):
        transitions.transition(message, S.PROGRAMME, at=MARDI)
    with pytest.raises(transitions.TransitionError):
        transitions.transition(message, S.ANNULE, at=MARDI)
    message.refresh_from_db()
    assert message.status == S.ENVOYE
    # Cancelling by key leaves a sent message as it is.
    assert annuler("essai-", at=MARDI) == 0
    moves = [(event.from_status, event.to_status) for event in message.events.order_by("pk")]
    assert moves == [("", S.PROGRAMME), (S.PROGRAMME, S.EN_COURS), (S.EN_COURS, S.ENVOYE)]


def test_a_cancelled_message_is_final_and_its_events_are_append_only(parcours):
    message = envoyer(parcours, "relance", cle="essai-2", at=MARDI)
    assert annuler("essai-", at=MARDI) == 1
    message.refresh_from_db()
    assert message.status == S.ANNULE
    assert expedier(message.pk, at=MARDI) == S.ANNULE
    with pytest.raises(transitions.TransitionError):
        transitions.transition(message, S.EN_COURS, at=MARDI)
    event = message.events.order_by("pk").last()
    assert (event.from_status, event.to_status) == (S.PROGRAMME, S.ANNULE)
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
