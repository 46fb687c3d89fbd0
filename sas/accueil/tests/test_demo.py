import pytest
from django.core.management import CommandError, call_command

from sas.accueil.demo import DEMO_ACCOUNTS, DEMO_TERRITORY, seed
from sas.aiguillage.indicators import indicateurs_h2, jalons
from sas.communes.services import import_communes
from sas.connexion.proconnect import identite, utilisateur_reconnu
from sas.messagerie.models import Message
from sas.organisations.models import Organisation, Territory, User
from sas.parcours.models import EventKind, Parcours, ParcoursEvent
from sas.parcours.status import Status
from sas.rendezvous.models import Creneau

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes():
    import_communes(wet_run=True)


def test_dry_run_writes_nothing(communes):
    report = seed(wet_run=False, people=40)
    assert report.parcours == 40
    assert not Parcours.objects.exists() and not User.objects.exists() and not Organisation.objects.exists()


def test_wet_run_creates_a_believable_territory_once(communes):
    seed(wet_run=True, people=80)
    assert set(User.objects.values_list("email", flat=True)) == {email for _, email in DEMO_ACCOUNTS}
    parcours = Parcours.objects.filter(territory__nom=DEMO_TERRITORY)
    assert parcours.count() == 80
    # Every status, except the two the contact plan moves on from at its first run.
    statuses = set(Status.values) - {Status.SIGNALE, Status.A_CONTACTER}
    assert set(parcours.values_list("status", flat=True)) == statuses
    assert all(p.jeune.commune.departement_id == "69" for p in parcours.select_related("jeune__commune"))
    # Every journey's status is the last event of its history, in chronological order.
    for p in parcours.prefetch_related("events"):
        events = list(p.events.all())
        assert events[0].from_status == "" and events[-1].to_status == p.status
        assert all(e.from_status == prev.to_status for prev, e in zip(events, events[1:], strict=False))
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)

    # The counsellor's week is ready: assigned journeys, free slots, first messages of the contact plan.
    aiguilleur = User.objects.get(email="aiguilleur@demo.sas.localhost")
    waiting = parcours.filter(status=Status.CONTACT_EN_COURS)
    assert 0 < parcours.filter(conseiller=aiguilleur).count() < waiting.count()
    assert Creneau.objects.filter(conseiller=aiguilleur).count() == 20
    assert set(Message.objects.values_list("parcours", flat=True)) == set(waiting.values_list("pk", flat=True))

    events = ParcoursEvent.objects.count()
    again = seed(wet_run=True, people=80)
    assert again.skipped_people and (again.users, again.organisations) == (0, 0)
    assert (Parcours.objects.count(), ParcoursEvent.objects.count()) == (80, events)


def test_the_demo_pilots_see_first_attempts_within_72_hours(communes):
    seed(wet_run=True, people=80)
    territory = Territory.objects.get(nom=DEMO_TERRITORY)
    # Each history that went past "contact en cours" has its attempt, a call logged by the counsellor.
    reached = Parcours.objects.filter(
        events__kind=EventKind.TRANSITION, events__from_status=Status.CONTACT_EN_COURS
    ).distinct()
    attempted = Parcours.objects.filter(events__kind=EventKind.CONTACT).distinct()
    assert set(reached) <= set(attempted) and reached.exists()
    # Some of them were made within 72 h of the signalement, so the pilots' rate is not 0 %.
    early = [
        p for p in reached.prefetch_related("events")
        if (j := jalons(p.events.all())) and j.premier_essai <= j.limite_premier_essai
    ]  # fmt: skip
    part = indicateurs_h2(territory)["premier_essai_72h"]
    assert part.atteints >= len(early) > 0 and part.taux > 0


def test_command_refuses_outside_demo_mode(settings, communes):
    settings.SAS_DEMO = settings.DEBUG = False
    with pytest.raises(CommandError, match="SAS_DEMO"):
        call_command("charger_demo", "--wet-run")
    assert not User.objects.exists()


def test_command_needs_the_communes_reference(settings):
    settings.SAS_DEMO = True
    with pytest.raises(CommandError, match="importer_communes"):
        call_command("charger_demo", "--wet-run")


def test_the_demo_hands_journeys_off_consistently(communes):
    from sas.jeunes.models import DataCategory, may_receive
    from sas.orientation.models import Orientation, OrientationStatus
    from sas.orientation.transitions import PARCOURS_STATUS

    seed(wet_run=True, people=80)
    orientations = list(Orientation.objects.select_related("parcours__jeune", "structure__organisation"))
    handed_off = Parcours.objects.filter(events__to_status=Status.ORIENTATION_ENVOYEE).distinct()
    assert len(orientations) == handed_off.count() > 0
    for orientation in orientations:
        parcours = orientation.parcours
        assert may_receive(parcours.jeune, orientation.structure, DataCategory.COORDONNEES, orientation.envoyee_le)
        events = list(orientation.events.all())
        assert events[0].to_status == OrientationStatus.ENVOYEE and events[-1].to_status == orientation.status
        if parcours.status in PARCOURS_STATUS.values():
            assert PARCOURS_STATUS.get(orientation.status) in (parcours.status, None)
    # The demo receiving organisation answers for the E2C with its account.
    assert any(o.structure.organisation and o.structure.organisation.nom.startswith("E2C") for o in orientations)


def _luhn(number):
    digits = [int(d) for d in reversed(number)]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0


def test_demo_accounts_are_recognised_by_the_siret_proconnect_sends(communes):
    seed(wet_run=True, people=0)
    sirets = list(Organisation.objects.values_list("siret", flat=True))
    assert len(set(sirets)) == len(sirets) and all(len(s) == 14 and s.isdigit() and _luhn(s) for s in sirets)
    for _, email in DEMO_ACCOUNTS:
        user = User.objects.get(email=email)
        siret = user.memberships.get().organisation.siret
        claims = {"sub": "demo", "email": email.upper(), "siret": f"{siret[:9]} {siret[9:]}"}
        assert utilisateur_reconnu(identite(claims)) == user
        autre = next(s for s in sirets if s != siret)
        assert utilisateur_reconnu(identite({**claims, "siret": autre})) is None
