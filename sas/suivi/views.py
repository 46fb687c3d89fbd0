"""Follow-up pages: the counsellor's view of a journey's check-ins (and the positive exit), the young person's
one-tap answers behind their link, the structure's answers behind the check-in's magic link. Views stay thin."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.audit.transitions import TransitionError
from sas.espace_jeune.views import avec_lien_verifie
from sas.limites import Limite, par_lien
from sas.organisations.models import Role
from sas.orientation.recues import identite_lisible, nom_affiche
from sas.permissions import parcours_du_conseiller, points_etape_for_structure, require_role

from . import services
from .models import ActorKind, EventKind, FinSuivi, LienSuiviStructure, NatureSortie, PointEtape, PointEtapeEvent, Suivi

_QUESTIONS_JEUNE = {
    "accompagne": "Êtes-vous toujours accompagné·e par {structure} ?",
    "sortie": "Bravo ! Qu'avez-vous trouvé ?",
    "utile": "Est-ce que cet accompagnement vous aide ?",
    "besoin": "Avez-vous besoin de quelque chose en ce moment ?",
}
_REPONSES_JEUNE = {
    "accompagne": {
        "oui": "Oui, toujours",
        "arrete": "Non, c'est arrêté",
        "ne_convient_pas": "Ça ne me convient pas",
        "sortie": "J'ai trouvé un emploi, une formation…",
    },
    "sortie": dict(NatureSortie.choices),
    "utile": {"oui": "Oui", "un_peu": "Un peu", "non": "Pas vraiment"},
    "besoin": {"non": "Non, ça va", "oui": "Oui, je veux en parler"},
}
_QUESTIONS_STRUCTURE = {
    "accompagne": "{prenom} est-il ou elle toujours accompagné·e par votre structure ?",
    "sortie": "Vers quelle solution ?",
}
_REPONSES_STRUCTURE = {
    "accompagne": {"oui": "Oui, toujours", "arrete": "Non, l'accompagnement s'est arrêté", "sortie": "Sortie positive"},
    "sortie": dict(NatureSortie.choices),
}


def _prochaine(point, actor_kind, ordre, deja=None):
    """The first question of `ordre` this side has not answered yet (after "sortie" only when it was chosen);
    `deja`: this side's answers when already loaded."""
    deja = services.reponses(point, actor_kind) if deja is None else deja
    for question in ordre:
        if question == "sortie" and deja.get("accompagne") != "sortie":
            continue
        if question not in deja:
            return question
    return None


def _ordre_jeune(parcours):
    droits = [f"{services.PREFIXE_DROIT}{d.code}" for d in services.droits_a_demander(parcours)]
    return ["accompagne", "sortie", "utile", "besoin", *droits]


def _question_jeune(question, structure):
    if question.startswith(services.PREFIXE_DROIT):
        code = question.removeprefix(services.PREFIXE_DROIT)
        droit = next(d for d in services.droits.situation.DROITS if d.code == code)
        return f"{droit.label} : où en êtes-vous ?", services.questions()[question]
    return _QUESTIONS_JEUNE[question].format(structure=structure), _REPONSES_JEUNE[question]


@avec_lien_verifie
def jeune(request, lien):
    parcours = lien.parcours
    point = services.point_ouvert(parcours)
    question = _prochaine(point, ActorKind.JEUNE, _ordre_jeune(parcours)) if point else None
    record(None, Action.CONSULTATION, parcours, [parcours.jeune_id], via="page", page="suivi")
    sortie = None if point else parcours.suivis.filter(fin=FinSuivi.SORTIE_POSITIVE).first()
    context = {"title": "Où en êtes-vous ?", "lien": lien, "point": point, "question": question, "sortie": sortie}
    if question:
        structure = point.suivi.structure.nom if point.suivi.structure else "votre structure"
        context["libelle"], context["choix"] = _question_jeune(question, structure)
    return render(request, "suivi/jeune.html", context)


@require_POST
@avec_lien_verifie
def jeune_repondre(request, lien):
    point = services.point_ouvert(lien.parcours)
    if point is None:
        messages.info(request, "Ce point d'étape est terminé : merci, il n'y a plus rien à répondre.")
        return redirect("espace_jeune:page", token=lien.token)
    try:
        services.repondre(
            point, request.POST.get("question", ""), request.POST.get("valeur", ""), actor_kind=ActorKind.JEUNE
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("suivi:jeune", token=lien.token)
    record(None, Action.MODIFICATION, point, [lien.parcours.jeune_id], via="page")
    messages.success(request, "Merci, c'est noté.")
    return redirect("suivi:jeune", token=lien.token)


# Wrong check-in links, per address (a token names no check-in: only its hash is stored).
liens_errones = Limite.reglable(
    "suivi_lien_structure_ip",
    limit=("SAS_LIEN_STRUCTURE_IP_LIMIT", 30),
    window=("SAS_LIEN_STRUCTURE_WINDOW", 900),
)


def _point_en_cours(token):
    point = LienSuiviStructure.trouver(token)
    return point if point is not None and point.suivi.termine_le is None else None


def _lien_invalide(request, token):
    return render(request, "suivi/lien_invalide.html", {"title": "Lien non valable"}, status=410)


_lien_structure = par_lien(liens_errones, _point_en_cours, _lien_invalide)


def _page_structure(request, token, point, status=200):
    question = _prochaine(point, ActorKind.STRUCTURE, ["accompagne", "sortie"])
    prenom = services._prenom_partage(point.suivi.orientation) if point.suivi.orientation else "Ce jeune"
    context = {
        "title": "Point d'étape",
        "token": token,
        "point": point,
        "question": question,
        "prenom": prenom,
        "aujourdhui": timezone.localdate(),
    }
    if question:
        context["libelle"] = _QUESTIONS_STRUCTURE[question].format(prenom=prenom)
        context["choix"] = _REPONSES_STRUCTURE[question]
    return render(request, "suivi/structure.html", context, status=status)


@_lien_structure
def structure(request, token, point):
    record(None, Action.CONSULTATION, point, [point.suivi.parcours.jeune_id], via="lien_structure")
    return _page_structure(request, token, point)


@require_POST
@_lien_structure
def structure_repondre(request, token, point):
    question, valeur = request.POST.get("question", ""), request.POST.get("valeur", "")
    try:
        date_sortie = _date(request.POST.get("date_sortie")) if question == "sortie" else None
        services.repondre(point, question, valeur, actor_kind=ActorKind.STRUCTURE, date_sortie=date_sortie)
    except (ValidationError, TransitionError) as error:
        messages.error(request, " ".join(error.messages))
        return _page_structure(request, token, point, status=400)
    record(None, Action.MODIFICATION, point, [point.suivi.parcours.jeune_id], via="lien_structure")
    if LienSuiviStructure.trouver(token) is None or Suivi.objects.get(pk=point.suivi_id).termine_le:
        return render(request, "suivi/merci.html", {"title": "Merci"})
    return redirect("suivi:structure", token=token)


# The receiving structure, from its account: the same questions and answers as its magic link.

PAR_PAGE = 50
_ORDRE_STRUCTURE = ["accompagne", "sortie"]


def _points_structure(request):
    require_role(request.user, Role.STRUCTURE)
    return points_etape_for_structure(request.user).select_related("suivi__orientation__structure", "suivi__parcours")


@login_required
def points_recus(request):
    """The open check-ins of the young people the user's structures take care of, oldest due first."""
    reponses = PointEtapeEvent.objects.filter(kind=EventKind.REPONSE, actor_kind=ActorKind.STRUCTURE)
    scope = (
        _points_structure(request)
        .prefetch_related(Prefetch("events", queryset=reponses, to_attr="reponses_structure"))
        .order_by("prevu_le", "pk")
    )
    page = Paginator(scope, PAR_PAGE).get_page(request.GET.get("page"))
    points = list(page.object_list)
    paires = {(p.suivi.parcours.jeune_id, p.suivi.orientation.structure_id) for p in points}
    lisibles = identite_lisible(paires)
    lignes = []
    for point in points:
        orientation = point.suivi.orientation
        nom = nom_affiche(orientation, (point.suivi.parcours.jeune_id, orientation.structure_id) in lisibles)
        deja = services.reponses_de(point.reponses_structure)
        question = _prochaine(point, ActorKind.STRUCTURE, _ORDRE_STRUCTURE, deja)
        ligne = {"point": point, "nom": nom, "question": question}
        if question:
            ligne["libelle"] = _QUESTIONS_STRUCTURE[question].format(prenom=nom)
            ligne["choix"] = _REPONSES_STRUCTURE[question]
        lignes.append(ligne)
    jeune_ids = sorted({p.suivi.parcours.jeune_id for p in points})
    record(request.user, Action.LISTE, PointEtape, jeune_ids, page="points_etape")
    context = {"title": "Points d'étape", "page": page, "lignes": lignes, "aujourdhui": timezone.localdate()}
    return render(request, "suivi/points_recus.html", context)


@login_required
@require_POST
def point_recu_repondre(request, pk):
    point = get_object_or_404(_points_structure(request), pk=pk)
    question, valeur = request.POST.get("question", ""), request.POST.get("valeur", "")
    try:
        if question not in _ORDRE_STRUCTURE:
            raise ValidationError("Réponse inconnue : choisissez une des réponses proposées.")
        date_sortie = _date(request.POST.get("date_sortie")) if question == "sortie" else None
        services.repondre(
            point, question, valeur, actor_kind=ActorKind.STRUCTURE, actor=request.user, date_sortie=date_sortie
        )
    except (ValidationError, TransitionError) as error:
        messages.error(request, " ".join(error.messages))
    else:
        record(request.user, Action.MODIFICATION, point, [point.suivi.parcours.jeune_id], page="points_etape")
        messages.success(request, "Merci, c'est noté.")
    url = reverse("suivi:points_recus")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


def _date(valeur):
    try:
        return datetime.date.fromisoformat(valeur or "")
    except ValueError:
        raise ValidationError("Indiquez la date de la sortie (jj/mm/aaaa).") from None


@login_required
def parcours(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    suivis = list(parcours.suivis.select_related("orientation__structure").prefetch_related("points__events"))
    record(request.user, Action.CONSULTATION, parcours, [parcours.jeune_id], page="suivi")
    context = {
        "title": f"Suivi de {parcours.jeune.prenom}",
        "parcours": parcours,
        "suivis": suivis,
        "natures": NatureSortie.choices,
        "aujourdhui": timezone.localdate(),
        "peut_sortir": parcours.status in services.PEUT_SORTIR,
    }
    return render(request, "suivi/parcours.html", context)


@login_required
@require_POST
def sortie(request, uuid):
    parcours = parcours_du_conseiller(request.user, uuid, "jeune")
    try:
        services.sortie_positive(
            parcours,
            nature=request.POST.get("nature", ""),
            date_sortie=_date(request.POST.get("date_sortie")),
            actor_kind=ActorKind.CONSEILLER,
            actor=request.user,
        )
    except (ValidationError, TransitionError) as error:
        messages.error(request, " ".join(error.messages))
    else:
        record(request.user, Action.TRANSITION, parcours, [parcours.jeune_id], page="suivi")
        messages.success(request, "Sortie positive enregistrée : le suivi est terminé.")
    return redirect("suivi:parcours", uuid=parcours.uuid)
