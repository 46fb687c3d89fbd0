"""The questionnaire definition (plain JSON data): its validation, and reading answers against it.

A definition is {"version", "titre", "sections": [{"code", "label", "intro"?, "questions": [...]}]}.
A question is {"code", "label", "type", "help"?, "options"?, "prefill"?, "thematiques"?, "besoin_si"?,
"jeune"? (the young person may pre-fill it), "conseiller"? (never shown to the young person), "rangs"? (classement),
"court"? (one-line text)}. An option is {"code", "label", "thematiques"?, "orientation_immediate"?}.

Answers are stored by question code: texte → str, choix / oui_non → option code, choix_multiple / classement →
list of option codes (ranked for classement), nombre → int, date → "YYYY-MM-DD",
frein → {"niveau": "aucun" | "a_surveiller" | "bloquant", "avis_jeune": str}.
"""

import datetime
from dataclasses import dataclass, field

from data_inclusion.schema.v1 import Thematique

TYPES = {"texte", "choix", "choix_multiple", "oui_non", "nombre", "date", "frein", "classement"}
CHOICE_TYPES = {"choix", "choix_multiple", "classement"}
OUI_NON = [{"code": "oui", "label": "Oui"}, {"code": "non", "label": "Non"}]
NIVEAUX = [
    {"code": "aucun", "label": "Aucun frein"},
    {"code": "a_surveiller", "label": "À surveiller"},
    {"code": "bloquant", "label": "Bloquant"},
]
# Where a question may be pre-filled from (what the prescriber wrote, what the young person chose on their page).
PREFILL_SOURCES = {
    "signalement.freins_connus",
    "signalement.motif",
    "signalement.deja_essaye",
    "signalement.canal_prefere",
    "signalement.moment_prefere",
    "signalement.langues",
    "jeune.canal_prefere",
    "jeune.moments_preferes",
}
THEMATIQUES = {thematique.value for thematique in Thematique}
_QUESTION_KEYS = {
    "code",
    "label",
    "type",
    "help",
    "options",
    "prefill",
    "thematiques",
    "besoin_si",
    "jeune",
    "conseiller",
    "rangs",
    "court",
}
_OPTION_KEYS = {"code", "label", "thematiques", "orientation_immediate"}


def valider_definition(definition):
    """Every problem of a definition, in French (an empty list when it is valid)."""
    errors = []
    if not isinstance(definition, dict) or not isinstance(definition.get("sections"), list):
        return ["La définition doit contenir une liste « sections »."]
    if not isinstance(definition.get("version"), int) or definition["version"] < 1:
        errors.append("La version doit être un entier positif.")
    if not str(definition.get("titre") or "").strip():
        errors.append("Le titre manque.")
    section_codes, question_codes = set(), set()
    for section in definition["sections"]:
        code = section.get("code")
        if not code or code in section_codes:
            errors.append(f"Section « {code} » : code absent ou en double.")
        section_codes.add(code)
        if not str(section.get("label") or "").strip():
            errors.append(f"Section « {code} » : libellé absent.")
        for question in section.get("questions") or []:
            if question.get("code") in question_codes:
                errors.append(f"Question « {question.get('code')} » : code en double.")
            question_codes.add(question.get("code"))
            errors.extend(_question_errors(question))
        if not section.get("questions"):
            errors.append(f"Section « {code} » : aucune question.")
    return errors


def _thematique_errors(where, values):
    if not isinstance(values, list):
        return [f"{where} : « thematiques » doit être une liste."]
    return [
        f"{where} : thématique inconnue de data·inclusion « {value} »." for value in values if value not in THEMATIQUES
    ]


def _question_errors(question):
    code = question.get("code")
    where = f"Question « {code} »"
    if not code or not isinstance(code, str) or not code.replace("_", "").isalnum() or "__" in code:
        return [f"{where} : code absent ou invalide (lettres, chiffres et _ simples)."]
    errors = [f"{where} : clé inconnue « {key} »." for key in sorted(set(question) - _QUESTION_KEYS)]
    kind = question.get("type")
    if kind not in TYPES:
        return [*errors, f"{where} : type inconnu « {kind} »."]
    if not str(question.get("label") or "").strip():
        errors.append(f"{where} : libellé absent.")
    options = question.get("options")
    if kind in CHOICE_TYPES:
        if not options:
            errors.append(f"{where} : les options manquent.")
        option_codes = set()
        for option in options or []:
            option_where = f"{where}, option « {option.get('code')} »"
            if not option.get("code") or option["code"] in option_codes:
                errors.append(f"{option_where} : code absent ou en double.")
            option_codes.add(option.get("code"))
            if not str(option.get("label") or "").strip():
                errors.append(f"{option_where} : libellé absent.")
            errors.extend(f"{option_where} : clé inconnue « {key} »." for key in sorted(set(option) - _OPTION_KEYS))
            errors.extend(_thematique_errors(option_where, option.get("thematiques", [])))
    elif options is not None:
        errors.append(f"{where} : seules les questions à choix ont des options.")
    if "thematiques" in question:
        if kind not in {"frein", "oui_non"}:
            errors.append(f"{where} : les thématiques se placent sur les options pour ce type de question.")
        errors.extend(_thematique_errors(where, question["thematiques"]))
    if "besoin_si" in question and (kind != "oui_non" or question["besoin_si"] not in {"oui", "non"}):
        errors.append(f"{where} : « besoin_si » vaut « oui » ou « non », pour une question oui/non.")
    if kind == "classement":
        rangs = question.get("rangs")
        if not isinstance(rangs, int) or not 1 <= rangs <= len(options or []):
            errors.append(f"{where} : « rangs » doit être un entier entre 1 et le nombre d'options.")
    elif "rangs" in question:
        errors.append(f"{where} : « rangs » est réservé au classement.")
    prefill = question.get("prefill", [])
    if not isinstance(prefill, list):
        errors.append(f"{where} : « prefill » doit être une liste de sources.")
    else:
        errors.extend(
            f"{where} : source de pré-remplissage inconnue « {s} »." for s in prefill if s not in PREFILL_SOURCES
        )
    return errors


def sections(definition):
    return definition["sections"]


def questions(definition):
    """{code: question}, in the questionnaire's order."""
    return {q["code"]: q for section in definition["sections"] for q in section["questions"]}


def section(definition, code):
    return next((s for s in definition["sections"] if s["code"] == code), None)


def options(question):
    """The choices of a question, implicit ones included (oui/non, frein levels)."""
    if question["type"] == "oui_non":
        return OUI_NON
    if question["type"] == "frein":
        return NIVEAUX
    return question.get("options", [])


def option_label(question, code):
    return next((o["label"] for o in options(question) if o["code"] == code), code)


def is_empty(value):
    if isinstance(value, dict):
        return not value.get("niveau") and not str(value.get("avis_jeune") or "").strip()
    return value is None or value == "" or value == []


def afficher(question, value):
    """An answer as a person reads it, with the labels of the definition it was given under."""
    kind = question["type"]
    if is_empty(value):
        return ""
    if kind in {"choix", "oui_non"}:
        return option_label(question, value)
    if kind == "choix_multiple":
        return ", ".join(option_label(question, code) for code in value)
    if kind == "classement":
        return ", ".join(f"{rank}. {option_label(question, code)}" for rank, code in enumerate(value, start=1))
    if kind == "date":
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if kind == "frein":
        text = option_label(question, value.get("niveau")) if value.get("niveau") else "Niveau non précisé"
        if value.get("avis_jeune"):
            text += f" — avis du jeune : {value['avis_jeune']}"
        return text
    return str(value)


# The section asked first, "what cannot wait": its needs are urgent (a bed tonight, food, care…).
SECTION_URGENCE = "urgence"


@dataclass
class Besoin:
    """A need the answers reveal, with the data·inclusion thématiques that cover it. `urgent` needs (with `quoi`,
    what the person said) put the services answering them first."""

    code: str
    libelle: str
    thematiques: list = field(default_factory=list)
    urgent: bool = False
    quoi: str = ""


def besoins(definition, reponses):
    """The needs the answers reveal, in the questionnaire's order, from the mapping the definition holds."""
    found = []
    in_urgence = {q["code"] for q in (section(definition, SECTION_URGENCE) or {}).get("questions", ())}
    for question in questions(definition).values():
        value = reponses.get(question["code"])
        if is_empty(value):
            continue
        code, label, kind = question["code"], question["label"], question["type"]
        if kind == "frein" and value.get("niveau") in {"a_surveiller", "bloquant"} and question.get("thematiques"):
            level = option_label(question, value["niveau"]).lower()
            found.append(Besoin(code, f"{label} ({level})", list(question["thematiques"])))
        elif kind == "oui_non" and question.get("thematiques") and value == question.get("besoin_si", "oui"):
            found.append(Besoin(code, f"{label} {option_label(question, value)}", list(question["thematiques"])))
        elif kind in CHOICE_TYPES:
            chosen = [value] if kind == "choix" else value
            by_code = {o["code"]: o for o in options(question)}
            for rank, option_code in enumerate(chosen, start=1):
                option = by_code.get(option_code)
                if option and option.get("thematiques"):
                    prefix = f"Priorité n°{rank}" if kind == "classement" else label
                    # A high dropout risk calls for a quick referral, not for one kind of service.
                    urgent = code in in_urgence and not option.get("orientation_immediate")
                    found.append(
                        Besoin(
                            f"{code}:{option_code}",
                            f"{prefix} : {option['label']}",
                            option["thematiques"],
                            urgent=urgent,
                            quoi=option["label"][0].lower() + option["label"][1:] if urgent else "",
                        )
                    )
    return found


def orientation_immediate(definition, reponses):
    """True when an answer chosen marks the young person for immediate orientation (a high dropout risk)."""
    for question in questions(definition).values():
        if question["type"] not in CHOICE_TYPES:
            continue
        value = reponses.get(question["code"])
        chosen = [value] if isinstance(value, str) else value or []
        if any(o.get("orientation_immediate") and o["code"] in chosen for o in options(question)):
            return True
    return False
