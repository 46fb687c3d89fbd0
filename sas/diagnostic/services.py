"""The diagnostic interview: start (pre-filled), partial saves, synthesis and action plan, completion, the young
person's validation. Every function takes an explicit `at` (default now)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sas.aiguillage.services import CHEMINS_VERS_CONTACTE, reponse_du_jeune
from sas.messagerie.envoi import envoyer
from sas.parcours import transitions
from sas.parcours.models import EventKind
from sas.parcours.status import HAND_OFF, Status

from . import definition as qdef
from . import transitions as diagnostic_transitions
from .models import Diagnostic, DiagnosticStatus, Questionnaire, ValidationJeune
from .signals import reponses_enregistrees

# Statuses from which completing the interview needs no status change (a new diagnostic later in the journey).
_APRES_DIAGNOSTIC = frozenset({*HAND_OFF, Status.SUIVI, Status.ORIENTATION_REFUSEE})
ORIGINES = {"jeune": "Pré-rempli par le jeune", "prescripteur": "Pré-rempli d'après le signalement"}


def en_cours(parcours):
    return parcours.diagnostics.filter(status=DiagnosticStatus.BROUILLON).select_related("questionnaire").first()


def dernier_termine(parcours):
    return (
        parcours.diagnostics.filter(status=DiagnosticStatus.TERMINE)
        .select_related("questionnaire", "conseiller")
        .order_by("-completed_at", "-pk")
        .first()
    )


def _nouveau(parcours, at):
    questionnaire = Questionnaire.courant(at)
    if questionnaire is None:
        raise ValidationError("Aucun questionnaire de diagnostic n'est publié.")
    return Diagnostic(parcours=parcours, questionnaire=questionnaire, started_at=at, updated_at=at)


def _sauver(diagnostic, *, actor, at):
    """Save the answers; a new diagnostic opens through its transitions module, with its first event."""
    if diagnostic.pk is None:
        diagnostic_transitions.start(diagnostic, actor=actor, at=at)
    else:
        diagnostic.save()


def _valeur_source(parcours, source):
    """What the prescriber (signalement) or the young person (their page) already said for a pre-fill source."""
    model, _, name = source.partition(".")
    if model == "jeune":
        return getattr(parcours.jeune, name, "") or ""
    values = [getattr(s, name) for s in parcours.signalements.all() if getattr(s, name)]
    if name == "canal_prefere":
        return values[-1] if values else ""
    return "\n".join(dict.fromkeys(v.strip() for v in values))


def _accepte(question, value):
    if question["type"] == "choix":
        return value in {o["code"] for o in qdef.options(question)}
    return question["type"] == "texte"


def _preremplir(diagnostic):
    """Fill the unanswered questions from the young person's own answers, then from what the prescriber wrote."""
    parcours = diagnostic.parcours
    for code, question in diagnostic.questionnaire.questions.items():
        if not qdef.is_empty(diagnostic.reponses.get(code)):
            continue
        if question.get("jeune") and not qdef.is_empty(diagnostic.reponses_jeune.get(code)):
            diagnostic.reponses[code] = diagnostic.reponses_jeune[code]
            diagnostic.prerempli[code] = "jeune"
            continue
        for source in question.get("prefill", []):
            value = _valeur_source(parcours, source)
            if value and _accepte(question, value):
                diagnostic.reponses[code] = value
                diagnostic.prerempli[code] = "jeune" if source.startswith("jeune.") else "prescripteur"
                break


def demarrer(parcours, *, conseiller, at=None):
    """The diagnostic in progress for this journey (created under the current questionnaire if none), pre-filled
    with what the young person and the prescriber already said, so nobody types it twice."""
    at = at or timezone.now()
    with transaction.atomic():
        diagnostic = en_cours(parcours) or _nouveau(parcours, at)
        diagnostic.conseiller = diagnostic.conseiller or conseiller
        _preremplir(diagnostic)
        diagnostic.orientation_immediate = qdef.orientation_immediate(
            diagnostic.questionnaire.definition, diagnostic.reponses
        )
        _sauver(diagnostic, actor=conseiller, at=at)
    return diagnostic


def _nettoyer(questions, valeurs):
    unknown = set(valeurs) - set(questions)
    if unknown:
        raise ValueError(f"Questions inconnues de ce questionnaire : {', '.join(sorted(unknown))}")


def enregistrer(diagnostic, valeurs, *, actor, section="", at=None):
    """Save some answers ({code: value}; an empty value removes the answer). Resumable: nothing else changes."""
    at = at or timezone.now()
    if diagnostic.termine:
        raise ValidationError("Ce diagnostic est terminé : il ne se modifie plus.")
    questions = diagnostic.questionnaire.questions
    _nettoyer(questions, valeurs)
    changed = [
        code
        for code, value in valeurs.items()
        if diagnostic.reponses.get(code) != (None if qdef.is_empty(value) else value)
    ]
    for code, value in valeurs.items():
        if qdef.is_empty(value):
            diagnostic.reponses.pop(code, None)
            diagnostic.prerempli.pop(code, None)
        elif diagnostic.reponses.get(code) != value:
            diagnostic.reponses[code] = value
            diagnostic.prerempli.pop(code, None)
    definition = diagnostic.questionnaire.definition
    diagnostic.orientation_immediate = qdef.orientation_immediate(definition, diagnostic.reponses)
    diagnostic.conseiller = diagnostic.conseiller or actor
    diagnostic.derniere_section = section or diagnostic.derniere_section
    diagnostic.updated_at = at
    diagnostic.save()
    if changed:
        reponses_enregistrees.send(sender=Diagnostic, diagnostic=diagnostic, codes=changed)
    return diagnostic


def preparer_par_le_jeune(parcours, valeurs, *, at=None):
    """The young person pre-fills the easy parts from their page. Their words are kept as written and fill the
    counsellor's unanswered questions. Only questions open to them are accepted. Acting on their page is an
    answer: contact is re-established (aiguillage.reponse_du_jeune)."""
    at = at or timezone.now()
    with transaction.atomic():
        reponse_du_jeune(parcours, via="diagnostic", at=at)
        diagnostic = en_cours(parcours) or _nouveau(parcours, at)
        questions = diagnostic.questionnaire.questions
        _nettoyer({c for c, q in questions.items() if q.get("jeune")}, valeurs)
        for code, value in valeurs.items():
            if qdef.is_empty(value):
                diagnostic.reponses_jeune.pop(code, None)
                if diagnostic.prerempli.get(code) == "jeune":
                    diagnostic.reponses.pop(code, None)
                    diagnostic.prerempli.pop(code)
                continue
            diagnostic.reponses_jeune[code] = value
            if qdef.is_empty(diagnostic.reponses.get(code)) or diagnostic.prerempli.get(code) == "jeune":
                diagnostic.reponses[code] = value
                diagnostic.prerempli[code] = "jeune"
        diagnostic.updated_at = at
        _sauver(diagnostic, actor=None, at=at)
    return diagnostic


def besoins(diagnostic):
    """Every need the answers reveal (qdef.Besoin), from the mapping of the diagnostic's own questionnaire."""
    return qdef.besoins(diagnostic.questionnaire.definition, diagnostic.reponses)


def besoins_retenus(diagnostic):
    """The needs the counsellor kept (all of them until they choose)."""
    found = besoins(diagnostic)
    if diagnostic.besoins_retenus is None:
        return found
    kept = set(diagnostic.besoins_retenus)
    return [besoin for besoin in found if besoin.code in kept]


def thematiques(diagnostic):
    """The data·inclusion thématique values of the retained needs, without duplicates, in the order found."""
    return list(dict.fromkeys(value for besoin in besoins_retenus(diagnostic) for value in besoin.thematiques))


def urgences(diagnostic):
    """The retained needs that cannot wait, as (what the person said, thématiques) pairs."""
    return tuple((b.quoi, tuple(b.thematiques)) for b in besoins_retenus(diagnostic) if b.urgent)


PLAN_FIELDS = ("synthese", "objectifs", "actions", "prochain_rdv_le", "contact_conseiller")


def contact_par_defaut(conseiller):
    if conseiller is None:
        return ""
    return " — ".join(part for part in [conseiller.get_full_name() or str(conseiller), conseiller.email] if part)


def enregistrer_plan(diagnostic, *, besoins_retenus, actor, at=None, **plan):
    """Save the synthesis: the retained needs (codes among those found) and the action plan."""
    at = at or timezone.now()
    if diagnostic.termine:
        raise ValidationError("Ce diagnostic est terminé : il ne se modifie plus.")
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    found = {besoin.code for besoin in besoins(diagnostic)}
    diagnostic.besoins_retenus = [code for code in besoins_retenus if code in found]
    for name, value in plan.items():
        setattr(diagnostic, name, value)
    diagnostic.conseiller = diagnostic.conseiller or actor
    diagnostic.derniere_section = "plan"
    diagnostic.updated_at = at
    diagnostic.save()
    return diagnostic


def _jusqu_au_contact(parcours, actor, at):
    """Bring the journey to "diagnostic fait". An interview took place, so the young person was reached."""
    if parcours.status in _APRES_DIAGNOSTIC:
        return
    if parcours.status in CHEMINS_VERS_CONTACTE:
        reponse_du_jeune(parcours, via="entretien", at=at)
    if parcours.status != Status.CONTACTE:
        raise ValidationError(
            f"Le parcours est au statut « {Status(parcours.status).label} » : le diagnostic ne peut pas se terminer."
        )
    transitions.transition(parcours, Status.DIAGNOSTIC_FAIT, actor=actor, reason="Diagnostic terminé", at=at)


def terminer(diagnostic, *, actor, at=None):
    """Complete the diagnostic: the journey moves to "diagnostic fait" (through sas.parcours.transitions) and one
    DIAGNOSTIC event records it, with the thématiques and the immediate-orientation flag."""
    at = at or timezone.now()
    if diagnostic.termine:
        raise ValidationError("Ce diagnostic est déjà terminé.")
    parcours = diagnostic.parcours
    with transaction.atomic():
        _jusqu_au_contact(parcours, actor, at)
        diagnostic.conseiller = diagnostic.conseiller or actor
        if not diagnostic.contact_conseiller:
            diagnostic.contact_conseiller = contact_par_defaut(diagnostic.conseiller)
        diagnostic.save()
        diagnostic_transitions.terminer(diagnostic, actor=actor, at=at)
        transitions.record_fact(
            parcours,
            EventKind.DIAGNOSTIC,
            actor=actor,
            reason="Diagnostic terminé",
            at=at,
            detail={
                "etape": "termine",
                "diagnostic": diagnostic.pk,
                "questionnaire": diagnostic.questionnaire.version,
                "thematiques": thematiques(diagnostic),
                "orientation_immediate": diagnostic.orientation_immediate,
            },
        )
    return diagnostic


def valider_par_le_jeune(diagnostic, *, accord, observation="", at=None):
    """The young person agrees with the summary, or annotates it: their observation is kept beside the
    counsellor's synthesis, never replacing it."""
    at = at or timezone.now()
    observation = (observation or "").strip()
    if not diagnostic.termine:
        raise ValidationError("La synthèse n'est pas encore prête.")
    if not accord and not observation:
        raise ValidationError("Écrivez ce que vous voulez ajouter ou corriger.")
    diagnostic.validation_jeune = ValidationJeune.VALIDE if accord else ValidationJeune.ANNOTE
    diagnostic.observation_jeune = observation
    diagnostic.valide_le = at
    diagnostic.save(update_fields=["validation_jeune", "observation_jeune", "valide_le"])
    transitions.record_fact(
        diagnostic.parcours,
        EventKind.DIAGNOSTIC,
        reason=diagnostic.get_validation_jeune_display(),
        at=at,
        detail={"etape": "validation_jeune", "diagnostic": diagnostic.pk, "validation": diagnostic.validation_jeune},
    )
    return diagnostic


def resume(diagnostic, *, pour_jeune=False):
    """The one-page summary, read with the questionnaire version the diagnostic was answered under."""
    sections = []
    for section in diagnostic.questionnaire.sections:
        lignes = [
            {
                "code": question["code"],
                "label": question["label"],
                "valeur": qdef.afficher(question, diagnostic.reponses.get(question["code"])),
                "origine": ORIGINES.get(diagnostic.prerempli.get(question["code"]), ""),
            }
            for question in section["questions"]
            if not (pour_jeune and question.get("conseiller"))
            and not qdef.is_empty(diagnostic.reponses.get(question["code"]))
        ]
        if lignes:
            sections.append({"code": section["code"], "label": section["label"], "lignes": lignes})
    return {"sections": sections, "besoins": besoins_retenus(diagnostic)}


def resume_texte(diagnostic):
    """The action plan in a few words, for the message that sends it to the young person."""
    parts = []
    if diagnostic.objectifs:
        parts.append(f"Objectifs : {diagnostic.objectifs.strip()}")
    if diagnostic.prochain_rdv_le:
        parts.append(f"Prochain RDV le {timezone.localtime(diagnostic.prochain_rdv_le):%d/%m à %Hh%M}")
    if diagnostic.contact_conseiller:
        parts.append(f"Contact : {diagnostic.contact_conseiller}")
    return ". ".join(parts)


def envoyer_au_jeune(diagnostic, *, actor, at=None):
    """Send the action plan to the young person through messagerie (once per diagnostic: idempotency key)."""
    if not diagnostic.termine:
        raise ValidationError("Terminez le diagnostic avant d'envoyer le plan d'action.")
    return envoyer(
        diagnostic.parcours,
        "plan_action",
        at=at,
        contexte={"resume": resume_texte(diagnostic)},
        cle=f"diagnostic-{diagnostic.pk}-plan",
        actor=actor,
    )
