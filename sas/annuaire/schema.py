"""Mapping between our models and the data·inclusion schema (v1), and the derived fields used by matching.

Validation is always the package's own pydantic models (`data_inclusion.schema.v1.Structure` / `.Service`), its
errors said in French: the models, the import and the export all check rows here.
"""

import csv
import datetime
import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nh3
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
DESCRIPTION_MIN = v1.Service.model_fields["description"].metadata[0].min_length
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
        return {row["code"]: row["region"] for row in csv.DictReader(f)}


def departements_of_region(code):
    return sorted(dep for dep, reg in region_by_departement().items() if reg == code)


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


def zone_keys(zone_eligibilite):
    """Keys a service is eligible for; a person matches when they share one (see person_keys): an EPCI zone meets
    the EPCI of the person's commune, from the communes reference."""
    if not zone_eligibilite:
        return [ANYWHERE]
    keys = set()
    for code in zone_eligibilite:
        kind = zone_kind(code)
        if kind == "pays":
            keys.add(FRANCE if code in ("france", "99100") else f"p:{code}")
        elif kind == "epci":
            keys.add(f"e:{code}")
        elif kind == "departement":
            keys.add(f"d:{code}")
        else:
            keys.add(f"c:{code}")
    return sorted(keys)


def person_keys(code_insee, departement=None, epci=None):
    departement = departement or departement_of(code_insee)
    keys = {f"c:{code_insee}", f"d:{departement}", FRANCE, ANYWHERE}
    parent = parent_commune(code_insee)
    if parent:
        keys.add(f"c:{parent}")
    if epci:
        keys.add(f"e:{epci}")
    return keys


def search_keys(zone_cles, categories):
    return sorted(f"{key}|{category}" for key in zone_cles for category in categories)


AGE_RANGE = re.compile(r"(\d{2})\s*(?:à|a|-|–|—|et)\s*(\d{2})\s*ans", re.IGNORECASE)
AGE_BELOW = re.compile(r"moins de\s*(\d{2})\s*ans", re.IGNORECASE)
AGE_FROM = re.compile(r"(?:à partir de|plus de|dès|\+)\s*(\d{2})\s*ans|(\d{2})\s*ans\s*et\s*plus", re.IGNORECASE)
YOUNG = (15, 29)
# Words naming other groups of people than one age band: the band is then one public among several.
OTHER_PUBLICS = re.compile(
    r"\b(?:adultes?|seniors?|séniors?|retraités?|tous publics|tout public|familles?|enfants)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class AgesFiche:
    """Ages read from a service's text: a hint, never a rule. `seul` is False when the band is one item of a list
    of publics (« Seniors (+65 ans), Jeunes (16-26 ans), Adultes »): the service is not limited to it."""

    age_min: int | None = None
    age_max: int | None = None
    seul: bool = True

    @property
    def connu(self):
        return self.age_min is not None or self.age_max is not None


def ages_from_text(text):
    """The ages a free text such as « jeunes de 16 à 25 ans » mentions (AgesFiche; empty when it says none)."""
    text = text or ""
    found = []
    for match in AGE_RANGE.finditer(text):
        low, high = int(match[1]), int(match[2])
        if low <= high:
            found.append((match.start(), low, high))
    found += [(m.start(), None, int(m[1]) - 1) for m in AGE_BELOW.finditer(text)]
    found += [(m.start(), int(m[1] or m[2]), None) for m in AGE_FROM.finditer(text)]
    if not found:
        return AgesFiche()
    found.sort()
    # In a list, the band that concerns young people (15-29) is the one worth saying.
    young = [item for item in found if (item[1] or 0) <= YOUNG[1] and (item[2] or 99) >= YOUNG[0]]
    _, low, high = (young or found)[0]
    return AgesFiche(low, high, seul=len(found) == 1 and not OTHER_PUBLICS.search(text))


# Free texts of the directory, reduced to plain text at import: producers send HTML and Markdown.
TEXT_FIELDS = ("description", "frais_precisions", "publics_precisions", "conditions_acces", "mobilisation_precisions")
BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/\s*(?:p|div|h[1-6]|tr|ul|ol|blockquote))\s*>", re.IGNORECASE)
LIST_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
MD_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)


def texte_brut(text):
    """Plain text of an HTML or Markdown text, its line breaks kept: tags removed by nh3 (script and style with
    their content), entities decoded, Markdown marks dropped (a link keeps its address)."""
    if not text or not any(mark in text for mark in "<&*_#[`"):
        return text
    text = LIST_ITEM.sub("\n- ", BLOCK_END.sub("\n", text))
    text = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
    text = MD_HEADING.sub("", MD_EMPHASIS.sub(r"\2", MD_LINK.sub(r"\1 (\2)", text)))
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Fields of data·inclusion's older schema that converted dumps still carry; the v1 models drop them.
SUSPENDU = {"suspendu", "suspended", "archive", "archivé", "inactif", "ferme", "fermé"}


def suspension(row, today=None):
    """The date a service stops being proposable (older schema's `date_suspension`, or a `statut` saying it is
    suspended: from its last update), or None."""
    if not isinstance(row, dict):
        return None
    value = row.get("date_suspension")
    if value:
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    if str(row.get("statut") or "").strip().lower() in SUSPENDU:
        try:
            return datetime.date.fromisoformat(str(row.get("date_maj"))[:10])
        except ValueError:
            return today or datetime.date.today()
    return None


def from_older_schema(row):
    """A service row with the older schema's zone (`zone_diffusion_type` and `_code`) as a v1 `zone_eligibilite`:
    a région is listed as its départements (a bare 2-character code would read as a département: « 11 » is Aude)."""
    if not isinstance(row, dict) or not row.get("zone_diffusion_type"):
        return row
    kind, code = str(row["zone_diffusion_type"]).lower(), row.get("zone_diffusion_code")
    codes = [code] if code else list(row.get("zone_eligibilite") or ())
    if kind == "region":
        zone = [dep for region in codes for dep in departements_of_region(str(region))]
    elif kind == "pays":
        zone = ["france"]
    else:
        zone = codes
    return {**row, "zone_eligibilite": zone or row.get("zone_eligibilite")}


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


def service_fingerprint_row(row, date_suspension):
    """The row whose digest tells a service changed: its schema row, and its suspension when it has one (so that
    the digests of services never suspended stay as they were)."""
    if date_suspension:
        return {**row, "date_suspension": str(date_suspension)}
    return row


def fingerprint(row):
    """Digest of a schema row; both sides build rows in the schema's field order, so keys need no sorting."""
    return hashlib.md5(_row_json(row).encode(), usedforsecurity=False).hexdigest()


def normalised(validated):
    """A validated pydantic row dumped to JSON types, lists sorted (sets have no order), "" as absent, free texts as
    plain text."""
    row = validated.model_dump(mode="json")
    for name, value in row.items():
        if name in TEXT_FIELDS and value:
            value = row[name] = texte_brut(value)
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
        clean = normalised(model.model_validate(row))
    except pydantic.ValidationError as error:
        reasons = []
        for item in error.errors():
            reason = _reason(model, item)
            if reason not in reasons:
                reasons.append(reason)
        return None, reasons
    if genre == SERVICE and len(clean["description"] or "") < DESCRIPTION_MIN:
        return None, [f"{_field_label(model, 'description')} : vide une fois le HTML retiré"]
    return clean, None


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
    structure's, else commune's), the ages its text mentions."""
    code_insee, latitude, longitude = fields["code_insee"], fields["latitude"], fields["longitude"]
    zone_cles = zone_keys(fields["zone_eligibilite"])
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
    ages = ages_from_text(fields["publics_precisions"])
    return {
        "age_min_fiche": ages.age_min,
        "age_max_fiche": ages.age_max,
        "ages_fiche_seul": ages.seul,
        "zone_cles": zone_cles,
        "cles_recherche": search_keys(zone_cles, categories),
        "en_presentiel": EN_PRESENTIEL in modes,
        "a_distance": A_DISTANCE in modes,
        "position_lat": position[0],
        "position_lon": position[1],
    }


DERIVED_FROM = (
    "code_insee",
    "latitude",
    "longitude",
    "zone_eligibilite",
    "thematiques",
    "modes_accueil",
    "publics_precisions",
)


def refresh_derived(service, commune=None, structure=None):
    """Fill the fields matching reads (see derived)."""
    commune = commune if commune is not None else service.commune_cog
    structure = structure if structure is not None else service.structure
    fields = {name: getattr(service, name) for name in DERIVED_FROM}
    for name, value in derived(fields, commune, structure).items():
        setattr(service, name, value)
