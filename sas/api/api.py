"""The HTTP API for prescribers' information systems. Every error has the same shape:
{"erreur": {"code": "...", "message": "...", "champs": [{"chemin": "...", "message": "..."}]}}."""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpResponse
from ninja import Header, NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from sas.audit.models import Action, record
from sas.communes.models import Commune
from sas.parcours.models import SignalementSource
from sas.permissions.suivi import avec_suivi, vue_prescripteur
from sas.prescription import services as prescription
from sas.prescription.services import SignalementData, normalise_phone, signaler

from . import services
from .schemas import Erreur, SignalementCree, SignalementIn, SuiviOut, SuiviPage

logger = logging.getLogger(__name__)

DESCRIPTION = f"""
API de SAS pour les systèmes d'information des prescripteurs : signaler un jeune dont l'accompagnement
s'arrête sans solution, puis suivre l'étape atteinte par son parcours (jamais le contenu du diagnostic).

**Authentification** : en-tête `Authorization: Bearer <jeton>`. Les jetons se créent sur la page
« Accès à l'API » de SAS, par un prescripteur de votre structure.

**Idempotence** : envoyez un en-tête `Idempotency-Key` (par exemple un UUID) avec chaque création. Une
nouvelle tentative avec la même clé et le même corps renvoie la réponse d'origine sans rien créer de plus.
La clé est gardée {settings.SAS_IDEMPOTENCY_RETENTION_HOURS} heures : au-delà, elle est oubliée (la réponse
d'origine nomme le jeune).

**Erreurs** : toujours `{{"erreur": {{"code", "message", "champs": [{{"chemin", "message"}}]}}}}`.
"""


class ApiError(Exception):
    def __init__(self, status, code, message, champs=()):
        super().__init__(message)
        self.status, self.code, self.message, self.champs = status, code, message, list(champs)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = services.authenticate(token)
        if found is None:
            raise ApiError(401, "jeton_invalide", "Jeton d'API inconnu ou révoqué.")
        return found


api = NinjaAPI(
    title="SAS — API prescripteurs",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api:api-v1",  # nested in sas.api.urls (app_name "api")
)


def error_response(request, status, code, message, champs=()):
    response = api.create_response(
        request, {"erreur": {"code": code, "message": message, "champs": list(champs)}}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return error_response(request, exc.status, exc.code, exc.message, exc.champs)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error_response(
        request, 401, "jeton_manquant", "Jeton d'API manquant : envoyez l'en-tête « Authorization: Bearer <jeton> »."
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "introuvable", "Cette ressource n'existe pas ou ne vous est pas accessible.")


HTTP_ERRORS = {
    400: ("requete_illisible", "Le corps de la requête n'est pas un document JSON lisible."),
    405: ("methode_non_autorisee", "Cette méthode HTTP n'est pas acceptée à cette adresse."),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    code, message = HTTP_ERRORS.get(exc.status_code, ("erreur", "La requête n'a pas pu aboutir."))
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return error_response(
        request,
        422,
        "donnees_invalides",
        "Certaines données sont invalides : voir « champs ».",
        [{"chemin": error_path(error["loc"]), "message": error_message(error)} for error in exc.errors],
    )


@api.exception_handler(Exception)
def on_unexpected_error(request, exc):
    logger.exception("Erreur inattendue de l'API", exc_info=exc)
    return error_response(request, 500, "erreur_interne", "Erreur inattendue de SAS : réessayez plus tard.")


def error_path(loc):
    """("body", "payload", "jeune", "prenom") -> "jeune.prenom"; ("query", "limit") -> "limit"."""
    parts = list(loc[2:] if loc[0] == "body" else loc[1:])
    return ".".join(str(part) for part in parts)


def error_message(error):
    ctx = error.get("ctx", {})
    messages = {
        "missing": "Ce champ est obligatoire.",
        "extra_forbidden": "Champ inconnu.",
        "string_type": "Texte attendu.",
        "string_too_long": f"{ctx.get('max_length')} caractères au plus.",
        "string_pattern_mismatch": "Format invalide.",
        "bool_type": "Booléen attendu (true ou false).",
        "bool_parsing": "Booléen attendu (true ou false).",
        "int_type": "Nombre entier attendu.",
        "int_parsing": "Nombre entier attendu.",
        "greater_than_equal": f"Valeur minimale : {ctx.get('ge')}.",
        "less_than_equal": f"Valeur maximale : {ctx.get('le')}.",
        "literal_error": f"Valeur non reconnue ; valeurs possibles : {ctx.get('expected')}.",
        "model_type": "Objet JSON attendu.",
        "model_attributes_type": "Objet JSON attendu.",
        "dict_type": "Objet JSON attendu.",
        "uuid_parsing": "Identifiant invalide.",
        "uuid_type": "Identifiant invalide.",
    }
    if error["type"].startswith("date"):
        return "Date invalide : format attendu AAAA-MM-JJ."
    return messages.get(error["type"], "Valeur invalide.")


# Where each field of sas.prescription.services.SignalementData sits in the request body.
FIELD_PATHS = {
    "commune": "jeune.commune_insee",
    **{f: f"jeune.{f}" for f in ["prenom", *prescription.JEUNE_FIELDS]},
    **{f: f"contexte.{f}" for f in [*prescription.SIGNALEMENT_FIELDS, "jeune_accord"]},
}


def invalid(errors):
    return ApiError(
        422,
        "donnees_invalides",
        "Certaines données sont invalides : voir « champs ».",
        [{"chemin": FIELD_PATHS.get(field, field), "message": message} for field, message in errors.items()],
    )


def signalement_data(payload):
    """SignalementData from the request body; ApiError(422) listing every field in error."""
    jeune, errors = payload.jeune, {}
    try:
        telephone = normalise_phone(jeune.telephone)
    except ValueError as error:
        telephone, errors["telephone"] = "", str(error)
    email = jeune.email.strip()
    try:
        if email:
            validate_email(email)
    except DjangoValidationError:
        email, errors["email"] = "", "Adresse électronique invalide."
    commune = Commune.objects.filter(code_insee=jeune.commune_insee).first()
    if commune is None:
        errors["commune"] = f"Aucune commune n'a le code INSEE {jeune.commune_insee}."
    data = SignalementData(
        **jeune.dict(exclude={"telephone", "email", "commune_insee"}),
        **payload.contexte.dict(),
        telephone=telephone,
        email=email,
        commune=commune,
    )
    # Our errors replace the service's on the same field: they say why the value it received is missing.
    if errors := {**prescription.validate(data), **errors}:
        raise invalid(errors)
    return data


def etape(parcours):
    return {"code": parcours.status, "libelle": parcours.get_status_display()}


def suivi(parcours):
    """What the organisation may know of `parcours` (loaded through sas.permissions.suivi.avec_suivi)."""
    vue = vue_prescripteur(parcours)
    return {
        "id": parcours.uuid,
        "etape": {"code": vue.etape.code, "libelle": vue.etape.libelle},
        "etape_depuis": vue.etape.at,
        "signale_le": parcours.signale_le,
        "etapes": [{"code": e.code, "libelle": e.libelle, "le": e.at} for e in vue.etapes],
        "structure_accueil": vue.structure or None,
    }


@api.post(
    "/v1/signalements",
    response={201: SignalementCree, 400: Erreur, 401: Erreur, 422: Erreur},
    operation_id="creer_signalement",
    summary="Signaler un jeune",
    tags=["signalements"],
)
def creer_signalement(
    request,
    response: HttpResponse,
    payload: SignalementIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Clé unique choisie par vous (par exemple un UUID) : une nouvelle tentative avec la même clé "
        "renvoie la réponse d'origine.",
    ),
):
    """Signale un jeune dont l'accompagnement s'arrête (ou va s'arrêter) sans solution. Renvoie l'identifiant du
    parcours à suivre. La réponse est la même que le jeune soit déjà connu de SAS ou non."""
    organisation = request.auth.organisation

    def process():
        try:
            result = signaler(signalement_data(payload), source=SignalementSource.API, organisation=organisation)
        except DjangoValidationError as error:
            raise invalid({field: " ".join(messages) for field, messages in error.message_dict.items()}) from error
        parcours = result.signalement.parcours
        body = {
            "id": str(parcours.uuid),
            "signalement_id": result.signalement.pk,
            # As for a new person: the answer never tells whether, nor where, the young person was known.
            "etape": {"code": result.etape_annoncee.value, "libelle": result.etape_annoncee.label},
        }
        return 201, body

    if idempotency_key is None:
        return Status(*process())
    try:
        status, body, replayed = services.idempotent(organisation, idempotency_key, request.body, process)
    except services.KeyReused as error:
        raise ApiError(
            422,
            "cle_idempotence_reutilisee",
            "Cette clé d'idempotence a déjà servi pour une autre requête : choisissez une nouvelle clé.",
        ) from error
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)


@api.get(
    "/v1/signalements/{id}",
    response={200: SuiviOut, 401: Erreur, 404: Erreur, 422: Erreur},
    operation_id="lire_signalement",
    summary="Étape du parcours d'un jeune signalé",
    tags=["signalements"],
)
def lire_signalement(request, id: uuid.UUID):
    """L'étape atteinte par le parcours d'un jeune que votre structure a signalé, et ses dates, depuis que votre
    signalement y est rattaché : une liste fixe de libellés, jamais le contenu du diagnostic, jamais un texte écrit
    par d'autres, jamais les autres structures qui l'ont signalé. Un parcours que votre structure n'a pas signalé
    répond 404, comme un parcours inexistant."""
    token = request.auth
    parcours = avec_suivi(services.parcours_of(token.organisation), [token.organisation.pk]).filter(uuid=id).first()
    if parcours is None:
        raise Http404
    record(None, Action.CONSULTATION, parcours, [parcours.jeune_id], via="api", jeton=token.pk)
    return suivi(parcours)


@api.get(
    "/v1/signalements",
    response={200: SuiviPage, 401: Erreur, 422: Erreur},
    operation_id="lister_signalements",
    summary="Parcours des jeunes signalés par votre structure",
    tags=["signalements"],
)
def lister_signalements(
    request,
    limit: int = Query(50, ge=1, le=200, description="Nombre de résultats par page (200 au plus)."),
    offset: int = Query(0, ge=0, le=1_000_000, description="Nombre de résultats à sauter."),
):
    """Les parcours signalés par votre structure, du plus récent au plus ancien signalement."""
    token = request.auth
    scoped = services.parcours_of(token.organisation)
    page = list(avec_suivi(scoped, [token.organisation.pk]).order_by("-signale_le", "-pk")[offset : offset + limit])
    record(None, Action.LISTE, "api_signalements", [p.jeune_id for p in page], via="api", jeton=token.pk)
    return {"total": scoped.count(), "limit": limit, "offset": offset, "resultats": [suivi(p) for p in page]}
