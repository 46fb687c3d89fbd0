"""signaler_many(): the batch-file path must follow exactly the rules of signaler(), in a constant number of
queries per chunk."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sas.audit.models import AuditEntry
from sas.communes.factories import CommuneFactory
from sas.jeunes.models import Consent, Jeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.models import Parcours, ParcoursEvent, Signalement, SignalementSource
from sas.parcours.status import Status
from sas.prescription.models import DoublonPossible
from sas.prescription.services import SIGNALEMENT_FIELDS, SignalementData, signaler, signaler_many

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30))


def born(years, days=0):
    return AT.date() - datetime.timedelta(days=years * 365 + 30 + days)


@pytest.fixture
def setting():
    territory = TerritoryFactory()
    commune = territory.communes.get()
    second = CommuneFactory(code_insee="69123", nom="Lyon")
    territory.communes.add(second)
    sas_team = OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS)
    org = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)
    return {
        "commune": commune,
        "second": second,
        "org": org,
        "user": member(Role.PRESCRIPTEUR, org),
        "sas_team": sas_team,
        "uncovered": CommuneFactory(code_insee="13055", nom="Marseille"),
    }


def person(setting, prenom, **kwargs):
    values = {"prenom": prenom, "commune": setting["commune"], "date_naissance": born(19)}
    return SignalementData(**{**values, **kwargs})


def scenario(setting):
    """Rows that exercise every rule, in an order where later rows depend on earlier ones."""
    future = AT.date() + datetime.timedelta(days=90)
    p = lambda prenom, **kwargs: person(setting, prenom, **kwargs)  # noqa: E731
    rows = [
        p("Anna", nom="Martin", telephone="+33612000001", jeune_accord=True),
        p("Bilal", nom="Haddad", email="Bilal@Example.org", fin_accompagnement_le=future),
        # Same phone and birth date as Anna: attached, tells us her email.
        p("Anna", nom="Autre", telephone="+33612000001", email="anna@example.org", motif="Fin de contrat"),
        # Same email as Anna (learnt on the previous row), any case, but another first name: a possible duplicate.
        p("Anne", email="ANNA@example.org", telephone="", adresse="1 rue de la Paix"),
        # Same email, first name and birth date as Bilal, any case: attached to his upcoming exit.
        p("Bilal", email="bilal@example.ORG", jeune_accord=True),
        # Same first name + name + birth date + commune as Chloé already known, but no other link.
        p("chloé", nom="DUPONT", telephone="+33612000003", commune=setting["commune"]),
        # Same name and birth date as Chloé in another commune: a possible duplicate.
        p("Chloé", nom="Dupont", telephone="+33612000004", commune=setting["second"]),
        # Known Dan has no name: this row gives it (phone and birth date match), then the next one matches on it.
        p("Dan", nom="Levy", telephone="+33612000005", date_naissance=born(20)),
        p("Dan", nom="levy", email="dan@example.org", date_naissance=born(20), jeune_accord=True),
        # Known Eva's journey is closed: a new one starts.
        p("Eva", telephone="+33612000006", tranche_age="18-21", date_naissance=born(22)),
        # Refused: too old, and a commune nobody covers.
        p("Fanny", telephone="+33612000007", date_naissance=born(35)),
        p("Gus", telephone="+33612000008", commune=setting["uncovered"]),
        p("Hugo", telephone="+33612000009", joignable_via_prescripteur=True, jeune_accord=True, langues="arabe"),
        p("Hugo", nom="Petit", telephone="+33612000009", fin_accompagnement_le=future),
    ]
    return [(data, f"cle-{i}") for i, data in enumerate(rows)]


def known_people(setting):
    """People SAS knew before the file came."""
    org, before = setting["org"], AT - datetime.timedelta(days=30)
    signaler(person(setting, "Chloé", nom="Dupont", telephone="+33612000002"), source="prescripteur", at=before)
    dan = person(setting, "Dan", telephone="+33612000005", date_naissance=born(20))
    signaler(dan, source="api", organisation=org, at=before)
    eva = signaler(person(setting, "Eva", telephone="+33612000006", date_naissance=born(22)), source="jeune", at=before)
    transitions.transition(eva.signalement.parcours, Status.HORS_CIBLE, reason="Déménagé", at=before)


def ranked(detail, doublons):
    return (
        {**detail, "doublon_possible": doublons[detail["doublon_possible"]]} if "doublon_possible" in detail else detail
    )


def snapshot(results):
    """Everything written, with ids replaced by their rank, so that two runs compare equal."""
    jeunes = {pk: i for i, pk in enumerate(Jeune.objects.order_by("pk").values_list("pk", flat=True))}
    parcours = {pk: i for i, pk in enumerate(Parcours.objects.order_by("pk").values_list("pk", flat=True))}
    signalements = {pk: i for i, pk in enumerate(Signalement.objects.order_by("pk").values_list("pk", flat=True))}
    doublons = {pk: i for i, pk in enumerate(DoublonPossible.objects.order_by("pk").values_list("pk", flat=True))}
    jeune_fields = [
        "prenom", "nom", "date_naissance", "tranche_age", "telephone", "email", "adresse",
        "joignable_via_prescripteur", "commune_id", "anonymised_at",
    ]  # fmt: skip
    return {
        "results": [
            error.message_dict
            if isinstance(error := result, ValidationError)
            else (signalements[result.signalement.pk], result.known_jeune, result.new_parcours)
            for result in results
        ],
        "jeunes": list(Jeune.objects.order_by("pk").values_list(*jeune_fields)),
        "parcours": [
            (jeunes[p.jeune_id], p.territory_id, p.status, p.status_changed_at, p.created_at, p.conseiller_id)
            for p in Parcours.objects.order_by("pk")
        ],
        "events": [
            (parcours[e.parcours_id], e.kind, e.from_status, e.to_status, e.reason, e.detail, e.actor_id, e.occurred_at)
            for e in ParcoursEvent.objects.order_by("pk")
        ],
        "doublons": [
            (parcours[d.nouveau_id], parcours[d.existant_id], d.identifiants, d.created_at, d.decision)
            for d in DoublonPossible.objects.order_by("pk")
        ],
        "signalements": [
            (parcours[s.parcours_id], s.organisation_id, s.created_by_id, s.source, s.created_at, s.verifie)
            + (s.attache_le, s.telephone_propose, s.email_propose)
            + (s.cle_import, *(getattr(s, f) for f in SIGNALEMENT_FIELDS))
            for s in Signalement.objects.order_by("pk")
        ],
        "consents": [
            (jeunes[c.jeune_id], c.purpose, c.categories, c.collected_by_id, c.collected_via, c.collected_at)
            + (c.withdrawn_at, sorted(o.pk for o in c.organisations.all()))
            for c in Consent.objects.order_by("pk")
        ],
        "audit": [
            (a.actor_id, a.action, [jeunes[pk] for pk in a.jeune_ids], a.object_type, ranked(a.detail, doublons))
            + (signalements[int(a.object_id)] if a.object_type == "parcours.signalement" else a.object_id,)
            for a in AuditEntry.objects.order_by("pk")
        ],
    }


def run_and_roll_back(function):
    savepoint = transaction.savepoint()
    try:
        return snapshot(function())
    finally:
        transaction.savepoint_rollback(savepoint)


def one_by_one(rows, **kwargs):
    results = []
    for data, cle_import in rows:
        try:
            results.append(signaler(data, cle_import=cle_import, **kwargs))
        except ValidationError as error:
            results.append(error)
    return results


def test_a_batch_writes_exactly_what_signaler_writes_row_by_row(setting):
    known_people(setting)
    rows = scenario(setting)
    kwargs = {"source": SignalementSource.FICHIER, "organisation": setting["org"], "created_by": setting["user"]}
    expected = run_and_roll_back(lambda: one_by_one(rows, at=AT, **kwargs))
    assert run_and_roll_back(lambda: signaler_many(rows, at=AT, **kwargs)) == expected
    # The scenario does exercise the rules it is meant to.
    results = [result if isinstance(result, dict) else result[1:] for result in expected["results"]]
    assert results[:10] == [
        (False, True), (False, True), (True, False), (False, True), (True, False),
        (True, False), (False, True), (True, False), (True, False), (True, True),
    ]  # fmt: skip
    assert list(results[10]) == ["date_naissance"] and list(results[11]) == ["commune"]
    assert results[12:] == [(False, True), (True, False)]
    assert len(expected["jeunes"]) == 3 + 5 and len(expected["consents"]) == 4
    # Anne's journey may be Anna's (the same email), the second Chloé's the first one's (name and birth date).
    parcours_of = [expected["signalements"][result[0]][0] for result in expected["results"][:10]]
    assert [(new, existing, identifiants) for new, existing, identifiants, *_ in expected["doublons"]] == [
        (parcours_of[3], parcours_of[0], ["email"]),
        (parcours_of[6], 0, ["identite"]),
    ]
    assert {status for _, _, status, *_ in expected["parcours"]} == {
        Status.SIGNALE,
        Status.SORTIE_A_VENIR,
        "hors_cible",
    }
    assert expected["jeunes"][1][1] == "Levy"  # Dan's name, learnt from the file


def test_other_sources_and_no_author_write_the_same_too(setting):
    rows = [
        (person(setting, "Inès", telephone="+33612000010", declarant_nom="Sa tante", jeune_accord=True), ""),
        (person(setting, "Inès", telephone="+33612000010", declarant_nom="Son frère"), ""),
    ]
    for source in [SignalementSource.PROCHE, SignalementSource.API]:
        expected = run_and_roll_back(lambda source=source: one_by_one(rows, source=source, at=AT))
        assert run_and_roll_back(lambda source=source: signaler_many(rows, source=source, at=AT)) == expected


def test_a_chunk_takes_the_same_number_of_queries_whatever_its_size(setting, django_assert_num_queries):
    known_people(setting)

    def rows(count, offset):
        new = [
            (person(setting, f"P{i}", telephone=f"+336130{i:05d}", jeune_accord=i % 2 == 0), f"n{i}")
            for i in range(offset, offset + count)
        ]
        # The phone of a row above with another first name: a possible duplicate.
        same = [
            (person(setting, "Zed", telephone=f"+336130{offset:05d}", email=f"z{offset}@example.org"), f"d{offset}")
        ]
        known = [(person(setting, "Dan", telephone="+33612000005", date_naissance=born(20)), f"k{offset}")]
        return new + same + known

    # Territories, known people with their journeys, SAS teams, savepoint, 9 bulk writes, release. (Up to 40 rows:
    # on SQLite, Django splits an INSERT past 999 parameters; the benchmark counts on PostgreSQL, which does not.)
    with django_assert_num_queries(14):
        signaler_many(rows(3, 0), source=SignalementSource.FICHIER, organisation=setting["org"], at=AT)
    with django_assert_num_queries(14):
        signaler_many(rows(40, 100), source=SignalementSource.FICHIER, organisation=setting["org"], at=AT)
    assert Jeune.objects.count() == 3 + 3 + 40 + 2
