"""Rank the directory's services for one young person, and say why in words a counsellor can read aloud.

Hard rules (a service that breaks one is not proposed):
- its eligibility zone contains the person's commune (commune, its Paris/Lyon/Marseille parent, département, EPCI
  approximated by département, France; no zone given counts as everywhere);
- its publics include the young person (empty, tous-publics, jeunes or one of the profile's publics) and the age
  is within its limits;
- in person only: within the distance limit; the counsellor's filters (modes, free only, thématiques);
- its weekly hours fit the hours the person has.

Score (higher first; ties broken by the schema id, so the order is the same for the same data):
  needs covered 40 × share of the needs · distance (in person) 20 × (1 − d / limit), remote 15 · zone precision
  up to 5 · cost 10 free, 5 unknown · public aimed at young people 5 · responsiveness 10 × acceptance rate +
  5 × (1 − delay / 15 days) · preferred mode 5.
"""

import math
from dataclasses import dataclass, field

from data_inclusion.schema import v1
from django.db.models import Q

from . import schema
from .models import Service

GRATUIT, PAYANT = v1.Frais.GRATUIT.value, v1.Frais.PAYANT.value
EN_PRESENTIEL, A_DISTANCE = v1.ModeAccueil.EN_PRESENTIEL.value, v1.ModeAccueil.A_DISTANCE.value
PUBLICS_JEUNES = {v1.Public.TOUS_PUBLICS.value, v1.Public.JEUNES.value}
DEFAULT_RAYON_KM = 20.0
EARTH_KM = 6371.0
ZONE_POINTS = {"c": 5, "d": 4, "x": 3, "p": 2, "*": 0}


@dataclass(frozen=True)
class ProfilJeune:
    """What matching needs to know of a young person (from their diagnostic)."""

    code_insee: str
    latitude: float | None
    longitude: float | None
    departement: str | None = None
    thematiques: tuple = ()  # data·inclusion thématiques, or whole categories ("mobilite")
    age: int | None = None
    publics: tuple = ()  # data·inclusion publics besides "jeunes" (femmes, demandeurs-emploi…)
    rayon_km: float | None = DEFAULT_RAYON_KM  # how far they can travel; None: no limit
    a_distance_uniquement: bool = False
    heures_disponibles: float | None = None  # per week
    mode_prefere: str | None = None

    @classmethod
    def pour_commune(cls, commune, **kwargs):
        return cls(
            code_insee=commune.code_insee,
            latitude=commune.latitude,
            longitude=commune.longitude,
            departement=commune.departement_id,
            **kwargs,
        )


@dataclass(frozen=True)
class Filtres:
    """What the counsellor can change on screen; None keeps the profile's value."""

    distance_max_km: float | None = None
    modes: frozenset = frozenset()  # empty: any mode
    gratuit_uniquement: bool = False
    thematiques: tuple | None = None


@dataclass(frozen=True)
class Reactivite:
    taux_acceptation: float
    delai_jours: float
    mesuree: bool


REACTIVITE_PAR_DEFAUT = Reactivite(taux_acceptation=0.7, delai_jours=7.0, mesuree=False)


@dataclass
class ServiceClasse:
    """One service of the ranking, with the reasons of its rank (a referral's `Proposition` is another thing)."""

    rang: int
    service_id: int
    service_nom: str
    structure_id: int
    structure_nom: str
    score: float
    distance_km: float | None
    raisons: list = field(default_factory=list)

    @property
    def explication(self):
        return " · ".join(self.raisons)


def expand_thematiques(values):
    """Each requested item as the set of thématiques that satisfy it (a category stands for all its own)."""
    all_values = [t.value for t in v1.Thematique]
    return [
        frozenset([value]) if "--" in value else frozenset(t for t in all_values if t.startswith(f"{value}--"))
        for value in values
    ]


def distance_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def _bbox(lat, lon, km):
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
    return Q(position_lat__range=(lat - dlat, lat + dlat), position_lon__range=(lon - dlon, lon + dlon))


def _french_number(value):
    return f"{value:.1f}".replace(".", ",")


def _join(labels):
    labels = list(labels)
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} et {labels[-1]}"


def _category_label(thematique):
    label = v1.Categorie(thematique.split("--")[0]).label
    return label[0].lower() + label[1:]


FIELDS = [
    "pk",
    "source",
    "identifiant",
    "nom",
    "structure_id",
    "structure__nom",
    "thematiques",
    "publics",
    "frais",
    "age_min",
    "age_max",
    "position_lat",
    "position_lon",
    "en_presentiel",
    "a_distance",
    "zone_cles",
    "volume_horaire_hebdomadaire",
]


def candidates(profil, filtres=None):
    """The SQL pre-filter: zone, thématiques, cost, mode and a distance box. Returns a values() queryset."""
    filtres = filtres or Filtres()
    keys = schema.person_keys(profil.code_insee, profil.departement)
    wanted = filtres.thematiques if filtres.thematiques is not None else profil.thematiques
    if wanted:
        themes = set().union(*expand_thematiques(wanted))
        categories = {theme.split("--")[0] for theme in themes}
        query = Service.objects.filter(cles_recherche__overlaps=schema.search_keys(keys, categories))
        query = query.filter(thematiques__overlaps=themes)
    else:
        query = Service.objects.filter(zone_cles__overlaps=keys)
    if filtres.gratuit_uniquement:
        query = query.filter(frais=GRATUIT)
    modes = set(filtres.modes) or {EN_PRESENTIEL, A_DISTANCE}
    if profil.a_distance_uniquement:
        modes &= {A_DISTANCE}
    limit = _limit(profil, filtres)
    # A service without a declared mode is taken as in person (someone has to go there).
    in_person = Q(en_presentiel=True) | Q(en_presentiel=False, a_distance=False)
    if limit is not None and profil.latitude is not None:
        in_person &= _bbox(profil.latitude, profil.longitude, limit)
    allowed = Q(pk__in=[])
    if A_DISTANCE in modes:
        allowed |= Q(a_distance=True)
    if EN_PRESENTIEL in modes:
        allowed |= in_person
    return query.filter(allowed).order_by().values_list(*FIELDS)


def _limit(profil, filtres):
    return filtres.distance_max_km if filtres.distance_max_km is not None else profil.rayon_km


def classer(profil, filtres=None, limite=20, reactivite=None):
    """The ranked services (at most `limite`) for this profile under the counsellor's filters.

    `reactivite(structure_ids)` gives {structure id: Reactivite} measured by the caller (the directory knows nothing
    of referrals); a structure it leaves out, or every one without it, gets REACTIVITE_PAR_DEFAUT ("pas encore
    mesurée")."""
    filtres = filtres or Filtres()
    wanted = filtres.thematiques if filtres.thematiques is not None else profil.thematiques
    needs = list(zip(wanted, expand_thematiques(wanted), strict=True))
    modes = set(filtres.modes) or {EN_PRESENTIEL, A_DISTANCE}
    if profil.a_distance_uniquement:
        modes &= {A_DISTANCE}
    limit = _limit(profil, filtres)
    person_keys = schema.person_keys(profil.code_insee, profil.departement)
    publics = PUBLICS_JEUNES | set(profil.publics)

    scored = []
    for row in candidates(profil, filtres).iterator(chunk_size=2000):
        result = _score(row, profil, needs, modes, limit, person_keys, publics)
        if result is not None:
            scored.append(result)
    reactivites = reactivite({item[2][4] for item in scored}) if reactivite else {}
    ranked = []
    for score, key, row, distance, raisons in scored:
        mesure = reactivites.get(row[4], REACTIVITE_PAR_DEFAUT)
        ranked.append((score + _reactivite_points(mesure), key, row, distance, raisons, mesure))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    return [
        ServiceClasse(
            rang=rang,
            service_id=row[0],
            service_nom=row[3],
            structure_id=row[4],
            structure_nom=row[5],
            score=round(score, 2),
            distance_km=None if distance is None else round(distance, 1),
            raisons=[*raisons, _reactivite_text(mesure)],
        )
        for rang, (score, _key, row, distance, raisons, mesure) in enumerate(ranked[:limite], 1)
    ]


def _reactivite_points(reactivite):
    return 10 * reactivite.taux_acceptation + 5 * max(0.0, 1 - reactivite.delai_jours / 15)


def _reactivite_text(reactivite):
    if not reactivite.mesuree:
        return "réactivité pas encore mesurée"
    return (
        f"répond en {reactivite.delai_jours:.0f} jours en moyenne, "
        f"accepte {reactivite.taux_acceptation * 100:.0f} % des orientations"
    )


def _score(row, profil, needs, modes, limit, person_keys, publics):
    (_pk, source, identifiant, _nom, _sid, _snom, thematiques, service_publics, frais, age_min, age_max) = row[:11]
    lat, lon, en_presentiel, a_distance, zone_cles, heures = row[11:]
    if service_publics and not publics.intersection(service_publics):
        return None
    if profil.age is not None and (
        (age_min is not None and profil.age < age_min) or (age_max is not None and profil.age > age_max)
    ):
        return None
    if profil.heures_disponibles is not None and heures is not None and heures > profil.heures_disponibles:
        return None
    matched = person_keys.intersection(zone_cles)
    if not matched:
        return None

    raisons, score = [], 0.0
    themes = set(thematiques)
    if needs:
        covered = [item for item, options in needs if options & themes]
        if not covered:
            return None
        score += 40 * len(covered) / len(needs)
        labels = list(dict.fromkeys(_category_label(item) for item in covered))
        missing = [item for item, options in needs if not options & themes]
        text = f"couvre {_join(labels)}"
        if missing:
            text += f" (pas {_join(dict.fromkeys(_category_label(m) for m in missing))})"
        raisons.append(text)

    in_person_only = not a_distance
    distance = None
    if lat is not None and profil.latitude is not None and (en_presentiel or in_person_only):
        distance = distance_km(profil.latitude, profil.longitude, lat, lon)
    remote_ok = a_distance and A_DISTANCE in modes
    person_ok = EN_PRESENTIEL in modes and (en_presentiel or in_person_only)
    if person_ok and limit is not None and (distance is None or distance > limit):
        person_ok = False
    if not (remote_ok or person_ok):
        return None
    if person_ok and distance is not None:
        score += 20 * (1 - distance / limit) if limit else 10
        where = f"à {_french_number(distance)} km"
        if remote_ok:
            raisons.append(f"{where}, en présentiel ou à distance")
        elif en_presentiel:
            raisons.append(f"{where}, en présentiel")
        else:
            raisons.append(f"{where}, mode d'accueil non précisé")
    elif person_ok:
        raisons.append("en présentiel, distance inconnue")
    else:
        score += 15
        raisons.append("à distance")
    if profil.mode_prefere and (
        (profil.mode_prefere == A_DISTANCE and remote_ok) or (profil.mode_prefere == EN_PRESENTIEL and person_ok)
    ):
        score += 5

    if frais == GRATUIT:
        score += 10
        raisons.append("gratuit")
    elif frais == PAYANT:
        raisons.append("payant")
    else:
        score += 5
        raisons.append("coût non précisé")

    if age_min is not None and age_max is not None:
        raisons.append(f"accepte les {age_min}–{age_max} ans")
    elif age_max is not None:
        raisons.append(f"jusqu'à {age_max} ans")
    elif age_min is not None:
        raisons.append(f"à partir de {age_min} ans")
    elif service_publics and v1.Public.JEUNES.value in service_publics:
        raisons.append("ouvert aux jeunes")
    else:
        raisons.append("ouvert à tous")
    if service_publics and (set(service_publics) - {v1.Public.TOUS_PUBLICS.value}) & publics:
        score += 5
    if age_min is not None or age_max is not None:
        score += 5

    best_zone = max(ZONE_POINTS[key.split(":")[0]] for key in matched)
    score += best_zone
    if best_zone == ZONE_POINTS["x"]:
        raisons.append("zone intercommunale, éligibilité à vérifier")
    elif best_zone == 0:
        raisons.append("zone d'éligibilité non précisée")
    if heures is not None:
        raisons.append(f"{_french_number(heures).removesuffix(',0')} h par semaine")
    return score, (source, identifiant), row, distance, raisons
