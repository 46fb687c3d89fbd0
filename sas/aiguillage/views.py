import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.organisations.models import Role
from sas.permissions import assignable_counsellors, parcours_for_role, require_role, role_required
from sas.prescription.models import DoublonPossible

from . import cadence, services
from .file import equipes
from .forms import (
    AffectationForm,
    AttributionLotForm,
    ContactForm,
    EcarterForm,
    NouvelleTacheForm,
    ReportForm,
    TacheFaiteForm,
)
from .models import TacheContact


def _parcours(request, uuid):
    """A journey of the user's territories, else 404 (same answer for another territory and for a wrong id)."""
    require_role(request.user, Role.AIGUILLEUR)
    return get_object_or_404(parcours_for_role(request.user, Role.AIGUILLEUR), uuid=uuid)


def _back(request, parcours):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("parcours:detail", uuid=parcours.uuid)


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error)


@role_required(Role.AIGUILLEUR)
def taches(request):
    """Mes tâches: the open call and visit tasks of the journeys assigned to me, then those nobody holds."""
    visible = parcours_for_role(request.user, Role.AIGUILLEUR)
    ouvertes = (
        TacheContact.objects.ouvertes()
        .filter(parcours__in=visible)
        .select_related("parcours__jeune__commune")
        .order_by("echeance", "pk")
    )
    mes_taches = list(ouvertes.filter(parcours__conseiller=request.user))
    sans_conseiller = list(ouvertes.filter(parcours__conseiller__isnull=True))
    record(
        request.user,
        Action.LISTE,
        "taches_contact",
        {t.parcours.jeune_id for t in mes_taches + sans_conseiller},
    )
    return render(
        request,
        "aiguillage/taches.html",
        {
            "mes_taches": [(t, TacheFaiteForm(prefix=f"tache-{t.pk}")) for t in mes_taches],
            "sans_conseiller": [(t, TacheFaiteForm(prefix=f"tache-{t.pk}")) for t in sans_conseiller],
            "next": request.get_full_path(),
            "title": "Mes tâches",
        },
    )


@login_required
@require_POST
def assigner(request, uuid):
    parcours = _parcours(request, uuid)
    form = AffectationForm(request.POST, prefix="affectation", equipe=assignable_counsellors(request.user, parcours))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, parcours)
    conseiller = form.cleaned_data["conseiller"]
    try:
        event = services.assigner(parcours, conseiller, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if event:
            jeunes = [parcours.jeune_id]
            record(request.user, Action.MODIFICATION, parcours, jeunes, conseiller=event.detail["conseiller"])
        messages.success(
            request, f"{parcours.jeune} : {f'suivi par {conseiller}' if conseiller else 'sans conseiller attitré'}."
        )
    return _back(request, parcours)


def conseillers_des_equipes(user):
    """The counsellors of the user's SAS teams, whatever the territory: the bulk assignment's choices (each journey
    then accepts only those of its own territory, services.assigner checks it)."""
    return list({u.pk: u for team in equipes(user).values() for u in team}.values())


@login_required
@require_POST
def assigner_lot(request):
    """The journeys ticked in the queue to one counsellor, or to nobody: an aiguilleur of their territory only. A
    journey out of reach (another territory, an unknown id) refuses the whole batch (404); a counsellor who cannot
    take one of them changes none."""
    require_role(request.user, Role.AIGUILLEUR)
    form = AttributionLotForm(request.POST, conseillers=conseillers_des_equipes(request.user))
    if not form.is_valid():
        _form_errors(request, form)
        return _queue(request)
    uuids, conseiller = form.cleaned_data["parcours"], form.cleaned_data["conseiller"]
    journeys = list(
        parcours_for_role(request.user, Role.AIGUILLEUR).filter(uuid__in=uuids).select_related("jeune").order_by("pk")
    )
    if len(journeys) != len(uuids):
        raise Http404
    try:
        with transaction.atomic():
            events = [(p, services.assigner(p, conseiller, actor=request.user)) for p in journeys]
    except ValidationError as error:
        messages.error(request, f"Aucun parcours attribué : {error.messages[0]}")
        return _queue(request)
    for parcours, event in events:
        if event:
            record(
                request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], conseiller=event.detail["conseiller"]
            )
    n = len(journeys)
    messages.success(
        request,
        f"{n} parcours {'attribué' if n == 1 else 'attribués'} à {conseiller}."
        if conseiller
        else f"{n} parcours sans conseiller attitré.",
    )
    return _queue(request)


@login_required
@require_POST
def journaliser(request, uuid):
    parcours = _parcours(request, uuid)
    form = ContactForm(request.POST, prefix="contact")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, parcours)
    services.journaliser_contact(parcours, **form.cleaned_data, actor=request.user)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], contact=form.cleaned_data["resultat"])
    messages.success(request, "Tentative de contact enregistrée.")
    return _back(request, parcours)


@login_required
@require_POST
def reporter(request, uuid):
    parcours = _parcours(request, uuid)
    form = ReportForm(request.POST, prefix="report")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, parcours)
    jusqu_au = form.cleaned_data["jusqu_au"]
    try:
        services.reporter(parcours, jusqu_au, via="conseiller", actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], reporte_jusqu_au=str(jusqu_au))
        messages.success(request, f"Contact reporté au {jusqu_au:%d/%m/%Y}.")
    return _back(request, parcours)


@login_required
@require_POST
def tache_creer(request, uuid):
    parcours = _parcours(request, uuid)
    form = NouvelleTacheForm(request.POST, prefix="nouvelle-tache")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, parcours)
    data = form.cleaned_data
    # Due at the end of the chosen day.
    echeance = timezone.make_aware(datetime.datetime.combine(data["echeance"], datetime.time(18)))
    tache = services.creer_tache(parcours, data["nature"], echeance=echeance, motif=data["motif"])
    record(request.user, Action.CREATION, tache, [parcours.jeune_id])
    messages.success(request, f"{tache.get_nature_display()} planifiée avant le {data['echeance']:%d/%m/%Y}.")
    return _back(request, parcours)


@login_required
@require_POST
def tache_faite(request, pk):
    require_role(request.user, Role.AIGUILLEUR)
    visible = parcours_for_role(request.user, Role.AIGUILLEUR)
    tache = get_object_or_404(TacheContact.objects.select_related("parcours"), pk=pk, parcours__in=visible)
    form = TacheFaiteForm(request.POST, prefix=f"tache-{tache.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, tache.parcours)
    try:
        services.terminer_tache(tache, **form.cleaned_data, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        record(request.user, Action.MODIFICATION, tache, [tache.parcours.jeune_id], resultat=tache.resultat)
        messages.success(request, f"{tache.get_nature_display()} notée : {tache.get_resultat_display().lower()}.")
    return _back(request, tache.parcours)


def _queue(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("parcours:file_active")


@login_required
@require_POST
def verifier(request, uuid):
    """ "Vérifié, lancer le contact": an aiguilleur of the journey's territory only (404 otherwise)."""
    parcours = _parcours(request, uuid)
    try:
        steps = cadence.verifier(parcours, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], verifie=True)
        sent = " Premier message programmé." if any(step.faits for step in steps) else ""
        messages.success(request, f"Signalement de {parcours.jeune.prenom} vérifié : le plan de contact démarre.{sent}")
    return _queue(request)


@login_required
@require_POST
def ecarter(request, uuid):
    """ "Écarter" with a reason: an aiguilleur of the journey's territory only (404 otherwise)."""
    parcours = _parcours(request, uuid)
    form = EcarterForm(request.POST, prefix=f"ecarter-{parcours.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _queue(request)
    try:
        services.ecarter(parcours, form.cleaned_data["motif"], actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        record(request.user, Action.TRANSITION, parcours, [parcours.jeune_id], to="hors_cible")
        messages.success(request, f"Signalement de {parcours.jeune.prenom} écarté.")
    return _queue(request)


def _doublon(request, pk):
    """A possible duplicate whose new journey is on the user's territories, else 404."""
    require_role(request.user, Role.AIGUILLEUR)
    visible = parcours_for_role(request.user, Role.AIGUILLEUR)
    return get_object_or_404(
        DoublonPossible.objects.select_related("nouveau__jeune", "existant__jeune"), pk=pk, nouveau__in=visible
    )


def _decider(request, pk, decision, succes):
    """Apply the counsellor's decision on a possible duplicate, with its audit entry and a French message."""
    doublon = _doublon(request, pk)
    try:
        decision(doublon, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        jeunes = [doublon.nouveau.jeune_id, doublon.existant.jeune_id]
        record(request.user, Action.MODIFICATION, doublon, jeunes, decision=doublon.decision)
        messages.success(request, succes(doublon))
    return _queue(request)


@login_required
@require_POST
def fusionner(request, pk):
    return _decider(
        request,
        pk,
        services.fusionner,
        lambda doublon: (
            f"Signalement rattaché au parcours de {doublon.existant.jeune}. Les coordonnées du nouveau signalement "
            "n'ont pas été reprises : ajoutez-les au dossier après les avoir vérifiées avec le jeune."
        ),
    )


@login_required
@require_POST
def garder_separes(request, pk):
    return _decider(
        request,
        pk,
        services.garder_separes,
        lambda doublon: f"{doublon.nouveau.jeune} et {doublon.existant.jeune} restent deux parcours distincts.",
    )
