import pytest

from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.matching import Filtres, ProfilJeune, classer
from sas.annuaire.models import Service
from sas.communes.factories import CommuneFactory, DepartementFactory
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


def test_two_queries_whatever_the_number_of_candidates(lyon_3e, django_assert_num_queries):
    create_catalogue(
        [structure_row(f"s{n}") for n in range(3)], [in_person(f"s{n:02d}", structure=f"s{n % 3}") for n in range(30)]
    )

    # The candidates, then the responsiveness of their structures.
    with django_assert_num_queries(2):
        assert len(classer(profil(lyon_3e), limite=50, reactivite=indicators.reactivite)) == 30
