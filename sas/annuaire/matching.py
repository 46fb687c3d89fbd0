"""Rank the directory's services for one young person, and say why in words a counsellor can read aloud.

Hard rules (a service that breaks one is not proposed):
- it is not suspended;
- its eligibility zone contains the person's commune (commune, its Paris/Lyon/Marseille parent, EPCI, département,
  France; no zone given counts as everywhere);
- the age is within the limits a person set on the service (age_min / age_max);
- in person only: within the distance limit; the counsellor's filters (modes, free only, thématiques, and leaving
  out the services reserved to publics the young person is not known to belong to);
- its weekly hours fit the hours the person has.

Hints (what the directory's text or publics say, never a reason to leave a service out): a service reserved to
other publics, or whose text gives an age band the person is outside, stays listed lower with "à vérifier".

Score (higher first; ties broken by the schema id, so the order is the same for the same data):
  urgent need answered 100 · needs covered 40 × share of the needs · distance (in person) 20 × (1 − d / limit),
  remote 15 · zone precision up to 5 · cost 10 free, 5 unknown · public aimed at the young person 5 · ages fitting
  5 · reserved to others (public or ages of the text) −20 each · responsiveness 10 × acceptance rate + 5 × (1 −
  delay / 15 days) · preferred mode 5.
"""

import functools
import json
import math
from dataclasses import dataclass, field, replace

from data_inclusion.schema import v1
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from . import schema
from .models import Service

GRATUIT, PAYANT = v1.Frais.GRATUIT.value, v1.Frais.PAYANT.value
EN_PRESENTIEL, A_DISTANCE = v1.ModeAccueil.EN_PRESENTIEL.value, v1.ModeAccueil.A_DISTANCE.value
PUBLICS_JEUNES = {v1.Public.TOUS_PUBLICS.value, v1.Public.JEUNES.value}
TOUS = {v1.Public.TOUS_PUBLICS.value}
DEFAULT_RAYON_KM = 20.0
EARTH_KM = 6371.0
ZONE_POINTS = {"c": 5, "e": 4, "d": 4, "p": 2, "*": 0}
URGENCE_POINTS = 100
HORS_PUBLIC_POINTS = -20


@dataclass(frozen=True)
class ProfilJeune:
    """What matching needs to know of a young person (from their diagnostic)."""

    code_insee: str
    latitude: float | None
    longitude: float | None
    departement: str | None = None
    epci: str | None = None  # SIREN of the commune's EPCI
    thematiques: tuple = ()  # data·inclusion thématiques, or whole categories ("mobilite")
    # Needs that cannot wait (a bed tonight…): ((what the person said, (thématiques…)), …); their services come first.
    urgences: tuple = ()
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
            epci=commune.epci_id,
            **kwargs,
        )


@dataclass(frozen=True)
class Filtres:
    """What the counsellor can change on screen; None keeps the profile's value."""

    distance_max_km: float | None = None
    modes: frozenset = frozenset()  # empty: any mode
    gratuit_uniquement: bool = False
    thematiques: tuple | None = None
    # Leave out the services reserved to publics the young person is not known to belong to.
    publics_ouverts: bool = False


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
    urgent: bool = False
    deja_propose: bool = False

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


# What the score reads of each candidate (the names only of the services shown, afterwards).
FIELDS = [
    "pk",
    "source",
    "identifiant",
    "structure_id",
    "thematiques",
    "publics",
    "frais",
    "age_min",
    "age_max",
    "age_min_fiche",
    "age_max_fiche",
    "ages_fiche_seul",
    "position_lat",
    "position_lon",
    "en_presentiel",
    "a_distance",
    "zone_cles",
    "volume_horaire_hebdomadaire",
]


# The list columns a ranking reads, fetched as their JSON text: a catalogue repeats the same few lists, so each is
# parsed once (_tags) instead of once a row, by the score.
TAGS = {"thematiques", "publics", "zone_cles"}


@functools.lru_cache(maxsize=8192)
def _tags(text):
    return frozenset(json.loads(text))


@functools.cache
def _rows():
    """The services as FIELDS tuples, their lists as JSON text: set up once, since resolving these columns and
    annotations for each ranking cost Django as much as PostgreSQL's running the query."""
    as_text = {f"{name}_texte": Cast(name, TextField()) for name in TAGS}
    columns = [f"{name}_texte" if name in TAGS else name for name in FIELDS]
    return Service.objects.order_by().annotate(**as_text).values_list(*columns)


def candidates(profil, filtres=None):
    """The SQL pre-filter: zone, thématiques, cost, mode and a distance box. The rows (FIELDS), their lists as JSON
    text."""
    filtres = filtres or Filtres()
    keys = schema.person_keys(profil.code_insee, profil.departement, profil.epci)
    wanted = filtres.thematiques if filtres.thematiques is not None else profil.thematiques
    if wanted:
        themes = set().union(*expand_thematiques(wanted))
        categories = {theme.split("--")[0] for theme in themes}
        where = Q(cles_recherche__overlaps=schema.search_keys(keys, categories), thematiques__overlaps=themes)
    else:
        where = Q(zone_cles__overlaps=keys)
    where &= Q(date_suspension__isnull=True) | Q(date_suspension__gt=timezone.localdate())
    if filtres.gratuit_uniquement:
        where &= Q(frais=GRATUIT)
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
    return _rows().filter(where & allowed)


def _limit(profil, filtres):
    return filtres.distance_max_km if filtres.distance_max_km is not None else profil.rayon_km


def classer(profil, filtres=None, limite=20, reactivite=None, deja_proposes=frozenset()):
    """The ranked services (at most `limite`; None: all) for this profile under the counsellor's filters.

    `reactivite(structure_ids)` gives {structure id: Reactivite} measured by the caller (the directory knows nothing
    of referrals); a structure it leaves out, or every one without it, gets REACTIVITE_PAR_DEFAUT ("pas encore
    mesurée"). Services of `deja_proposes` (ids) are marked: the caller does not propose them again."""
    filtres = filtres or Filtres()
    wanted = filtres.thematiques if filtres.thematiques is not None else profil.thematiques
    needs = list(zip(wanted, expand_thematiques(wanted), strict=True))
    urgences = [(label, frozenset(themes)) for label, themes in profil.urgences]
    modes = set(filtres.modes) or {EN_PRESENTIEL, A_DISTANCE}
    if profil.a_distance_uniquement:
        modes &= {A_DISTANCE}
    limit = _limit(profil, filtres)
    person_keys = schema.person_keys(profil.code_insee, profil.departement, profil.epci)
    publics = PUBLICS_JEUNES | set(profil.publics)
    context = (profil, needs, urgences, modes, limit, person_keys, publics, filtres.publics_ouverts)

    scored = [result for row in candidates(profil, filtres) if (result := _score(row, *context)) is not None]
    scored = _contenders(scored, limite)
    reactivites = reactivite({item[2][3] for item in scored}) if reactivite else {}
    ranked = []
    for score, key, row, distance, raisons, urgent in scored:
        mesure = reactivites.get(row[3], REACTIVITE_PAR_DEFAUT)
        ranked.append((score + _reactivite_points(mesure), key, row, distance, raisons, urgent, mesure))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    ranked = [(*item[:4], _score(item[2], *context, explain=True)[4], *item[5:]) for item in ranked[:limite]]
    # The names only for the services shown: a join on every candidate costs more than the scan.
    noms = {
        pk: (nom, structure_nom)
        for pk, nom, structure_nom in Service.objects.filter(pk__in=[item[2][0] for item in ranked]).values_list(
            "pk", "nom", "structure__nom"
        )
    }
    return [
        ServiceClasse(
            rang=rang,
            service_id=row[0],
            service_nom=noms[row[0]][0],
            structure_id=row[3],
            structure_nom=noms[row[0]][1],
            score=round(score, 2),
            distance_km=None if distance is None else round(distance, 1),
            raisons=[*raisons, _reactivite_text(mesure)],
            urgent=urgent,
            deja_propose=row[0] in deja_proposes,
        )
        for rang, (score, _key, row, distance, raisons, urgent, mesure) in enumerate(ranked, 1)
    ]


def _contenders(scored, limite):
    """The scored services that may still be in the first `limite` once responsiveness (0 to REACTIVITE_MAX points)
    is added: the others are behind the `limite`-th best score before it, whatever their structure's."""
    if limite is None or len(scored) <= limite:
        return scored
    threshold = sorted((item[0] for item in scored), reverse=True)[limite - 1]
    # The margin keeps a service whose float sum would tie with the threshold.
    return [item for item in scored if item[0] + REACTIVITE_MAX + 1e-6 >= threshold]


def relaxations(profil, filtres=None):
    """When nothing is left: what each filter hides ("3 services à plus de 20 km"), in the order of the filters."""
    filtres = filtres or Filtres()
    found = []
    limit = _limit(profil, filtres)
    if limit is not None and not profil.a_distance_uniquement:
        farther = classer(replace(profil, rayon_km=None), replace(filtres, distance_max_km=None), limite=None)
        found.append((len(farther), f"à plus de {_french_number(limit).removesuffix(',0')} km"))
    if filtres.publics_ouverts:
        others = classer(profil, replace(filtres, publics_ouverts=False), limite=None)
        found.append((len(others), "réservé{s} à d'autres publics (à vérifier)"))
    if filtres.gratuit_uniquement:
        paying = classer(profil, replace(filtres, gratuit_uniquement=False), limite=None)
        found.append((len(paying), "payants ou au coût non précisé"))
    if filtres.modes:
        other_modes = classer(profil, replace(filtres, modes=frozenset()), limite=None)
        found.append((len(other_modes), "avec un autre mode d'accueil"))
    plural = {True: "s", False: ""}
    return [f"{count} service{plural[count > 1]} {text.format(s=plural[count > 1])}" for count, text in found if count]


REACTIVITE_MAX = 15  # what _reactivite_points gives at most: every referral accepted, at once


def _reactivite_points(reactivite):
    return 10 * reactivite.taux_acceptation + 5 * max(0.0, 1 - reactivite.delai_jours / 15)


def _reactivite_text(reactivite):
    if not reactivite.mesuree:
        return "réactivité pas encore mesurée"
    return (
        f"répond en {reactivite.delai_jours:.0f} jours en moyenne, "
        f"accepte {reactivite.taux_acceptation * 100:.0f} % des orientations"
    )


def _public_label(value):
    label = v1.Public(value).label
    return label[0].lower() + label[1:]


def _ages_text(low, high):
    if low is not None and high is not None:
        return f"{low}–{high} ans"
    return f"moins de {high + 1} ans" if high is not None else f"{low} ans et plus"


def _age_points(age, age_min, age_max, fiche_min, fiche_max, seul):
    """(points, hint outside) of the ages: the limits a person set (the age is within: rule already applied), else
    those the text mentions, as a hint."""
    if age_min is not None or age_max is not None:
        return 5, False
    if (fiche_min is None and fiche_max is None) or not seul:
        return 0, False
    outside = age is not None and (
        (fiche_min is not None and age < fiche_min) or (fiche_max is not None and age > fiche_max)
    )
    return (HORS_PUBLIC_POINTS, True) if outside else (5, False)


def _age_reason(age_min, age_max, fiche_min, fiche_max, seul, outside):
    if age_min is not None and age_max is not None:
        return f"accepte les {age_min}–{age_max} ans"
    if age_max is not None:
        return f"jusqu'à {age_max} ans"
    if age_min is not None:
        return f"à partir de {age_min} ans"
    if fiche_min is None and fiche_max is None:
        return None
    ages = _ages_text(fiche_min, fiche_max)
    if not seul:
        return f"plusieurs publics selon la fiche, dont les {ages}"
    return f"réservé aux {ages} selon la fiche : à vérifier" if outside else f"pour les {ages} selon la fiche"


def _score(row, profil, needs, urgences, modes, limit, person_keys, publics, publics_ouverts, explain=False):
    """(score, tie-break key, row, distance, reasons, urgent), or None when a rule leaves the service out. The
    reasons (None unless `explain`) are only worded for the services shown."""
    (
        _pk,
        source,
        identifiant,
        _sid,
        themes,
        service_publics,
        frais,
        age_min,
        age_max,
        fiche_min,
        fiche_max,
        seul,
        lat,
        lon,
        en_presentiel,
        a_distance,
        zone_cles,
        heures,
    ) = row
    service_publics = _tags(service_publics)
    shared = publics.intersection(service_publics)
    reserved = bool(service_publics) and not shared
    if reserved and publics_ouverts:
        return None
    age = profil.age
    if age is not None and ((age_min is not None and age < age_min) or (age_max is not None and age > age_max)):
        return None
    if profil.heures_disponibles is not None and heures is not None and heures > profil.heures_disponibles:
        return None
    matched = person_keys.intersection(_tags(zone_cles))
    if not matched:
        return None

    themes = _tags(themes)
    raisons, score = [], 0.0
    if needs:
        covered = [item for item, options in needs if not options.isdisjoint(themes)]
        if not covered:
            return None
        score += 40 * len(covered) / len(needs)
        if explain:
            labels = list(dict.fromkeys(_category_label(item) for item in covered))
            missing = [item for item, options in needs if options.isdisjoint(themes)]
            text = f"couvre {_join(labels)}"
            if missing:
                text += f" (pas {_join(dict.fromkeys(_category_label(m) for m in missing))})"
            raisons.append(text)
    urgent = [label for label, options in urgences if not options.isdisjoint(themes)]
    if urgent:
        score += URGENCE_POINTS
        if explain:
            raisons.insert(0, f"répond à l'urgence : {_join(urgent)}")

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
    elif not person_ok:
        score += 15
    if profil.mode_prefere and (
        (profil.mode_prefere == A_DISTANCE and remote_ok) or (profil.mode_prefere == EN_PRESENTIEL and person_ok)
    ):
        score += 5
    score += 10 if frais == GRATUIT else 0 if frais == PAYANT else 5
    points, outside = _age_points(age, age_min, age_max, fiche_min, fiche_max, seul)
    score += points
    own_publics = shared - TOUS
    if reserved:
        score += HORS_PUBLIC_POINTS
    elif own_publics:
        score += 5
    # Zone keys start with their kind's letter ("c:69266", "*").
    best_zone = max([ZONE_POINTS[key[0]] for key in matched])
    score += best_zone
    if explain:
        where = _where_reason(distance, person_ok, remote_ok, en_presentiel)
        age_text = _age_reason(age_min, age_max, fiche_min, fiche_max, seul, outside)
        raisons += _other_reasons(where, frais, age_text, service_publics, reserved, own_publics, best_zone, heures)
    return score, (source, identifiant), row, distance, raisons if explain else None, bool(urgent)


def _where_reason(distance, person_ok, remote_ok, en_presentiel):
    if person_ok and distance is not None:
        where = f"à {_french_number(distance)} km"
        if remote_ok:
            return f"{where}, en présentiel ou à distance"
        if en_presentiel:
            return f"{where}, en présentiel"
        return f"{where}, mode d'accueil non précisé"
    return "en présentiel, distance inconnue" if person_ok else "à distance"


def _other_reasons(where, frais, age_text, service_publics, reserved, own_publics, best_zone, heures):
    raisons = [where, "gratuit" if frais == GRATUIT else "payant" if frais == PAYANT else "coût non précisé"]
    if age_text:
        raisons.append(age_text)
    if reserved:
        specific = service_publics - TOUS
        raisons.append(f"réservé aux {_join(_public_label(p) for p in sorted(specific))} : à vérifier")
    elif own_publics:
        own = sorted(own_publics - {v1.Public.JEUNES.value})
        if own:
            raisons.append(f"pour les {_join(_public_label(p) for p in own)}")
        elif not age_text:
            raisons.append("ouvert aux jeunes")
    elif not age_text:
        raisons.append("ouvert à tous" if service_publics else "public non précisé")
    if best_zone == 0:
        raisons.append("zone d'éligibilité non précisée")
    if heures is not None:
        raisons.append(f"{_french_number(heures).removesuffix(',0')} h par semaine")
    return raisons
