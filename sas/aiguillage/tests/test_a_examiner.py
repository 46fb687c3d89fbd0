"""What the counsellor decides before any contact: possible duplicates (merge or keep apart) and signalements
nobody vouched for (verify or set aside), through the queue."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import cadence, services
from sas.audit.models import Action, AuditEntry
from sas.communes.factories import CommuneFactory
from sas.messagerie.models import Message
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.models import EventKind, Parcours, SignalementSource
from sas.parcours.status import Status
from sas.prescription.models import Decision
from sas.prescription.services import SignalementData, signaler

pytestmark = pytest.mark.django_db

BIRTH = timezone.localdate() - datetime.timedelta(days=19 * 365)


@pytest.fixture
def commune(territory):
    commune = CommuneFactory(nom="Vénissieux")
    territory.communes.add(commune)
    return commune


def signal(commune, source=SignalementSource.PRESCRIPTEUR, organisation=None, **values):
    data = {"prenom": "Inès", "nom": "Benali", "date_naissance": BIRTH, "commune": commune, **values}
    return signaler(SignalementData(**data), source=source, organisation=organisation)


@pytest.fixture
def doublon(commune, ase):
    """Inès followed since an ASE signalement; then a SPIP signals someone with only her phone in common."""
    signal(commune, organisation=ase, telephone="+33612345678", email="ines@example.org")
    spip = OrganisationFactory(territory=ase.territory, kind=OrganisationKind.SPIP, nom="SPIP du Rhône")
    other = {"prenom": "Inés", "nom": "", "date_naissance": None, "tranche_age": "18-21", "email": "autre@example.org"}
    result = signal(commune, organisation=spip, telephone="+33612345678", **other)
    return result.doublon


@pytest.fixture
def autre_aiguilleur():
    other = TerritoryFactory(nom="Isère")
    return member(Role.AIGUILLEUR, OrganisationFactory(territory=other, kind=OrganisationKind.EQUIPE_SAS))


def test_the_queue_shows_the_pair_side_by_side_and_holds_the_new_journey(client, aiguilleur, doublon):
    client.force_login(aiguilleur)
    response = client.get(reverse("parcours:file_active"))
    assert response.context["file"].doublons == [doublon]
    assert doublon.nouveau not in response.context["parcours"]  # not to contact before the decision
    html = response.content.decode()
    assert "Doublons possibles" in html and "téléphone en commun" in html
    assert "autre@example.org" in html and "ines@example.org" in html
    entry = AuditEntry.objects.filter(action=Action.LISTE, object_type="file_active").get()
    assert set(entry.jeune_ids) == {doublon.nouveau.jeune_id, doublon.existant.jeune_id}
    cadence.avancer(timezone.now())
    assert not Message.objects.filter(parcours=doublon.nouveau).exists()
    assert Message.objects.filter(parcours=doublon.existant).exists()  # the person followed is not held


def test_merging_moves_the_signalement_closes_the_new_journey_and_copies_no_contact(aiguilleur, doublon):
    nouveau, existant = doublon.nouveau, doublon.existant
    moved = nouveau.signalements.get()
    services.fusionner(doublon, actor=aiguilleur)
    moved.refresh_from_db()
    assert moved.parcours == existant and moved.attache_le > moved.created_at
    assert Parcours.objects.signalled_by([moved.organisation_id]).get() == existant
    nouveau.refresh_from_db()
    assert nouveau.status == Status.DEJA_ACCOMPAGNE
    event = existant.events.get(kind=EventKind.DOUBLON)
    assert (event.actor, event.detail["decision"], event.detail["signalements"]) == (
        aiguilleur,
        "fusionnes",
        [moved.pk],
    )
    existant.jeune.refresh_from_db()
    assert (existant.jeune.email, existant.jeune.prenom) == ("ines@example.org", "Inès")
    doublon.refresh_from_db()
    assert (doublon.decision, doublon.decide_par) == (Decision.FUSIONNES, aiguilleur)
    with pytest.raises(ValidationError, match="déjà été traité"):
        services.garder_separes(doublon, actor=aiguilleur)


def test_keeping_apart_lets_the_new_journey_go_on_alone(aiguilleur, doublon):
    services.garder_separes(doublon, actor=aiguilleur)
    doublon.refresh_from_db()
    assert doublon.decision == Decision.SEPARES
    assert doublon.nouveau.events.filter(kind=EventKind.DOUBLON).count() == 1
    assert doublon.existant.signalements.count() == 1
    cadence.avancer(timezone.now())
    assert Message.objects.filter(parcours=doublon.nouveau).exists()


def test_merge_and_keep_apart_through_the_queue_are_audited(client, aiguilleur, doublon):
    client.force_login(aiguilleur)
    response = client.post(reverse("aiguillage:fusionner", args=[doublon.pk]))
    assert response.url == reverse("parcours:file_active")
    doublon.refresh_from_db()
    assert doublon.decision == Decision.FUSIONNES
    entry = AuditEntry.objects.get(action=Action.MODIFICATION, object_type="prescription.doublonpossible")
    assert entry.jeune_ids == sorted([doublon.nouveau.jeune_id, doublon.existant.jeune_id])
    assert client.get(reverse("parcours:file_active")).context["file"].doublons == []


@pytest.mark.parametrize("name", ["fusionner", "garder_separes"])
def test_only_an_aiguilleur_of_the_territory_resolves_a_duplicate(client, doublon, autre_aiguilleur, ase, name):
    target = reverse(f"aiguillage:{name}", args=[doublon.pk])
    assert client.post(target).status_code == 302 and "connexion" in client.post(target).url  # anonymous
    client.force_login(autre_aiguilleur)
    assert client.post(target).status_code == 404
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    assert client.post(target).status_code == 403
    doublon.refresh_from_db()
    assert doublon.decision == "" and doublon.nouveau.signalements.count() == 1


@pytest.fixture
def relative(commune):
    return signal(
        commune,
        source=SignalementSource.PROCHE,
        prenom="Lina",
        telephone="+33611223344",
        declarant_nom="Sa tante",
        declarant_lien="Autre proche",
    ).signalement.parcours


def test_a_relative_signalement_waits_for_the_counsellor_then_contact_starts(client, aiguilleur, relative):
    cadence.avancer(timezone.now())
    assert not Message.objects.exists()
    client.force_login(aiguilleur)
    queue = client.get(reverse("parcours:file_active"))
    assert queue.context["file"].a_verifier == [relative] and relative not in queue.context["parcours"]
    assert "Sa tante" in queue.content.decode() and "+33611223344" in queue.content.decode()
    client.post(reverse("aiguillage:verifier", args=[relative.uuid]))
    assert relative.signalements.get().verifie is True
    assert relative.events.filter(kind=EventKind.VERIFICATION, actor=aiguilleur).count() == 1
    assert Message.objects.get(parcours=relative).destinataire == "+33611223344"  # the first SMS, at once
    assert AuditEntry.objects.filter(action=Action.MODIFICATION, jeune_ids=[relative.jeune_id]).exists()


def test_setting_aside_closes_with_the_reason_and_nothing_is_sent(client, aiguilleur, relative):
    client.force_login(aiguilleur)
    field = f"ecarter-{relative.pk}-motif"
    client.post(reverse("aiguillage:ecarter", args=[relative.uuid]), {field: ""})
    relative.refresh_from_db()
    assert relative.status == Status.SIGNALE  # a reason is required
    client.post(reverse("aiguillage:ecarter", args=[relative.uuid]), {field: "Signalement fantaisiste"})
    relative.refresh_from_db()
    assert relative.status == Status.HORS_CIBLE
    assert relative.events.last().reason == "Signalement fantaisiste"
    cadence.avancer(timezone.now())
    assert not Message.objects.exists()
    with pytest.raises(ValidationError):
        cadence.verifier(relative, actor=aiguilleur)


@pytest.mark.parametrize("name", ["verifier", "ecarter"])
def test_only_an_aiguilleur_of_the_territory_verifies(client, relative, autre_aiguilleur, ase, name):
    target = reverse(f"aiguillage:{name}", args=[relative.uuid])
    data = {f"ecarter-{relative.pk}-motif": "Non"}
    assert "connexion" in client.post(target, data).url
    client.force_login(autre_aiguilleur)
    assert client.post(target, data).status_code == 404
    client.force_login(member(Role.PRESCRIPTEUR, ase))
    assert client.post(target, data).status_code == 403
    relative.refresh_from_db()
    assert relative.status == Status.SIGNALE and relative.signalements.get().verifie is False
    assert not Message.objects.exists()


def test_a_journey_with_a_possible_duplicate_is_verified_only_after_the_decision(aiguilleur, commune, doublon):
    public = signal(
        commune,
        source=SignalementSource.PROCHE,
        email="ines@example.org",
        nom="",
        date_naissance=None,
        tranche_age="18-21",
    )
    assert public.doublon is not None
    with pytest.raises(ValidationError, match="doublon"):
        cadence.verifier(public.signalement.parcours, actor=aiguilleur)
