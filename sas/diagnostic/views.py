"""Counsellor pages (aiguilleur of the journey's territory) and the young person's pages (signed link)."""

from functools import wraps

from data_inclusion.schema.v1 import Thematique
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sas.actions import action_postee, refus_en_message
from sas.audit.models import Action, record
from sas.espace_jeune import services as espace_jeune
from sas.espace_jeune.views import lien_verifie
from sas.limites import client_ip
from sas.permissions import diagnostics_for_aiguilleur, parcours_du_conseiller

from . import services
from .forms import PlanForm, QuestionsForm, ValidationJeuneForm
from .models import Questionnaire

PLAN = "plan"


def _diagnostic(request, pk):
    queryset = diagnostics_for_aiguilleur(request.user)
    return get_object_or_404(queryset.select_related("parcours__jeune", "questionnaire", "conseiller"), pk=pk)


def _audit(request, action, diagnostic, **detail):
    record(request.user, action, diagnostic, [diagnostic.parcours.jeune_id], **detail)


def _etapes(diagnostic):
    """[(code, label, url)] of the interview's steps: the sections, then the synthesis and action plan."""
    steps = [
        (s["code"], s["label"], reverse("diagnostic:section", args=[diagnostic.pk, s["code"]]))
        for s in diagnostic.questionnaire.sections
    ]
    return [*steps, (PLAN, "Besoins et plan d'action", reverse("diagnostic:plan", args=[diagnostic.pk]))]


def _etape_suivante(diagnostic, code):
    steps = _etapes(diagnostic)
    codes = [step[0] for step in steps]
    index = codes.index(code) + 1 if code in codes else 0
    return steps[index][2] if index < len(steps) else reverse("diagnostic:resume", args=[diagnostic.pk])


def _stepper(diagnostic, code):
    steps = _etapes(diagnostic)
    index = [step[0] for step in steps].index(code)
    return {
        "current": index + 1,
        "count": len(steps),
        "label": steps[index][1],
        "next": steps[index + 1][1] if index + 1 < len(steps) else "",
    }


@login_required
def parcours(request, uuid):
    """Entry point from the journey page: start, resume or read the diagnostic."""
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    en_cours = services.en_cours(parcours)
    if en_cours:
        return redirect("diagnostic:sommaire", pk=en_cours.pk)
    termine = services.dernier_termine(parcours)
    if termine:
        return redirect("diagnostic:resume", pk=termine.pk)
    record(request.user, Action.CONSULTATION, parcours, [parcours.jeune_id], page="diagnostic")
    return render(
        request,
        "diagnostic/parcours.html",
        {"parcours": parcours, "title": f"Diagnostic de {parcours.jeune.prenom}"},
    )


@login_required
@require_POST
def demarrer(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    with refus_en_message(request):
        diagnostic = services.demarrer(parcours, conseiller=request.user)
        _audit(request, Action.CREATION, diagnostic)
        return redirect("diagnostic:sommaire", pk=diagnostic.pk)
    return redirect("parcours:detail", uuid=parcours.uuid)


@login_required
def sommaire(request, pk):
    diagnostic = _diagnostic(request, pk)
    if diagnostic.termine:
        return redirect("diagnostic:resume", pk=diagnostic.pk)
    _audit(request, Action.CONSULTATION, diagnostic, page="sommaire")
    progression = {section["code"]: (answered, total) for section, answered, total in diagnostic.progression()}
    etapes = [
        {"code": code, "label": label, "url": url, "progression": progression.get(code)}
        for code, label, url in _etapes(diagnostic)
    ]
    reprendre = (
        _etape_suivante(diagnostic, diagnostic.derniere_section) if diagnostic.derniere_section else etapes[0]["url"]
    )
    return render(
        request,
        "diagnostic/sommaire.html",
        {
            "diagnostic": diagnostic,
            "etapes": etapes,
            "reprendre": reprendre,
            "title": f"Diagnostic de {diagnostic.parcours.jeune.prenom}",
        },
    )


@login_required
def section(request, pk, code):
    diagnostic = _diagnostic(request, pk)
    if diagnostic.termine:
        return redirect("diagnostic:resume", pk=diagnostic.pk)
    current = next((s for s in diagnostic.questionnaire.sections if s["code"] == code), None)
    if current is None:
        raise Http404
    action = request.POST.get("action")
    if request.method == "POST" and action == "passer":
        return redirect(_etape_suivante(diagnostic, code))
    form = QuestionsForm(
        request.POST or None,
        questions=current["questions"],
        reponses=diagnostic.reponses,
        origines={c: services.ORIGINES.get(o, "") for c, o in diagnostic.prerempli.items()},
    )
    if request.method == "POST" and form.is_valid():
        services.enregistrer(diagnostic, form.valeurs(), actor=request.user, section=code)
        return _apres_enregistrement(
            request, diagnostic, code, f"Section « {current['label']} » enregistrée.", _etape_suivante(diagnostic, code)
        )
    return _page_d_etape(
        request, diagnostic, code, "diagnostic/section.html", current["label"], section=current, form=form
    )


def _page_d_etape(request, diagnostic, code, gabarit, libelle, **contexte):
    """A step of the interview with its stepper; reading it is audited (a form sent back with errors is not)."""
    if request.method == "GET":
        _audit(request, Action.CONSULTATION, diagnostic, section=code)
    titre = f"{libelle} — diagnostic de {diagnostic.parcours.jeune.prenom}"
    contexte.update(diagnostic=diagnostic, stepper=_stepper(diagnostic, code), title=titre)
    return render(request, gabarit, contexte)


def _apres_enregistrement(request, diagnostic, section, enregistre, suite):
    """Once a step is saved: back to the list of steps when the counsellor resumes later, else on to `suite`."""
    _audit(request, Action.MODIFICATION, diagnostic, section=section)
    if request.POST.get("action") == "plus_tard":
        messages.success(request, f"{enregistre} Reprenez quand vous voulez.")
        return redirect("diagnostic:sommaire", pk=diagnostic.pk)
    return redirect(suite)


def _thematique_labels(besoins):
    return [{"besoin": b, "thematiques": [Thematique(v).label for v in b.thematiques]} for b in besoins]


@login_required
def plan(request, pk):
    diagnostic = _diagnostic(request, pk)
    if diagnostic.termine:
        return redirect("diagnostic:resume", pk=diagnostic.pk)
    besoins = services.besoins(diagnostic)
    retenus = [b.code for b in services.besoins_retenus(diagnostic)]
    initial = {name: getattr(diagnostic, name) for name in services.PLAN_FIELDS}
    initial["besoins_retenus"] = retenus
    initial["contact_conseiller"] = diagnostic.contact_conseiller or services.contact_par_defaut(
        diagnostic.conseiller or request.user
    )
    form = PlanForm(request.POST or None, initial=initial, besoins=besoins)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.enregistrer_plan(
            diagnostic,
            besoins_retenus=data["besoins_retenus"],
            actor=request.user,
            **{name: data[name] for name in services.PLAN_FIELDS},
        )
        return _apres_enregistrement(
            request, diagnostic, PLAN, "Plan d'action enregistré.", reverse("diagnostic:resume", args=[diagnostic.pk])
        )
    return _page_d_etape(
        request,
        diagnostic,
        PLAN,
        "diagnostic/plan.html",
        "Besoins et plan d'action",
        form=form,
        besoins=_thematique_labels(besoins),
    )


def _resume_context(diagnostic, *, pour_jeune):
    contenu = services.resume(diagnostic, pour_jeune=pour_jeune)
    return {
        "diagnostic": diagnostic,
        "sections": contenu["sections"],
        "besoins": _thematique_labels(contenu["besoins"]),
        "actions": [line.strip() for line in diagnostic.actions.splitlines() if line.strip()],
    }


@login_required
def resume(request, pk):
    diagnostic = _diagnostic(request, pk)
    _audit(request, Action.CONSULTATION, diagnostic, page="resume")
    context = _resume_context(diagnostic, pour_jeune=False)
    context["title"] = f"Synthèse du diagnostic de {diagnostic.parcours.jeune.prenom}"
    return render(request, "diagnostic/resume.html", context)


def _vers_resume(request, diagnostic):
    return redirect("diagnostic:resume", pk=diagnostic.pk)


@action_postee(_diagnostic, _vers_resume)
def terminer(request, diagnostic):
    services.terminer(diagnostic, actor=request.user)
    _audit(request, Action.TRANSITION, diagnostic, to="diagnostic_fait")
    messages.success(request, "Diagnostic terminé. Donnez ou envoyez le plan d'action au jeune.")


@action_postee(_diagnostic, _vers_resume)
def envoyer(request, diagnostic):
    message = services.envoyer_au_jeune(diagnostic, actor=request.user)
    _audit(request, Action.MODIFICATION, diagnostic, envoi="plan_action")
    if message is None:
        messages.error(request, "Le plan d'action n'a pas pu être envoyé (voir les messages du parcours).")
    else:
        messages.success(request, "Plan d'action envoyé au jeune.")


# The young person's pages: the signed link is the key, and it only opens its own journey.


def _avec_lien(view):
    @wraps(view)
    def wrapper(request, token):
        # The young person's page's counters: guessing tokens here gains no extra tries.
        lien, _bloque = espace_jeune.ouvrir(token, client_ip(request))
        if lien is None:
            return render(request, "diagnostic/jeune_lien_invalide.html", {"title": "Lien non valable"}, status=404)
        return view(request, lien)

    return wrapper


def _audit_jeune(action, obj, parcours, page):
    record(None, action, obj, [parcours.jeune_id], via="lien_jeune", page=page)


@_avec_lien
@lien_verifie
def jeune_preparer(request, lien):
    parcours = lien.parcours
    diagnostic = services.en_cours(parcours)
    context = {"lien": lien, "parcours": parcours, "title": "Préparer votre entretien"}
    if diagnostic is None and services.dernier_termine(parcours):
        context["deja_fait"] = True
        return render(request, "diagnostic/jeune_preparer.html", context)
    questionnaire = diagnostic.questionnaire if diagnostic else Questionnaire.courant()
    if questionnaire is None:
        raise Http404
    questions = [q for q in questionnaire.questions.values() if q.get("jeune")]
    reponses = diagnostic.reponses_jeune if diagnostic else {}
    form = QuestionsForm(request.POST or None, questions=questions, reponses=reponses)
    if request.method == "POST" and form.is_valid():
        diagnostic = services.preparer_par_le_jeune(parcours, form.valeurs())
        _audit_jeune(Action.MODIFICATION, diagnostic, parcours, "preparer")
        messages.success(request, "Merci, c'est enregistré. Votre conseiller le lira avant votre entretien.")
        return redirect("diagnostic:jeune_preparer", token=lien.token)
    _audit_jeune(Action.CONSULTATION, diagnostic or parcours, parcours, "preparer")
    context["form"] = form
    return render(request, "diagnostic/jeune_preparer.html", context)


@_avec_lien
@lien_verifie
def jeune_synthese(request, lien):
    parcours = lien.parcours
    diagnostic = services.dernier_termine(parcours)
    context = {"lien": lien, "title": "Votre plan d'action"}
    if diagnostic is None:
        return render(request, "diagnostic/jeune_synthese.html", context)
    form = ValidationJeuneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.valider_par_le_jeune(
            diagnostic, accord=form.cleaned_data["accord"] == "oui", observation=form.cleaned_data["observation"]
        )
        _audit_jeune(Action.MODIFICATION, diagnostic, parcours, "synthese")
        messages.success(request, "Merci, votre réponse est enregistrée.")
        return redirect("diagnostic:jeune_synthese", token=lien.token)
    _audit_jeune(Action.CONSULTATION, diagnostic, parcours, "synthese")
    context.update(_resume_context(diagnostic, pour_jeune=True), form=form)
    return render(request, "diagnostic/jeune_synthese.html", context)
