import base64
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sas.audit.models import Action, record
from sas.organisations.models import Role
from sas.permissions import messages_for_aiguilleur, parcours_for_role, require_role

from . import envoi, politique, webhooks
from .lettre import lettre_pdf
from .models import CanalInvalide, CanalMessage, MessageStatus

PAR_PAGE = 50


def _parcours_du_territoire(user):
    require_role(user, Role.AIGUILLEUR)
    return parcours_for_role(user, Role.AIGUILLEUR)


def _messages_du_territoire(user):
    require_role(user, Role.AIGUILLEUR)
    return messages_for_aiguilleur(user)


@login_required
def envoyes(request):
    """The territory's messages, newest first: the local outbox in the demo, the sending log in production."""
    queryset = _messages_du_territoire(request.user).select_related("jeune", "parcours").order_by("-prevu_le", "-pk")
    canal, status = request.GET.get("canal", ""), request.GET.get("statut", "")
    if canal in CanalMessage.values:
        queryset = queryset.filter(canal=canal)
    if status in MessageStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAR_PAGE).get_page(request.GET.get("page"))
    record(request.user, Action.LISTE, "messages_envoyes", {m.jeune_id for m in page})
    return render(
        request,
        "messagerie/envoyes.html",
        {
            "page": page,
            "canal": canal,
            "statut": status,
            "canaux": CanalMessage.choices,
            "statuts": MessageStatus.choices,
            "outbox": settings.SAS_SMS_PROVIDER == "outbox",
            "title": "Messages envoyés",
        },
    )


def _message_du_territoire(request, pk):
    return get_object_or_404(
        _messages_du_territoire(request.user).select_related("jeune", "parcours__territory"),
        pk=pk,
        canal=CanalMessage.COURRIER,
    )


@login_required
def lettre(request, pk):
    """The PDF to print and post: it carries the young person's code, so only while the letter is still to post."""
    message = _message_du_territoire(request, pk)
    if message.status != MessageStatus.PROGRAMME:
        raise Http404("Ce courrier a déjà été envoyé.")
    record(request.user, Action.EXPORT, message, [message.jeune_id], format="pdf")
    response = HttpResponse(lettre_pdf(message, message.parcours.territory), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="courrier-{message.pk}.pdf"'
    return response


@login_required
@require_POST
def lettre_postee(request, pk):
    message = _message_du_territoire(request, pk)
    if envoi.marquer_poste(message, actor=request.user):
        record(request.user, Action.MODIFICATION, message, [message.jeune_id], status="envoye")
        messages.success(request, "Courrier noté comme envoyé.")
    return redirect("parcours:detail", uuid=message.parcours.uuid)


@login_required
@require_POST
def corriger(request, pk):
    """The counsellor corrects a number or address that failed for good."""
    invalide = get_object_or_404(
        CanalInvalide.objects.filter(
            jeune__parcours__in=_parcours_du_territoire(request.user), corrige_le__isnull=True
        ).distinct(),
        pk=pk,
    )
    parcours = get_object_or_404(parcours_for_role(request.user, Role.AIGUILLEUR), uuid=request.POST.get("parcours"))
    if parcours.jeune_id != invalide.jeune_id:
        raise Http404
    try:
        valeur = politique.corriger_coordonnee(invalide.jeune, invalide.canal, request.POST.get("valeur"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        record(request.user, Action.MODIFICATION, invalide.jeune, [invalide.jeune_id], champ=invalide.canal)
        messages.success(request, f"{invalide.get_canal_display()} corrigé : {valeur}.")
    return redirect("parcours:detail", uuid=parcours.uuid)


# Provider webhooks: JSON in, JSON out. Authenticated by the shared secret in a header (X-Webhook-Secret) or as the
# password of HTTP basic auth, never in the query string (it would reach the access logs); or by a signature over a
# timestamp and the body, refused outside a short window. The answer never depends on what the callback was about:
# a known or unknown number, a replay, all get the same "received".


def _erreur(status, texte):
    return JsonResponse({"erreur": texte}, status=status, json_dumps_params={"ensure_ascii": False})


def _egal(donne, attendu):
    return bool(donne) and hmac.compare_digest(donne.encode(), attendu.encode())


def _secret_de_basic(request):
    nature, _, valeur = request.headers.get("Authorization", "").partition(" ")
    if nature.lower() != "basic":
        return ""
    try:
        return base64.b64decode(valeur, validate=True).decode().partition(":")[2]
    except (ValueError, UnicodeDecodeError):
        return ""


def _signature_valide(request, secret):
    horodatage = request.headers.get("X-Webhook-Timestamp", "")
    try:
        ecart = abs(time.time() - int(horodatage))
    except ValueError:
        return False
    attendu = hmac.new(secret.encode(), horodatage.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    return ecart <= settings.SAS_SMS_WEBHOOK_FENETRE and _egal(request.headers["X-Webhook-Signature"], attendu)


def _authentifie(request):
    secret = settings.SAS_SMS_WEBHOOK_SECRET
    if not secret:
        return False
    if "X-Webhook-Signature" in request.headers:
        return _signature_valide(request, secret)
    return _egal(request.headers.get("X-Webhook-Secret") or _secret_de_basic(request), secret)


def _webhook(traiter):
    @csrf_exempt
    def vue(request):
        if request.method != "POST":
            return _erreur(405, "Méthode non autorisée : utilisez POST.")
        if not _authentifie(request):
            return _erreur(403, "Authentification absente ou incorrecte.")
        try:
            contenu = json.loads(request.body or b"")
        except ValueError:
            return _erreur(400, "Le corps de la requête doit être du JSON.")
        lot = contenu if isinstance(contenu, list) else [contenu]
        if not lot or not all(isinstance(item, dict) for item in lot):
            return _erreur(400, "Un objet JSON (ou une liste d'objets) est attendu.")
        for item in lot:
            traiter(item)
        return JsonResponse({"recu": len(lot)})

    return vue


statut_sms = _webhook(webhooks.traiter_statut)
entrant_sms = _webhook(webhooks.traiter_entrant)
