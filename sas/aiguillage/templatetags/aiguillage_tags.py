from django import template
from django.urls import reverse

from sas.parcours.models import EventKind
from sas.permissions import assignable_counsellors, is_aiguilleur_of

from ..conversation import fil
from ..forms import (
    AffectationForm,
    ContactForm,
    NouvelleTacheForm,
    ReponseForm,
    ReportForm,
    StatistiquesForm,
    TacheFaiteForm,
)
from ..indicators import Part
from ..models import Action, CadenceContact
from ..services import AVANT_CONTACT

register = template.Library()


@register.inclusion_tag("aiguillage/_indicateur_ligne.html")
def indicateur_ligne(label, part):
    """One row of a pilots' table: a rate and the number it is measured on, with small counts suppressed.
    `part` is an indicators.Part, or a rencontres.Taux (parcours, contactes)."""
    if not isinstance(part, Part):
        part = Part(part.contactes, part.parcours)
    return {"label": label, "part": part}


JOURNAL_KINDS = (EventKind.CONTACT, EventKind.REPONSE, EventKind.REPORT, EventKind.AFFECTATION)


def _etapes(etat):
    """The plan's steps with whether each already ran, for display."""
    labels = dict(Action.choices)
    return [
        {
            "jour": etape["jour"],
            "actions": [labels.get(action, action) for action in etape["actions"]],
            "faite": index < etat.etape_suivante,
        }
        for index, etape in enumerate(etat.plan.etapes)
    ]


@register.inclusion_tag("aiguillage/_contact_du_parcours.html", takes_context=True)
def contact_du_parcours(context, parcours, user):
    """The contact section of the journey page, for the aiguilleurs of its territory only: cadence state, call and
    visit tasks, contact log with notes, and the forms to log an attempt, assign, defer or plan a task."""
    if not is_aiguilleur_of(user, parcours):
        return {"visible": False}
    etat = CadenceContact.objects.select_related("plan").filter(parcours=parcours).first()
    taches = list(parcours.taches_contact.select_related("faite_par").order_by("faite_le", "echeance", "pk"))
    request = context.get("request")
    return {
        "visible": True,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request else "",
        "parcours": parcours,
        "cadence_contact": etat,
        "etapes": _etapes(etat) if etat else [],
        "prochaine": etat.prochaine_etape() if etat else None,
        "avant_contact": parcours.status in AVANT_CONTACT,
        "jeune_stop": parcours.jeune.messages_arretes_le is not None,
        "taches_ouvertes": [(t, TacheFaiteForm(prefix=f"tache-{t.pk}")) for t in taches if not t.faite_le],
        "taches_faites": [t for t in taches if t.faite_le],
        "journal": [e for e in parcours.events.all() if e.kind in JOURNAL_KINDS],
        "contact_form": ContactForm(prefix="contact"),
        "report_form": ReportForm(prefix="report"),
        "statistiques_form": StatistiquesForm(
            prefix="statistiques", initial={"sexe": parcours.jeune.sexe, "qpv": parcours.jeune.qpv}
        ),
        "tache_form": NouvelleTacheForm(prefix="nouvelle-tache"),
        "affectation_form": AffectationForm(
            prefix="affectation",
            equipe=assignable_counsellors(user, parcours),
            initial={"conseiller": parcours.conseiller_id},
        ),
    }


# The latest part of a conversation shown on the journey page.
FIL_MAX = 50


@register.inclusion_tag("aiguillage/_conversation_du_parcours.html", takes_context=True)
def conversation_du_parcours(context, parcours, user):
    """What the young person wrote and what was sent to them, in one thread, for the aiguilleurs of the territory
    only; `messages_nouveaux` (from the view) are those unread until this opening."""
    if not is_aiguilleur_of(user, parcours):
        return {"visible": False}
    entries = fil(parcours)
    return {
        "visible": True,
        "prenom": parcours.jeune.prenom,
        "fil": entries[-FIL_MAX:],
        "caches": max(len(entries) - FIL_MAX, 0),
        "nouveaux": set(context.get("messages_nouveaux", ())),
        "parcours": parcours,
        "form": ReponseForm(prefix="reponse"),
        "csrf_token": context.get("csrf_token"),
        "next": reverse("parcours:detail", args=[parcours.uuid]) + "#conversation",
    }
