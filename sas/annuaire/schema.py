"""Mapping between our models and the data·inclusion schema (v1), and the derived fields used by matching.

Validation is always the package's own pydantic models (`data_inclusion.schema.v1.Structure` / `.Service`), its
errors said in French: the models, the import and the export all check rows here.
"""

import csv
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pydantic
from data_inclusion.schema import v1

STRUCTURE, SERVICE = "structure", "service"
STRUCTURE_FIELDS = list(v1.Structure.model_fields)
SERVICE_FIELDS = list(v1.Service.model_fields)
# Schema fields whose value is a list or a set (everything else is a scalar).
LIST_FIELDS = {"reseaux_porteurs", "thematiques", "publics", "modes_accueil", "zone_eligibilite"} | {
    "modes_mobilisation",
    "mobilisable_par",
}
NUMBER_FIELDS = {"longitude", "latitude", "volume_horaire_hebdomadaire", "nombre_semaines"}

DEPARTEMENTS_CSV = Path(__file__).resolve().parent.parent / "communes" / "data" / "departements.csv"
# Paris, Lyon and Marseille: an arrondissement belongs to the zone of its commune.
ARRONDISSEMENTS = [("751", "75056"), ("6938", "69123"), ("132", "13055")]
EN_PRESENTIEL, A_DISTANCE = v1.ModeAccueil.EN_PRESENTIEL.value, v1.ModeAccueil.A_DISTANCE.value
FRANCE = "p:france"
ANYWHERE = "*"


@cache
def region_by_departement():
    with open(DEPARTEMENTS_CSV, encoding="utf-8", newline="") as f:
        return {row["insee_dep"]: row["insee_reg"] for row in csv.DictReader(f)}


def departement_of(code_insee):
    if not code_insee:
        return None
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


def parent_commune(code_insee):
    for prefix, parent in ARRONDISSEMENTS:
        if code_insee.startswith(prefix) and code_insee != parent and len(code_insee) == 5:
            return parent
    return None


def zone_kind(code):
    """Kind of a `zone_eligibilite` code: commune, departement, epci or pays (France is a pays)."""
    if code == "france" or code.startswith("99") and len(code) == 5:
        return "pays"
    if len(code) == 9 and code.isdigit():
        return "epci"
    if len(code) in (2, 3):
        return "departement"
    return "commune"


def zones_by_kind(codes):
    """[(kind, code)] with complete regions collapsed: the schema lists a region as its départements."""
    codes = list(codes or [])
    departements = {c for c in codes if zone_kind(c) == "departement"}
    regions = {}
    for dep, reg in region_by_departement().items():
        regions.setdefault(reg, set()).add(dep)
    whole = {reg for reg, deps in regions.items() if len(deps) > 1 and deps <= departements}
    covered = set().union(*(regions[r] for r in whole)) if whole else set()
    result = [("region", reg) for reg in sorted(whole)]
    result += [(zone_kind(c), c) for c in codes if c not in covered]
    return result


def zone_keys(zone_eligibilite, own_code_insee=""):
    """Keys a service is eligible for; a person matches when they share one (see person_keys).

    EPCI membership is not in our reference: an EPCI zone is approximated by the département of the service
    ("x:" key), and the matching says it is to be checked.
    """
    if not zone_eligibilite:
        return [ANYWHERE]
    keys = set()
    for code in zone_eligibilite:
        kind = zone_kind(code)
        if kind == "pays":
            keys.add(FRANCE if code in ("france", "99100") else f"p:{code}")
        elif kind == "epci":
            keys.add(f"e:{code}")
            if own_code_insee:
                keys.add(f"x:{departement_of(own_code_insee)}")
        elif kind == "departement":
            keys.add(f"d:{code}")
        else:
            keys.add(f"c:{code}")
    return sorted(keys)


def person_keys(code_insee, departement=None):
    departement = departement or departement_of(code_insee)
    keys = {f"c:{code_insee}", f"d:{departement}", f"x:{departement}", FRANCE, ANYWHERE}
    parent = parent_commune(code_insee)
    if parent:
        keys.add(f"c:{parent}")
    return keys


def search_keys(zone_cles, categories):
    return sorted(f"{key}|{category}" for key in zone_cles for category in categories)


AGE_RANGE = re.compile(r"(\d{2})\s*(?:à|a|-|–|—|et)\s*(\d{2})\s*ans", re.IGNORECASE)
AGE_BELOW = re.compile(r"moins de\s*(\d{2})\s*ans", re.IGNORECASE)
AGE_FROM = re.compile(r"(?:à partir de|plus de|dès)\s*(\d{2})\s*ans", re.IGNORECASE)


def ages_from_text(text):
    """(age_min, age_max) read from a free text such as « jeunes de 16 à 25 ans »; None where not said."""
    text = text or ""
    if match := AGE_RANGE.search(text):
        low, high = int(match[1]), int(match[2])
        if low <= high:
            return low, high
    if match := AGE_BELOW.search(text):
        return None, int(match[1]) - 1
    if match := AGE_FROM.search(text):
        return int(match[1]), None
    return None, None


def _value(obj, name):
    value = getattr(obj, name)
    if name in LIST_FIELDS:
        return sorted(value) if value else None
    if value == "" or value is None:
        return None
    return value.isoformat() if name == "date_maj" else value


def structure_dict(structure):
    """The structure as a schema row (JSON-ready; validates with v1.Structure)."""
    row = {name: _value(structure, name) for name in STRUCTURE_FIELDS if name != "id"}
    row["id"] = structure.identifiant
    return {name: row[name] for name in STRUCTURE_FIELDS}


def service_dict(service, structure_identifiant=None):
    row = {name: _value(service, name) for name in SERVICE_FIELDS if name not in ("id", "structure_id")}
    row["id"] = service.identifiant
    row["structure_id"] = structure_identifiant or service.structure.identifiant
    return {name: row[name] for name in SERVICE_FIELDS}


# json.dumps(row, ensure_ascii=False) with one encoder for all rows instead of a new one per call; rows hold no
# cycles, so the circular check has nothing to find. Same text, hence the same digests as before.
_row_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def fingerprint(row):
    """Digest of a schema row; both sides build rows in the schema's field order, so keys need no sorting."""
    return hashlib.md5(_row_json(row).encode(), usedforsecurity=False).hexdigest()


def normalised(validated):
    """A validated pydantic row dumped to JSON types, lists sorted (sets have no order), "" as absent."""
    row = validated.model_dump(mode="json")
    for name, value in row.items():
        if value == "":
            row[name] = None
        elif name in LIST_FIELDS and value is not None:
            row[name] = sorted(value)
    return row


def _field_label(model, name):
    info = model.model_fields.get(name)
    return (info.title if info is not None and info.title else name).replace("’", "'")


def _reason(model, error):
    name = str(error["loc"][0]) if error["loc"] else ""
    label = _field_label(model, name)
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return f"{label} : champ obligatoire manquant"
    if name == "zone_eligibilite" and len(error["loc"]) > 1:
        return f"{label} : code « {value} » invalide (code commune, département, EPCI, pays ou « france »)"
    if kind == "enum":
        return f"{label} : valeur inconnue « {value} »"
    if kind == "string_too_short":
        return f"{label} : trop court (au moins {ctx.get('min_length')} caractères)"
    if kind == "string_too_long":
        return f"{label} : trop long (au plus {ctx.get('max_length')} caractères)"
    if kind == "too_short":
        return f"{label} : au moins une valeur attendue"
    if kind == "string_pattern_mismatch":
        return f"{label} : format invalide « {value} »"
    if kind.startswith(("date_", "datetime_")):
        return f"{label} : date invalide « {value} » (format AAAA-MM-JJ)"
    if kind.startswith("url_"):
        return f"{label} : adresse web invalide « {value} »"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return f"{label} : nombre attendu, reçu « {value} »"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} : doit être au moins {ctx.get('ge', ctx.get('gt'))}"
    if kind == "value_error" and name == "courriel":
        return f"{label} : adresse électronique invalide « {value} »"
    if kind == "value_error":
        return f"{label} : {error['msg'].removeprefix('Value error, ')}"
    if kind in ("list_type", "set_type"):
        return f"{label} : liste attendue"
    return f"{label} : valeur invalide « {value} »"


def validate(genre, row):
    """(normalised row, None) if the package's model accepts it, else (None, [French reasons])."""
    model = v1.Service if genre == SERVICE else v1.Structure
    if not isinstance(row, dict):
        return None, ["objet attendu"]
    try:
        return normalised(model.model_validate(row)), None
    except pydantic.ValidationError as error:
        reasons = []
        for item in error.errors():
            reason = _reason(model, item)
            if reason not in reasons:
                reasons.append(reason)
        return None, reasons


def model_values(row, exclude=("id", "structure_id")):
    """A normalised schema row as model field values: None becomes "" for text fields, [] for lists."""
    values = {
        name: value if value is not None or name in NUMBER_FIELDS else [] if name in LIST_FIELDS else ""
        for name, value in row.items()
        if name not in exclude
    }
    values["identifiant"] = row["id"]
    return values


def apply_row(instance, row, exclude=("id", "structure_id")):
    """Copy a normalised schema row onto a model instance (None becomes "" for text fields)."""
    for name, value in model_values(row, exclude).items():
        setattr(instance, name, value)


def derived(fields, commune, structure):
    """The fields matching reads, from a service's model values (a mapping): zone keys, modes, position (own, else
    structure's, else commune's)."""
    code_insee, latitude, longitude = fields["code_insee"], fields["latitude"], fields["longitude"]
    zone_cles = zone_keys(fields["zone_eligibilite"], code_insee or structure.code_insee)
    categories = sorted({theme.split("--")[0] for theme in fields["thematiques"] or ()})
    modes = fields["modes_accueil"] or ()
    if latitude is not None and longitude is not None:
        position = latitude, longitude
    elif (
        structure.latitude is not None
        and structure.longitude is not None
        and (not code_insee or code_insee == structure.code_insee)
    ):
        position = structure.latitude, structure.longitude
    elif commune is not None and commune.latitude is not None:
        position = commune.latitude, commune.longitude
    else:
        position = None, None
    return {
        "zone_cles": zone_cles,
        "cles_recherche": search_keys(zone_cles, categories),
        "en_presentiel": EN_PRESENTIEL in modes,
        "a_distance": A_DISTANCE in modes,
        "position_lat": position[0],
        "position_lon": position[1],
    }


DERIVED_FROM = ("code_insee", "latitude", "longitude", "zone_eligibilite", "thematiques", "modes_accueil")


def refresh_derived(service, commune=None, structure=None):
    """Fill the fields matching reads (see derived)."""
    commune = commune if commune is not None else service.commune_cog
    structure = structure if structure is not None else service.structure
    fields = {name: getattr(service, name) for name in DERIVED_FROM}
    for name, value in derived(fields, commune, structure).items():
        setattr(service, name, value)
