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

from sas.actions import action_postee, formulaire_valide
from sas.audit.models import Action, record
from sas.organisations.models import Role
from sas.permissions import assignable_counsellors, parcours_for_role, require_role, role_required
from sas.prescription.models import DoublonPossible

from . import cadence, conversation, services
from .file import equipes
from .forms import (
    AffectationForm,
    AttributionLotForm,
    ContactForm,
    EcarterForm,
    NouvelleTacheForm,
    ReponseForm,
    ReportForm,
    StatistiquesForm,
    TacheFaiteForm,
)
from .models import TacheContact


def _parcours(request, uuid):
    """A journey of the user's territories, else 404 (same answer for another territory and for a wrong id)."""
    require_role(request.user, Role.AIGUILLEUR)
    return get_object_or_404(parcours_for_role(request.user, Role.AIGUILLEUR), uuid=uuid)


def _suite(request, defaut, *args, **kwargs):
    """Back to the page the form was posted from (`next`), never to another site; else to the URL named `defaut`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(defaut, *args, **kwargs)


def _back(request, parcours):
    return _suite(request, "parcours:detail", uuid=parcours.uuid)


def _queue(request, _objet=None):
    return _suite(request, "parcours:file_active")


def _poste(form_class, prefix):
    return lambda request, _objet: form_class(request.POST, prefix=prefix)


def _sur_parcours(formulaire=None, retour=_back):
    """A form posted on a journey of the aiguilleur's territories (404 otherwise)."""
    return action_postee(_parcours, retour, formulaire)


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


@_sur_parcours(
    lambda request, parcours: AffectationForm(
        request.POST, prefix="affectation", equipe=assignable_counsellors(request.user, parcours)
    )
)
def assigner(request, parcours, data):
    conseiller = data["conseiller"]
    event = services.assigner(parcours, conseiller, actor=request.user)
    if event:
        jeunes = [parcours.jeune_id]
        record(request.user, Action.MODIFICATION, parcours, jeunes, conseiller=event.detail["conseiller"])
    messages.success(
        request, f"{parcours.jeune} : {f'suivi par {conseiller}' if conseiller else 'sans conseiller attitré'}."
    )


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
    if not formulaire_valide(request, form):
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


@_sur_parcours(_poste(ContactForm, "contact"))
def journaliser(request, parcours, data):
    services.journaliser_contact(parcours, **data, actor=request.user)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], contact=data["resultat"])
    messages.success(request, "Tentative de contact enregistrée.")


@_sur_parcours(_poste(ReponseForm, "reponse"))
def repondre(request, parcours, data):
    """The counsellor's answer in the young person's conversation, sent through messagerie."""
    message = conversation.repondre(parcours, data["texte"], actor=request.user)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], reponse=message.pk)
    messages.success(request, f"Réponse envoyée à {parcours.jeune.prenom} par {message.get_canal_display()}.")


@_sur_parcours(_poste(ReportForm, "report"))
def reporter(request, parcours, data):
    jusqu_au = data["jusqu_au"]
    services.reporter(parcours, jusqu_au, via="conseiller", actor=request.user)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], reporte_jusqu_au=str(jusqu_au))
    messages.success(request, f"Contact reporté au {jusqu_au:%d/%m/%Y}.")


@_sur_parcours(_poste(StatistiquesForm, "statistiques"))
def statistiques(request, parcours, data):
    services.dire_sexe_et_qpv(parcours.jeune, **data)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], champs="sexe, qpv")
    messages.success(request, "Informations pour les statistiques enregistrées.")


@_sur_parcours(_poste(NouvelleTacheForm, "nouvelle-tache"))
def tache_creer(request, parcours, data):
    # Due at the end of the chosen day.
    echeance = timezone.make_aware(datetime.datetime.combine(data["echeance"], datetime.time(18)))
    tache = services.creer_tache(parcours, data["nature"], echeance=echeance, motif=data["motif"])
    record(request.user, Action.CREATION, tache, [parcours.jeune_id])
    messages.success(request, f"{tache.get_nature_display()} planifiée avant le {data['echeance']:%d/%m/%Y}.")


def _tache(request, pk):
    """An open or done task of a journey on the user's territories, else 404."""
    require_role(request.user, Role.AIGUILLEUR)
    visible = parcours_for_role(request.user, Role.AIGUILLEUR)
    return get_object_or_404(TacheContact.objects.select_related("parcours"), pk=pk, parcours__in=visible)


@action_postee(
    _tache,
    lambda request, tache: _back(request, tache.parcours),
    lambda request, tache: TacheFaiteForm(request.POST, prefix=f"tache-{tache.pk}"),
)
def tache_faite(request, tache, data):
    services.terminer_tache(tache, **data, actor=request.user)
    record(request.user, Action.MODIFICATION, tache, [tache.parcours.jeune_id], resultat=tache.resultat)
    messages.success(request, f"{tache.get_nature_display()} notée : {tache.get_resultat_display().lower()}.")


@_sur_parcours(retour=_queue)
def verifier(request, parcours):
    """ "Vérifié, lancer le contact": an aiguilleur of the journey's territory only (404 otherwise)."""
    steps = cadence.verifier(parcours, actor=request.user)
    record(request.user, Action.MODIFICATION, parcours, [parcours.jeune_id], verifie=True)
    sent = " Premier message programmé." if any(step.faits for step in steps) else ""
    messages.success(request, f"Signalement de {parcours.jeune.prenom} vérifié : le plan de contact démarre.{sent}")


@_sur_parcours(lambda request, parcours: EcarterForm(request.POST, prefix=f"ecarter-{parcours.pk}"), retour=_queue)
def ecarter(request, parcours, data):
    """ "Écarter" with a reason: an aiguilleur of the journey's territory only (404 otherwise)."""
    services.ecarter(parcours, data["motif"], actor=request.user)
    record(request.user, Action.TRANSITION, parcours, [parcours.jeune_id], to="hors_cible")
    messages.success(request, f"Signalement de {parcours.jeune.prenom} écarté.")


def _doublon(request, pk):
    """A possible duplicate whose new journey is on the user's territories, else 404."""
    require_role(request.user, Role.AIGUILLEUR)
    visible = parcours_for_role(request.user, Role.AIGUILLEUR)
    return get_object_or_404(
        DoublonPossible.objects.select_related("nouveau__jeune", "existant__jeune"), pk=pk, nouveau__in=visible
    )


def _decider(request, doublon, decision):
    """Apply the counsellor's decision on a possible duplicate, with its audit entry."""
    decision(doublon, actor=request.user)
    jeunes = [doublon.nouveau.jeune_id, doublon.existant.jeune_id]
    record(request.user, Action.MODIFICATION, doublon, jeunes, decision=doublon.decision)


@action_postee(_doublon, _queue)
def fusionner(request, doublon):
    _decider(request, doublon, services.fusionner)
    messages.success(
        request,
        f"Signalement rattaché au parcours de {doublon.existant.jeune}. Les coordonnées du nouveau signalement "
        "n'ont pas été reprises : ajoutez-les au dossier après les avoir vérifiées avec le jeune.",
    )


@action_postee(_doublon, _queue)
def garder_separes(request, doublon):
    _decider(request, doublon, services.garder_separes)
    messages.success(request, f"{doublon.nouveau.jeune} et {doublon.existant.jeune} restent deux parcours distincts.")
