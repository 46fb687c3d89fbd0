import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sas.aiguillage.conversation import marquer_lus
from sas.aiguillage.file import choix_filtres, equipes
from sas.aiguillage.file import file_active as build_queue
from sas.aiguillage.forms import FiltreFileForm
from sas.aiguillage.indicators import indicateurs_h2
from sas.audit.models import Action, record
from sas.csv_export import csv_response
from sas.organisations.models import Role
from sas.orientation.indicators import boucle, reactivite_du_territoire
from sas.permissions import (
    parcours_followed_by,
    parcours_for_role,
    parcours_visible_to,
    prescriber_scope,
    require_aiguilleur_of,
    role_required,
    territories_for_role,
)
from sas.permissions.suivi import vue_prescripteur
from sas.prescription import liste as liste_prescripteur
from sas.prescription.forms import FiltreSignalementsForm
from sas.prescription.models import PrescripteurPreferences
from sas.prescription.rencontres import taux_contact_selon_rencontre

from .actions import prochaine_action
from .forms import TransitionForm
from .indicators import status_counts
from .models import Signalement
from .status import PRESCRIBER_MILESTONES
from .transitions import TransitionError, transition


def _with_related(queryset):
    return queryset.select_related("jeune__commune").prefetch_related(
        Prefetch("signalements", queryset=Signalement.objects.select_related("organisation"))
    )


@role_required(Role.PRESCRIPTEUR)
def mes_signalements(request):
    user = request.user
    form = FiltreSignalementsForm(request.GET)
    filtres = form.filtres()
    found = liste_prescripteur.liste(user, page=request.GET.get("page"), **filtres)
    record(user, Action.LISTE, "mes_signalements", [ligne.parcours.jeune_id for ligne in found.lignes])
    digest = PrescripteurPreferences.objects.filter(user=user, digest_hebdo=True).exists()
    return render(
        request,
        "parcours/mes_signalements.html",
        {
            "liste": found,
            "form": form,
            "filtres": filtres,
            "milestones": PRESCRIBER_MILESTONES,
            "digest": digest,
            "title": "Mes signalements",
        },
    )


@role_required(Role.PRESCRIPTEUR)
def mes_signalements_csv(request):
    """The list of the page for the same filters, every page of it, as a file."""
    user = request.user
    filtres = FiltreSignalementsForm(request.GET).filtres()
    rows, jeune_ids = liste_prescripteur.export(user, **filtres)
    record(user, Action.EXPORT, "mes_signalements", jeune_ids, etape=filtres["etape"], lignes=len(rows))
    filename = f"mes-signalements-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, liste_prescripteur.ENTETE, rows)


# A uuid no journey has, standing for each row's in the queue's links.
_UUID_MODELE = uuid.UUID(int=0)


def _lien(name):
    """`name`'s URL as a function of a journey's uuid, reversed once a page: in the queue, a {% url %} a row costs as
    much as the rest of the row."""
    debut, fin = reverse(name, args=[_UUID_MODELE]).split(str(_UUID_MODELE))
    return lambda valeur: f"{debut}{valeur}{fin}"


def _lignes(rows):
    """The queue's rows with their links and dates written once (a tenth of what {% url %} and |date cost in each
    row, which make most of the page's time)."""
    detail, rencontres, attribuer = map(
        _lien, ("parcours:detail", "prescription:rencontre_liste", "aiguillage:assigner")
    )
    for p in rows:
        p.url_detail, p.url_rencontres, p.url_attribuer = detail(p.uuid), rencontres(p.uuid), attribuer(p.uuid)
        p.signale_le = f"{timezone.localtime(p.created_at):%d/%m/%Y}"
        p.statut_change_le = f"{timezone.localtime(p.status_changed_at):%d/%m/%Y}"
    return rows


@role_required(Role.AIGUILLEUR)
def file_active(request):
    user = request.user
    teams = equipes(user)
    communes, conseillers = choix_filtres(user, teams)
    form = FiltreFileForm(request.GET or None, communes=communes, conseillers=conseillers)
    filtres = form.filtres()
    queue = build_queue(user, filtres=filtres, page=request.GET.get("page"), teams=teams)
    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()
    params.pop("groupe", None)
    shown = queue.parcours + queue.a_verifier + [d.nouveau for d in queue.doublons]
    jeunes = [p.jeune_id for p in shown] + [d.existant.jeune_id for d in queue.doublons]
    record(user, Action.LISTE, "file_active", jeunes)
    return render(
        request,
        "parcours/file_active.html",
        {
            "parcours": _lignes(queue.parcours),
            "file": queue,
            "page": queue.page,
            "querystring": querystring,
            "tab_querystring": params.urlencode(),
            "form": form,
            "filtered": any(key != "groupe" for key in filtres),
            "filtres_avances": any(key not in ("groupe", "q") for key in filtres),
            "conseillers": conseillers,
            "retards": queue.retards,
            "title": "File active du territoire",
        },
    )


def _get_visible(request, uuid):
    return get_object_or_404(
        _with_related(parcours_visible_to(request.user)).prefetch_related("events__actor"), uuid=uuid
    )


@login_required
def detail(request, uuid):
    """The full history for an aiguilleur of the territory; for a prescriber, only vue_prescripteur()."""
    user = request.user
    if not parcours_for_role(user, Role.AIGUILLEUR).filter(uuid=uuid).exists():
        return _detail_prescripteur(request, uuid)
    parcours = _get_visible(request, uuid)
    record(user, Action.CONSULTATION, parcours, [parcours.jeune_id])
    nouveaux = marquer_lus(parcours, actor=user)
    action = prochaine_action(parcours.status, diagnostic_commence=parcours.diagnostics.exists())
    return render(
        request,
        "parcours/detail.html",
        {
            "parcours": parcours,
            "form": TransitionForm(parcours=parcours),
            "action": action,
            "action_url": action.url(parcours) if action else "",
            "messages_nouveaux": nouveaux,
            "title": f"Parcours de {parcours.jeune.prenom}",
        },
    )


def _detail_prescripteur(request, uuid):
    user = request.user
    parcours = get_object_or_404(parcours_followed_by(user).select_related("jeune"), uuid=uuid)
    record(user, Action.CONSULTATION, parcours, [parcours.jeune_id])
    # Only the meetings they take part in: another organisation's would tell who else signalled.
    rencontres = parcours.rencontres.filter(organisation_id__in=prescriber_scope(user, parcours))
    # The name their own signalement gave, as in their list: not what SAS knows of the person.
    vue = vue_prescripteur(parcours)
    return render(
        request,
        "parcours/detail_prescripteur.html",
        {"parcours": parcours, "vue": vue, "rencontres": rencontres, "title": f"Parcours de {vue.nom}"},
    )


@login_required
@require_POST
def change_status(request, uuid):
    parcours = _get_visible(request, uuid)
    require_aiguilleur_of(request.user, parcours)
    form = TransitionForm(request.POST, parcours=parcours)
    if form.is_valid():
        try:
            event = transition(
                parcours, form.cleaned_data["to_status"], actor=request.user, reason=form.cleaned_data["reason"]
            )
        except TransitionError as error:
            messages.error(request, error.message)
        else:
            record(request.user, Action.TRANSITION, parcours, [parcours.jeune_id], to=event.to_status)
            messages.success(request, f"Statut changé : {event.get_to_status_display()}.")
    else:
        messages.error(request, "Ce changement de statut n'est pas possible depuis le statut actuel.")
    return redirect("parcours:detail", uuid=parcours.uuid)


@role_required(Role.PILOTE)
def indicateurs(request):
    territories = territories_for_role(request.user, Role.PILOTE)
    rows = [
        (
            t,
            status_counts(t),
            indicateurs_h2(t),
            taux_contact_selon_rencontre(t),
            boucle(orientation__parcours__territory=t),
            reactivite_du_territoire(t),
        )
        for t in territories
    ]
    return render(request, "parcours/indicateurs.html", {"territories": rows, "title": "Indicateurs"})
