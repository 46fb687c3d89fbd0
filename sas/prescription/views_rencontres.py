from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.parcours.models import Parcours, Signalement
from sas.parcours.status import Status
from sas.permissions import parcours_visible_to, prescriber_scope, rencontre_organisations
from sas.permissions.suivi import avec_suivi, vue_prescripteur

from .forms_rencontres import RencontreForm
from .rencontres import (
    annuler_rencontre,
    fin_accompagnement,
    noter_issue,
    proposer_rencontre,
)


def _get_parcours(request, uuid):
    """Only the journeys the user may see: anyone else gets a 404, whatever the URL."""
    queryset = parcours_visible_to(request.user).select_related("jeune")
    queryset = queryset.prefetch_related(Prefetch("signalements", queryset=Signalement.objects.order_by("created_at")))
    return get_object_or_404(queryset, uuid=uuid)


def _context(parcours, title, scope, **extra):
    if scope is None:
        etape = parcours.get_status_display()
    else:
        etape = vue_prescripteur(avec_suivi(Parcours.objects.filter(pk=parcours.pk), scope).get()).etape.libelle
    return {"parcours": parcours, "fin": fin_accompagnement(parcours, scope), "etape": etape, "title": title, **extra}


@login_required
def rencontre_liste(request, uuid):
    parcours = _get_parcours(request, uuid)
    scope = prescriber_scope(request.user, parcours)
    rencontres = parcours.rencontres.select_related("organisation", "proposed_by", "aiguilleur")
    if scope is not None:
        # Another organisation's meeting would tell who else signalled this young person.
        rencontres = rencontres.filter(organisation_id__in=scope)
    rencontres = list(rencontres)
    now = timezone.now()
    for rencontre in rencontres:
        rencontre.a_renseigner = (
            rencontre.took_place is None and rencontre.cancelled_at is None and rencontre.starts_at <= now
        )
    peut_proposer = (
        parcours.status == Status.SORTIE_A_VENIR and rencontre_organisations(request.user, parcours).exists()
    )
    record(request.user, Action.CONSULTATION, parcours, [parcours.jeune_id], page="rencontres")
    context = _context(
        parcours,
        f"Rencontres tripartites — {parcours.jeune.prenom}",
        scope,
        rencontres=rencontres,
        peut_proposer=peut_proposer,
        now=now,
    )
    return render(request, "prescription/rencontre_liste.html", context)


@login_required
def rencontre_proposer(request, uuid):
    parcours = _get_parcours(request, uuid)
    organisations = rencontre_organisations(request.user, parcours)
    if parcours.status != Status.SORTIE_A_VENIR or not organisations:
        messages.error(request, "Une rencontre tripartite se propose tant que la sortie est à venir.")
        return redirect("prescription:rencontre_liste", uuid=parcours.uuid)
    form = RencontreForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            rencontre = proposer_rencontre(
                parcours,
                organisation=form.chosen_organisation,
                proposed_by=request.user,
                starts_at=form.starts_at,
                mode=form.cleaned_data["mode"],
                lieu=form.cleaned_data["lieu"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{rencontre} enregistrée. Pensez à prévenir le jeune.")
            return redirect("prescription:rencontre_liste", uuid=parcours.uuid)
    title = f"Proposer une rencontre tripartite — {parcours.jeune.prenom}"
    context = _context(parcours, title, prescriber_scope(request.user, parcours), form=form)
    return render(request, "prescription/rencontre_proposer.html", context)


def _get_rencontre(request, uuid, pk):
    parcours = _get_parcours(request, uuid)
    # Through the journey: a guessed id of another journey's meeting is a 404 too.
    rencontre = get_object_or_404(parcours.rencontres.select_related("organisation"), pk=pk)
    rencontre.parcours = parcours
    return rencontre


def _act(request, action, *args, success):
    try:
        action(*args, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)


@login_required
@require_POST
def rencontre_annuler(request, uuid, pk):
    rencontre = _get_rencontre(request, uuid, pk)
    _act(request, annuler_rencontre, rencontre, success="La rencontre est annulée.")
    return redirect("prescription:rencontre_liste", uuid=uuid)


@login_required
@require_POST
def rencontre_issue(request, uuid, pk):
    rencontre = _get_rencontre(request, uuid, pk)
    parcours = rencontre.parcours
    took_place = {"oui": True, "non": False}.get(request.POST.get("a_eu_lieu"))
    if took_place is None:
        messages.error(request, "Indiquez si la rencontre a eu lieu ou non.")
    else:
        _act(request, noter_issue, rencontre, took_place, success="C'est noté, merci.")
    return redirect("prescription:rencontre_liste", uuid=parcours.uuid)
