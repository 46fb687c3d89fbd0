"""The contact cadence: runs, for every journey waiting for contact, the steps of its plan that are due.

Idempotent: a step runs once (the journey's step counter is locked and moved on in the same transaction, and
messages and tasks carry idempotency keys), so running it twice at the same moment does nothing more."""

import dataclasses
import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sas.messagerie import envoi as messagerie
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import Status

from . import services
from .models import MESSAGE_ACTIONS, TASK_ACTIONS, Action, ArretCadence, CadenceContact, PlanContact

# A call or visit task from the plan is due the day after its step.
DELAI_TACHE = datetime.timedelta(days=1)
# What a step reads from the young person, re-read at each run (a STOP may have just arrived).
JEUNE_FIELDS = ["messages_arretes_le", "messages_en_pause_jusqu_au", "canal_prefere"]
_TASK_WORDING = {Action.APPEL: "appeler le jeune", Action.VISITE: "aller à la rencontre du jeune"}


@dataclasses.dataclass
class Pas:
    """One step that ran (or would run, in a dry run) for one journey."""

    parcours: Parcours
    index: int
    jour: int
    actions: list
    faits: list = dataclasses.field(default_factory=list)

    def __str__(self):
        done = ", ".join(self.faits or self.actions)
        return f"Parcours {self.parcours.pk} ({self.parcours.jeune.prenom}), jour {self.jour} : {done}"


def _candidats():
    return (
        Parcours.objects.filter(status__in=services.AVANT_CONTACT)
        .exclude(services.EN_ATTENTE_DU_CONSEILLER)
        .select_related("jeune")
        .order_by("pk")
    )


def _preparer(etat, parcours, now):
    """Start, restart or keep the journey's cadence; False when it must not run now (deferred or stopped)."""
    if etat.reporte_jusqu_au is not None:
        if etat.reporte_jusqu_au > timezone.localdate(now):
            return False
        _redemarrer(etat, now)
    elif etat.demarre_le is None:
        etat.demarre_le = now
    elif etat.arrete_le is not None:
        # Back in the queue after the cadence stopped (e.g. "injoignable" reopened): a new cycle.
        if parcours.status_changed_at <= etat.arrete_le:
            return False
        _redemarrer(etat, now)
    return True


def _redemarrer(etat, now):
    etat.plan = PlanContact.courant()
    etat.cycle += 1
    etat.demarre_le, etat.etape_suivante = now, 0
    etat.arrete_le, etat.motif_arret, etat.reporte_jusqu_au = None, "", None


def _dues(etat, now):
    etapes = etat.plan.etapes
    index = etat.etape_suivante
    while index < len(etapes) and etat.demarre_le + datetime.timedelta(days=etapes[index]["jour"]) <= now:
        yield index, etapes[index]
        index += 1


def _gabarit(plan, index, action):
    if action == Action.DERNIER_MESSAGE:
        return "dernier_message"
    first = next(i for i, etape in enumerate(plan.etapes) if MESSAGE_ACTIONS & set(etape["actions"]))
    return "premier_contact" if index == first else "relance"


def _canal(jeune, action):
    """The step's channel when the young person has that coordinate and chose none; otherwise messagerie picks
    (their preference, else what they have, else a letter)."""
    if jeune.canal_prefere or action == Action.DERNIER_MESSAGE:
        return None
    if action == Action.SMS and jeune.telephone or action == Action.EMAIL and jeune.email:
        return str(action)
    return None


def _executer(pas, etat, now):
    parcours, plan = pas.parcours, etat.plan
    jeune = parcours.jeune
    due = etat.demarre_le + datetime.timedelta(days=pas.jour)
    services.mettre_en_contact(parcours, at=now)
    for action in pas.actions:
        cle = f"cadence-{parcours.pk}-{etat.cycle}-{pas.index}-{action}"
        if action in MESSAGE_ACTIONS:
            if jeune.messages_arretes_le and jeune.messages_arretes_le <= now:
                pas.faits.append(f"{action} non envoyé (STOP)")
                continue
            gabarit = _gabarit(plan, pas.index, action)
            message = messagerie.envoyer(parcours, gabarit, canal=_canal(jeune, action), at=now, cle=cle)
            pas.faits.append(f"{gabarit} {'programmé' if message else 'non envoyé'}")
        elif action in TASK_ACTIONS:
            motif = f"Plan de contact, jour {pas.jour} : {_TASK_WORDING[Action(action)]}."
            services.creer_tache(parcours, action, echeance=due + DELAI_TACHE, motif=motif, at=now, cle=cle)
            pas.faits.append(f"tâche {action}")
        elif action == Action.DECIDER:
            reason = f"Aucune réponse après {pas.jour} jours de tentatives de contact (plan « {plan.nom} »)"
            transitions.transition(parcours, Status.INJOIGNABLE, reason=reason, at=now)
            etat.arrete_le, etat.motif_arret = now, ArretCadence.INJOIGNABLE
            pas.faits.append("injoignable")


def _cadence_contact(parcours, plan, wet_run):
    if not wet_run:  # a dry run reads, never writes: an unsaved state stands in for a cadence not started yet
        return CadenceContact.objects.select_related("plan").filter(parcours=parcours).first() or CadenceContact(
            parcours=parcours, plan=plan
        )
    # Created, then locked: a concurrent run waits here, then sees the steps this one ran.
    CadenceContact.objects.get_or_create(parcours=parcours, defaults={"plan": plan})
    return CadenceContact.objects.select_for_update().select_related("plan").get(parcours=parcours)


def _avancer_un(parcours, plan, now, wet_run):
    etat = _cadence_contact(parcours, plan, wet_run)
    # Re-read under the lock: a concurrent answer may have moved the journey on.
    parcours.refresh_from_db(fields=["status", "status_changed_at"])
    parcours.jeune.refresh_from_db(fields=JEUNE_FIELDS)
    if parcours.status not in services.AVANT_CONTACT or services.en_attente_du_conseiller(parcours):
        return []
    if not _preparer(etat, parcours, now):
        return []
    steps = [Pas(parcours, index, etape["jour"], list(etape["actions"])) for index, etape in _dues(etat, now)]
    if not wet_run:
        return steps
    done = []
    for pas in steps:
        _executer(pas, etat, now)
        etat.etape_suivante = pas.index + 1
        done.append(pas)
        if etat.arrete_le:
            break
    if not etat.arrete_le and etat.etape_suivante >= len(etat.plan.etapes):
        etat.arrete_le, etat.motif_arret = now, ArretCadence.TERMINE
    etat.save()
    return done


def lancer(parcours, now=None):
    """Run the due steps of one journey now (a counsellor has just verified it); return the steps run."""
    now = now or timezone.now()
    with transaction.atomic():
        return _avancer_un(parcours, PlanContact.courant(), now, wet_run=True)


def premier_contact(sender, parcours, **kwargs):
    """Receiver of `signalements_enregistres`: the first steps of the journeys just signalled run at once in the task
    worker, so that neither a form nor a 10,000-row file waits for them; the scheduler does the later steps."""
    premiers_contacts.enqueue([journey.pk for journey in parcours])


@task()
def premiers_contacts(parcours_ids):
    """The due steps of those journeys, for those ready for contact: the first message is queued (moved out of quiet
    hours by messagerie)."""
    avancer(parcours_ids=parcours_ids)


def avancer(now=None, *, wet_run=True, parcours_ids=None):
    """Run every due step of every journey waiting for contact (of `parcours_ids` only, when given), except those a
    counsellor must look at first (an unverified signalement, a possible duplicate) and those waiting for an
    upcoming exit; return the steps run ([Pas]).

    With wet_run=False, change nothing and return the steps that would run."""
    now = now or timezone.now()
    plan = PlanContact.courant()
    candidats = _candidats() if parcours_ids is None else _candidats().filter(pk__in=parcours_ids)
    done = []
    for parcours in candidats:
        with transaction.atomic():
            done.extend(_avancer_un(parcours, plan, now, wet_run))
    return done


def verifier(parcours, *, actor, at=None):
    """The counsellor looked at a signalement nobody vouched for and judges it sound: it becomes verified and
    the contact plan starts now (its first steps run at once). VERIFICATION event; returns the steps run."""
    at = at or timezone.now()
    with transaction.atomic():
        parcours = Parcours.objects.select_for_update().get(pk=parcours.pk)
        services.exiger_verification_attendue(parcours)
        parcours.signalements.filter(verifie=False).update(verifie=True)
        transitions.record_fact(
            parcours, EventKind.VERIFICATION, actor=actor, reason="Vérifié par le conseiller", at=at
        )
    return lancer(parcours, now=at)
