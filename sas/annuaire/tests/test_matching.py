from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.matching import Filtres, ProfilJeune, Reactivite, classer, relaxations
from sas.annuaire.models import Service
from sas.communes.factories import CommuneFactory, DepartementFactory, EpciFactory
from sas.communes.models import Commune
from sas.orientation import indicators

pytestmark = pytest.mark.django_db

NEEDS = ("mobilite", "logement-hebergement")
PERMIS = "mobilite--preparer-un-permis"
LOUER = "logement-hebergement--louer-un-logement"
SANTE = "sante--sante-mentale"
VILLEURBANNE = {"code_insee": "69266", "latitude": 45.77188, "longitude": 4.88983}
GIVORS = {"code_insee": "69091", "latitude": 45.58449, "longitude": 4.75609}


@pytest.fixture
def lyon_3e():
    CommuneFactory(code_insee="69266", nom="Villeurbanne", latitude=45.77188, longitude=4.88983)
    CommuneFactory(code_insee="69091", nom="Givors", latitude=45.58449, longitude=4.75609)
    CommuneFactory(
        code_insee="38185",
        nom="Grenoble",
        latitude=45.1842,
        longitude=5.7155,
        departement=DepartementFactory(code="38", nom="Isère"),
    )
    return CommuneFactory(code_insee="69383", nom="Lyon 3e Arrondissement", latitude=45.75141, longitude=4.86848)


def in_person(key, themes=(PERMIS, LOUER), place=VILLEURBANNE, **fields):
    defaults = {
        "thematiques": list(themes),
        "publics": ["jeunes"],
        "publics_precisions": "Jeunes de 16 à 25 ans",
        "frais": "gratuit",
        "modes_accueil": ["en-presentiel"],
        "zone_eligibilite": ["69"],
        **place,
    }
    return service_row(key, **{**defaults, **fields})


def catalogue():
    return [
        in_person("a"),
        service_row(
            "b",
            thematiques=[PERMIS, SANTE],
            publics=["tous-publics"],
            frais="gratuit",
            modes_accueil=["a-distance"],
            zone_eligibilite=["france"],
        ),
        in_person("c", place=GIVORS),
        in_person("d", publics_precisions="Jeunes de 26 à 30 ans"),
        in_person("e", zone_eligibilite=["38185"]),
        in_person("f", frais="payant"),
        in_person("g", publics=["femmes"], publics_precisions=None),
        in_person("h", themes=[SANTE]),
        in_person("i", zone_eligibilite=["69123"], publics_precisions=None, volume_horaire_hebdomadaire=35),
    ]


def ranking(propositions):
    return [Service.objects.get(pk=p.service_id).identifiant.removeprefix("test--") for p in propositions]


def profil(commune, **kwargs):
    return ProfilJeune.pour_commune(commune, thematiques=NEEDS, age=19, **kwargs)


def test_ranking_and_explanations_on_a_small_catalogue(lyon_3e):
    create_catalogue([structure_row()], catalogue())

    propositions = classer(profil(lyon_3e))

    # d (26-30 ans in its text) and g (femmes) are not ruled out: listed lower, to check.
    assert ranking(propositions) == ["a", "i", "f", "d", "g", "b"]
    assert propositions[0].explication == (
        "couvre mobilité et logement et hébergement · à 2,8 km, en présentiel · gratuit · pour les 16–25 ans selon"
        " la fiche · réactivité pas encore mesurée"
    )
    assert propositions[1].explication == (
        "couvre mobilité et logement et hébergement · à 2,8 km, en présentiel · gratuit · ouvert aux jeunes"
        " · 35 h par semaine · réactivité pas encore mesurée"
    )
    assert "réservé aux 26–30 ans selon la fiche : à vérifier" in propositions[3].raisons
    assert "réservé aux femmes : à vérifier" in propositions[4].raisons
    assert propositions[5].explication == (
        "couvre mobilité (pas logement et hébergement) · à distance · gratuit · ouvert à tous"
        " · réactivité pas encore mesurée"
    )
    assert [p.rang for p in propositions] == list(range(1, 7))
    assert propositions[0].distance_km == 2.8


def test_counsellor_filters(lyon_3e):
    create_catalogue([structure_row()], catalogue())

    assert "c" in ranking(classer(profil(lyon_3e), Filtres(distance_max_km=30)))
    assert ranking(classer(profil(lyon_3e), Filtres(gratuit_uniquement=True))) == ["a", "i", "d", "g", "b"]
    assert ranking(classer(profil(lyon_3e), Filtres(modes=frozenset({"a-distance"})))) == ["b"]
    assert ranking(classer(profil(lyon_3e), Filtres(thematiques=("sante",)))) == ["h", "b"]
    # The counsellor may leave out what is reserved to other publics.
    assert "g" not in ranking(classer(profil(lyon_3e), Filtres(publics_ouverts=True)))


def test_constraints_of_the_young_person(lyon_3e):
    create_catalogue([structure_row()], catalogue())

    assert ranking(classer(profil(lyon_3e, a_distance_uniquement=True))) == ["b"]
    assert "i" not in ranking(classer(profil(lyon_3e, heures_disponibles=10)))
    woman = classer(profil(lyon_3e, publics=("femmes",)))
    g = woman[ranking(woman).index("g")]
    assert "pour les femmes" in g.raisons and g.rang < ranking(classer(profil(lyon_3e))).index("g") + 1
    assert ranking(classer(profil(lyon_3e, rayon_km=1))) == ["b"]


def test_age_rules(lyon_3e):
    create_catalogue([structure_row()], catalogue())
    Service.objects.filter(identifiant="test--f").update(age_min=16, age_max=25)  # set by a person: a rule

    young = ranking(classer(profil(lyon_3e)))
    older = ranking(classer(ProfilJeune.pour_commune(lyon_3e, thematiques=NEEDS, age=27)))
    # The text's ages are hints: the 27-year-old keeps "a" (16-25 in its text), below "d" (26-30).
    assert {"a", "d"} <= set(older) and older.index("d") < older.index("a")
    assert young.index("a") < young.index("d")
    # The limits a person set are rules.
    assert "f" in young and "f" not in older
    unknown_age = ProfilJeune.pour_commune(lyon_3e, thematiques=NEEDS)
    assert {"a", "d", "f"} <= set(ranking(classer(unknown_age)))


def test_an_age_band_in_a_list_of_publics_is_neither_a_limit_nor_a_reason_to_rank_lower(lyon_3e):
    listed = "Seniors (+60 ans), Jeunes (18-22 ans), Adultes"
    create_catalogue(
        [structure_row()],
        [
            in_person("liste", publics=["tous-publics"], publics_precisions=listed),
            in_person("seul", publics_precisions=None),
        ],
    )
    older = classer(ProfilJeune.pour_commune(lyon_3e, thematiques=NEEDS, age=27))

    by_key = dict(zip(ranking(older), older, strict=True))
    assert "plusieurs publics selon la fiche, dont les 18–22 ans" in by_key["liste"].raisons
    assert not any("à vérifier" in r or "accepte" in r for r in by_key["liste"].raisons)


def test_a_restricted_service_is_never_open_to_all(lyon_3e):
    restricted = [["femmes"], ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"], ["seniors"]]
    create_catalogue(
        [structure_row()],
        [in_person(f"r{i}", publics=publics, publics_precisions=None) for i, publics in enumerate(restricted)],
    )

    for proposition in classer(profil(lyon_3e)):
        assert "ouvert à tous" not in proposition.explication
        assert proposition.explication.count("à vérifier") == 1
    both = next(p for p in classer(profil(lyon_3e)) if "demandeurs" in p.explication)
    assert "réservé aux bénéficiaires des minimas sociaux et demandeurs d’emploi : à vérifier" in both.raisons


def test_zone_rules(lyon_3e):
    create_catalogue([structure_row()], catalogue())
    grenoble = CommuneFactory(code_insee="38185")

    assert "e" not in ranking(classer(profil(lyon_3e, rayon_km=None)))
    # Lyon's zone (69123) contains its arrondissements; the national remote service reaches Grenoble.
    assert "i" in ranking(classer(profil(lyon_3e)))
    assert ranking(classer(profil(grenoble, rayon_km=None))) == ["e", "b"]


def test_same_data_same_order_whatever_the_insertion_order(lyon_3e):
    twins = [in_person("x2"), in_person("x1"), *catalogue()]
    create_catalogue([structure_row()], twins)
    first = ranking(classer(profil(lyon_3e)))
    Service.objects.all().delete()
    create_catalogue([structure_row()], list(reversed(twins)))

    assert ranking(classer(profil(lyon_3e))) == first
    assert first[:3] == ["a", "x1", "x2"]


def test_three_queries_whatever_the_number_of_candidates(lyon_3e, django_assert_num_queries):
    create_catalogue(
        [structure_row(f"s{n}") for n in range(3)], [in_person(f"s{n:02d}", structure=f"s{n % 3}") for n in range(30)]
    )

    # The candidates, the responsiveness of their structures, the names of the services shown and their structures.
    with django_assert_num_queries(3):
        assert len(classer(profil(lyon_3e), limite=50, reactivite=indicators.reactivite)) == 30


def test_a_27_year_old_keeps_a_service_whose_text_only_mentions_16_26(lyon_3e):
    create_catalogue(
        [structure_row()],
        [
            in_person("numerique", publics=["jeunes"], publics_precisions="Jeunes (16-26 ans)"),
            in_person(
                "liste", publics=["tous-publics"], publics_precisions="Seniors (+65 ans), Jeunes (16-26 ans), Adultes"
            ),
        ],
    )
    older = classer(ProfilJeune.pour_commune(lyon_3e, thematiques=NEEDS, age=27))

    by_key = dict(zip(ranking(older), older, strict=True))
    assert set(by_key) == {"numerique", "liste"}
    assert "réservé aux 16–26 ans selon la fiche : à vérifier" in by_key["numerique"].raisons
    assert "plusieurs publics selon la fiche, dont les 16–26 ans" in by_key["liste"].raisons
    assert not any("accepte" in reason for p in older for reason in p.raisons)


def test_an_urgent_need_ranks_its_service_first(lyon_3e):
    abri = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
    emploi = [
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "trouver-un-emploi--faire-des-candidatures-spontanees",
    ]
    create_catalogue(
        [structure_row()],
        [
            in_person("emploi-1", themes=emploi, publics=["jeunes"]),
            in_person("emploi-2", themes=emploi[:1], publics=["jeunes"]),
            # Farther, not free, open to all: without the urgency it would come last.
            in_person(
                "abri", themes=[abri], publics=["tous-publics"], publics_precisions=None, frais="payant", place=GIVORS
            ),
        ],
    )
    needs = ("trouver-un-emploi", abri)
    calm = ProfilJeune.pour_commune(lyon_3e, thematiques=needs, age=19, rayon_km=30)
    urgent = replace(calm, urgences=(("un endroit où dormir ce soir", (abri,)),))

    assert ranking(classer(calm))[-1] == "abri"
    first = classer(urgent)[0]
    assert ranking([first]) == ["abri"] and first.urgent
    assert first.raisons[0] == "répond à l'urgence : un endroit où dormir ce soir"


def test_a_suspended_service_is_not_proposed(lyon_3e):
    create_catalogue(
        [structure_row()],
        [in_person("a", date_suspension="2025-01-01"), in_person("b", statut="suspendu"), in_person("c")],
    )
    assert ranking(classer(profil(lyon_3e))) == ["c"]
    Service.objects.filter(identifiant="test--a").update(date_suspension=timezone.localdate() + timedelta(days=1))
    assert set(ranking(classer(profil(lyon_3e)))) == {"a", "c"}  # suspended from tomorrow on


def test_an_epci_zone_is_its_member_communes(lyon_3e):
    metropole = EpciFactory(code="200046977")
    Commune.objects.filter(code_insee__in=["69383", "69266"]).update(epci=metropole)
    outside = CommuneFactory(code_insee="69999", nom="Hors métropole", epci=EpciFactory(code="200040715"))
    create_catalogue([structure_row()], [in_person("metropole", zone_eligibilite=["200046977"])])

    inside = classer(profil(Commune.objects.get(code_insee="69383")))
    assert ranking(inside) == ["metropole"]
    assert not any("vérifier" in reason for reason in inside[0].raisons)
    assert ranking(classer(profil(outside, rayon_km=None))) == []


def test_nothing_left_says_what_each_filter_hides(lyon_3e):
    create_catalogue([structure_row()], [in_person("loin", place=GIVORS), in_person("femmes", publics=["femmes"])])
    filtres = Filtres(publics_ouverts=True, distance_max_km=10)

    assert classer(profil(lyon_3e), filtres) == []
    assert relaxations(profil(lyon_3e), filtres) == [
        "1 service à plus de 10 km",
        "1 service réservé à d'autres publics (à vérifier)",
    ]


def test_a_young_man_in_paris_19e_looking_for_a_job_and_digital_skills_keeps_results():
    paris_dep = DepartementFactory(code="75", nom="Paris")
    grand_paris = EpciFactory(code="200054781", type="METRO")
    CommuneFactory(code_insee="75056", nom="Paris", departement=paris_dep, latitude=48.85982, longitude=2.34561)
    paris_19e = CommuneFactory(
        code_insee="75119",
        nom="Paris 19e Arrondissement",
        departement=paris_dep,
        epci=grand_paris,
        latitude=48.88685,
        longitude=2.38422,
    )
    emploi, numerique = (
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "numerique--maitriser-les-fondamentaux-du-numerique",
    )
    # Services of Paris without coordinates of their own: they are placed at their commune.
    at_paris = {"code_insee": "75056", "modes_accueil": ["en-presentiel"], "zone_eligibilite": ["75"]}
    create_catalogue(
        [structure_row()],
        [
            service_row("emploi", thematiques=[emploi], publics=["demandeurs-emploi"], **at_paris),
            service_row("rsa", thematiques=[emploi], publics=["beneficiaires-des-minimas-sociaux"], **at_paris),
            service_row(
                "numerique",
                thematiques=[numerique],
                publics=["seniors", "jeunes"],
                publics_precisions="Seniors (+65 ans), Jeunes (16-26 ans), Adultes",
                **{**at_paris, "zone_eligibilite": ["200054781"]},
            ),
        ],
    )
    jeune = ProfilJeune.pour_commune(paris_19e, thematiques=("trouver-un-emploi", "numerique"), age=19)

    found = classer(jeune)
    assert set(ranking(found)) == {"emploi", "rsa", "numerique"}
    assert all(p.distance_km is not None for p in found)
    assert ranking(found)[0] == "numerique"  # open to him; the others are reserved, to check


def test_the_first_services_are_those_of_the_whole_ranking_whatever_their_structures_responsiveness(lyon_3e):
    # Thirty services further and further from Villeurbanne in three structures: the nearest ten free, the next ten
    # paying but their structure answers every referral at once (15 points; the others none, late: 0), the last ten
    # reserved to women, far behind whatever their structure's responsiveness.
    def place(n):
        return {"code_insee": "69266", "latitude": 45.77188 + n * 0.004, "longitude": 4.88983}

    create_catalogue(
        [structure_row(f"s{n}") for n in range(3)],
        [in_person(f"x{n:02d}", place=place(n), structure="s0") for n in range(10)]
        + [in_person(f"x{n:02d}", place=place(n), structure="s1", frais="payant") for n in range(10, 20)]
        + [in_person(f"x{n:02d}", place=place(n), structure="s2", publics=["femmes"]) for n in range(20, 30)],
    )
    fast = Service.objects.get(identifiant="test--x10").structure_id
    asked = []

    def reactivite(structure_ids):
        asked.append(set(structure_ids))
        quick, late = Reactivite(1.0, 0, mesuree=True), Reactivite(0.0, 30, mesuree=True)
        return {pk: quick if pk == fast else late for pk in structure_ids}

    whole = classer(profil(lyon_3e), limite=None, reactivite=reactivite)
    first = classer(profil(lyon_3e), limite=5, reactivite=reactivite)

    assert [(p.service_id, p.score, p.raisons) for p in first] == [
        (p.service_id, p.score, p.raisons) for p in whole[:5]
    ]
    # The responsiveness moved the quick structure's nearest service first; without it come the five nearest.
    assert ranking(first)[0] == "x10"
    assert ranking(classer(profil(lyon_3e), limite=5)) == [f"x{n:02d}" for n in range(5)]
    # Only the structures of services that could be among the first five were asked.
    s2 = Service.objects.get(identifiant="test--x20").structure_id
    assert s2 in asked[0] and s2 not in asked[1]
