"""H2 indicators and queue badges, from event sets whose results were computed by hand."""

import datetime
import itertools
from types import SimpleNamespace

import pytest

from sas.aiguillage import indicators
from sas.aiguillage.indicators import Part, badges, indicateurs_h2, jalons, mesurer, un_mois_apres
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import Status

from .conftest import paris

S = Status
T = paris(2026, 11, 2, 10)  # a Monday
NOW = paris(2026, 12, 31, 12)
H, D = datetime.timedelta(hours=1), datetime.timedelta(days=1)
_pk = itertools.count(1)


def tr(parcours_id, frm, to, at):
    return SimpleNamespace(
        pk=next(_pk), parcours_id=parcours_id, kind=EventKind.TRANSITION, from_status=frm, to_status=to,
        occurred_at=at, detail={},
    )  # fmt: skip


def fact(parcours_id, kind, at, **detail):
    return SimpleNamespace(
        pk=next(_pk), parcours_id=parcours_id, kind=kind, from_status="", to_status="", occurred_at=at, detail=detail
    )


def journeys():
    """Seven journeys; what each should count is written beside it."""
    return [
        # 1: attempt after 10 h, contact on day 5, diagnostic on day 20 → all three in time.
        tr(1, "", S.SIGNALE, T),
        fact(1, EventKind.MESSAGE, T + 10 * H, canal="sms"),
        tr(1, S.SIGNALE, S.A_CONTACTER, T + 10 * H),
        tr(1, S.A_CONTACTER, S.CONTACTE, T + 5 * D),
        tr(1, S.CONTACTE, S.DIAGNOSTIC_FAIT, T + 20 * D),
        fact(1, EventKind.RENDEZ_VOUS, T + 4 * D, rdv=1, action="pris", premier=True),
        fact(1, EventKind.RENDEZ_VOUS, T + 6 * D, rdv=1, action="constate", issue="honore", premier=True),
        # 2: first call after 80 h, contact on day 16, no diagnostic (deadline passed) → all three late.
        tr(2, "", S.SIGNALE, T),
        fact(2, EventKind.CONTACT, T + 80 * H, canal="appel", resultat="sans_reponse"),
        tr(2, S.SIGNALE, S.A_CONTACTER, T + 80 * H),
        tr(2, S.A_CONTACTER, S.CONTACTE, T + 16 * D),
        fact(2, EventKind.RENDEZ_VOUS, T + 20 * D, rdv=2, action="constate", issue="manque", premier=True),
        fact(2, EventKind.RENDEZ_VOUS, T + 25 * D, rdv=3, action="constate", issue="manque", premier=False),
        # 3: upcoming exit; the clock starts when it becomes "signalé" on 10/11; a message sent before counts;
        # contact in 2 days; no diagnostic by 10/12 → attempt and contact in time, diagnostic late.
        tr(3, "", S.SORTIE_A_VENIR, T - 30 * D),
        fact(3, EventKind.MESSAGE, T - 10 * D),
        tr(3, S.SORTIE_A_VENIR, S.SIGNALE, T + 8 * D),
        tr(3, S.SIGNALE, S.A_CONTACTER, T + 9 * D),
        tr(3, S.A_CONTACTER, S.CONTACTE, T + 10 * D),
        # 4: signalled yesterday, nothing yet → not measured anywhere.
        tr(4, "", S.SIGNALE, NOW - D),
        # 5: still an upcoming exit → no clock.
        tr(5, "", S.SORTIE_A_VENIR, T),
        # 6: signalled yesterday, message an hour later → attempt in time; the others not measured yet.
        tr(6, "", S.SIGNALE, NOW - D),
        fact(6, EventKind.MESSAGE, NOW - D + H),
        # 7: message after 1 h, declared unreachable on day 15 → attempt in time; contact and diagnostic missed.
        tr(7, "", S.SIGNALE, T),
        fact(7, EventKind.MESSAGE, T + H),
        tr(7, S.SIGNALE, S.A_CONTACTER, T + H),
        tr(7, S.A_CONTACTER, S.CONTACT_EN_COURS, T + H),
        tr(7, S.CONTACT_EN_COURS, S.INJOIGNABLE, T + 15 * D),
    ]


def by_journey(events):
    return sorted(events, key=lambda e: (e.parcours_id, e.occurred_at, e.pk))


def test_the_h2_indicators_match_the_hand_count():
    result = mesurer(by_journey(journeys()), now=NOW)
    assert result == {
        "premier_essai_72h": Part(atteints=4, mesures=5),
        "contact_15j": Part(atteints=2, mesures=4),
        "diagnostic_1_mois": Part(atteints=1, mesures=4),
        "absence_premier_rdv": Part(atteints=1, mesures=2),
    }
    assert result["premier_essai_72h"].taux == 0.8


def test_the_clock_of_an_upcoming_exit_starts_when_it_leaves_that_status():
    events = [e for e in journeys() if e.parcours_id == 3]
    j = jalons(events)
    assert (j.debut, j.premier_essai, j.contacte) == (T + 8 * D, T - 10 * D, T + 10 * D)
    assert jalons([e for e in journeys() if e.parcours_id == 5]) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(paris(2026, 1, 31, 9), paris(2026, 2, 28, 9)), (paris(2026, 12, 15, 9), paris(2027, 1, 15, 9))],
)
def test_one_month_later(moment, expected):
    assert un_mois_apres(moment) == expected


def test_small_groups_hide_their_rate():
    assert not Part(3, 10).affichable and Part(3, 10).effectif == "< 11"
    assert not Part(3, 11).affichable and Part(3, 11).effectif == 11, "3 people reached: the rate would tell of them"
    assert not Part(20, 25).affichable, "5 people not reached"
    assert Part(11, 22).affichable
    assert Part(0, 0).taux is None and Part(0, 0).effectif == 0


@pytest.mark.django_db
def test_indicators_of_a_territory_from_the_database(territory):
    def journey(start, *moves):
        parcours = ParcoursFactory(territory=territory, at=start)
        for status, at in moves:
            transitions.transition(parcours, status, reason="motif", at=at)
        return parcours

    on_time = journey(T, (S.A_CONTACTER, T + H), (S.CONTACT_EN_COURS, T + H), (S.CONTACTE, T + 2 * D))
    transitions.record_fact(on_time, EventKind.CONTACT, at=T + H, detail={"canal": "appel"})
    journey(T)  # nothing ever happened: late everywhere
    journey(T, (S.HORS_CIBLE, T + H))  # out of the target public: left out
    ParcoursFactory(at=T)  # another territory
    result = indicateurs_h2(territory, now=NOW)
    assert result["premier_essai_72h"] == Part(1, 2)
    assert result["contact_15j"] == Part(1, 2)
    assert result["diagnostic_1_mois"] == Part(0, 2)


@pytest.mark.django_db
def test_badges_show_every_overdue_target_and_the_next_one_due(territory):
    parcours = ParcoursFactory(territory=territory, at=T)

    def shown(now):
        fresh = Parcours.objects.prefetch_related("events").get(pk=parcours.pk)
        return [(b.texte, b.en_retard) for b in badges(fresh, now)]

    assert shown(T + H) == [("Premier contact avant le 05/11 à 10:00", False)]
    assert shown(T + 4 * D) == [
        ("Premier contact : en retard depuis le 05/11", True),
        ("Contact décidé avant le 17/11 à 10:00", False),
    ]
    transitions.record_fact(parcours, EventKind.MESSAGE, at=T + 4 * D)
    assert shown(T + 20 * D) == [
        ("Contact décidé : en retard depuis le 17/11", True),
        ("Diagnostic avant le 02/12 à 10:00", False),
    ]
    for status in (S.A_CONTACTER, S.CONTACTE, S.DIAGNOSTIC_FAIT):
        transitions.transition(parcours, status, at=T + 20 * D)
    assert shown(T + 40 * D) == []
    assert indicators.DELAI_PREMIER_ESSAI == 72 * H


@pytest.mark.django_db
def test_a_first_message_two_days_after_the_signalement_is_within_72_hours_four_days_is_not(territory):
    def signale_puis_message(delai):
        parcours = ParcoursFactory(territory=territory, at=T)
        transitions.record_fact(parcours, EventKind.MESSAGE, at=T + delai, detail={"canal": "sms"})
        return parcours

    deux_jours, quatre_jours = signale_puis_message(2 * D), signale_puis_message(4 * D)
    assert indicateurs_h2(territory, now=NOW)["premier_essai_72h"] == Part(atteints=1, mesures=2)
    # Each journey's own count: the first in time, the second late.
    for parcours, atteints in ((deux_jours, 1), (quatre_jours, 0)):
        seul = mesurer(by_journey(parcours.events.all()), now=NOW)["premier_essai_72h"]
        assert seul == Part(atteints=atteints, mesures=1)
