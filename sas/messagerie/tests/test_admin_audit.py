"""The admin's reads of messages, their history, unreachable contact details and the provider's callbacks are in the
audit log like the professionals' reads, with the address and the session as keyed hashes."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from sas.audit.contexte import empreinte
from sas.audit.models import Action, AuditEntry, record
from sas.messagerie import webhooks
from sas.messagerie.envoi import envoyer, expedier, invalider
from sas.messagerie.models import CanalInvalide, Message, MessageEvent, Notification

from .conftest import MARDI, nouveau_parcours


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser(email="admin@example.org", password="motdepasse-de-test")


@pytest.fixture
def donnees(parcours, fournisseur_sms):
    autre = nouveau_parcours(parcours.territory, telephone="+33698765432")
    messages = [envoyer(p, "relance", at=MARDI) for p in (parcours, autre)]
    for message in messages:
        expedier(message.pk, at=MARDI)
    invalider(Message.objects.get(pk=messages[0].pk), "hardbounce", MARDI)
    webhooks.traiter_statut({"event": "delivered", "tag": str(messages[1].uuid)}, at=MARDI)
    return {p.jeune_id for p in (parcours, autre)}


@pytest.mark.parametrize("modele", [Message, MessageEvent, CanalInvalide, Notification])
def test_the_admin_lists_and_pages_are_audited(client, admin, donnees, modele):
    client.force_login(admin)
    nom = f"admin:messagerie_{modele._meta.model_name}"
    attendus = sorted({jeune for jeune in map(_jeune, modele.objects.all()) if jeune})
    assert attendus, "the situation shows someone's data"

    assert client.get(reverse(f"{nom}_changelist")).status_code == 200
    liste = AuditEntry.objects.get(action=Action.LISTE)
    assert (liste.actor, liste.object_type, liste.jeune_ids) == (admin, modele._meta.label_lower, attendus)

    objet = modele.objects.exclude(**_sans_jeune(modele)).first()
    assert client.get(reverse(f"{nom}_change", args=[objet.pk])).status_code == 200
    page = AuditEntry.objects.get(action=Action.CONSULTATION)
    assert (page.actor, page.object_id, page.jeune_ids) == (admin, str(objet.pk), [_jeune(objet)])
    for entree in (liste, page):
        assert entree.ip_empreinte == empreinte("127.0.0.1") and len(entree.ip_empreinte) == 64
        assert entree.session_empreinte == empreinte(client.session.session_key)
        assert "127.0.0.1" not in entree.ip_empreinte


def _jeune(objet):
    if isinstance(objet, MessageEvent):
        return objet.message.jeune_id
    if isinstance(objet, Notification):
        return objet.message.jeune_id if objet.message else None
    return objet.jeune_id


def _sans_jeune(modele):
    return {"message__isnull": True} if modele is Notification else {}


def test_an_entry_written_outside_a_request_has_no_address(donnees):
    entree = record(None, Action.CONSULTATION, Message.objects.first(), sorted(donnees))
    assert (entree.actor, entree.ip_empreinte, entree.session_empreinte) == (None, "", "")
