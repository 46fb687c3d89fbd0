"""The second factor (TOTP), the forgotten password, ProConnect and the join requests. The login page itself is
accueil's; django-axes throttles it (and the admin, which sends to it) per account and per address."""

import base64
import logging

import django_otp
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sas.permissions import demandes_acces_for, may_decide_demandes

from . import demandes, proconnect
from .forms import CodeForm, DemandeAccesForm, ReinitialisationForm
from .models import DemandeAcces
from .services import second_facteur_obligatoire

logger = logging.getLogger(__name__)
DEMANDES_PAR_PAGE = 20

NOM_APPAREIL = "Application d'authentification"


def _suite(request):
    suite = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return suite
    return reverse("accueil:home")


@never_cache
@login_required
def code(request):
    """The code of the application set up earlier, once per session."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # django-otp slows down each device after wrong codes (a growing delay).
        device = django_otp.match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_suite(request))
        form.add_error("code", "Ce code n'est pas le bon, ou il a expiré. Attendez le code suivant et réessayez.")
    context = {"title": "Code de connexion", "form": form, "next": _suite(request)}
    return render(request, "connexion/code.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def activer(request):
    """Set up the application: the secret to type in it (or its otpauth:// address), then a first code confirms it."""
    user = request.user
    if user.is_verified():
        return render(request, "connexion/active.html", {"title": "Double authentification"})
    if django_otp.user_has_device(user):
        return redirect(f"{reverse('connexion:code')}?next={reverse('connexion:activer')}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name=NOM_APPAREIL, confirmed=False
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            messages.success(
                request, "La double authentification est activée : ce code vous sera demandé à chaque connexion."
            )
            return redirect(_suite(request))
        form.add_error("code", "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et réessayez.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "title": "Activer la double authentification",
        "form": form,
        "obligatoire": second_facteur_obligatoire(user),
        # In groups of four, easier to type.
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "adresse": device.config_url,
        "next": _suite(request),
    }
    return render(request, "connexion/activer.html", context, status=400 if form.errors else 200)


class MotDePasseOublie(auth_views.PasswordResetView):
    form_class = ReinitialisationForm
    template_name = "connexion/password_reset_form.html"
    success_url = reverse_lazy("connexion:reinitialisation_envoyee")
    extra_context = {"title": "Mot de passe oublié"}


class ReinitialisationEnvoyee(auth_views.PasswordResetDoneView):
    template_name = "connexion/password_reset_done.html"
    extra_context = {"title": "Vérifiez votre messagerie"}


class Reinitialiser(auth_views.PasswordResetConfirmView):
    template_name = "connexion/password_reset_confirm.html"
    success_url = reverse_lazy("connexion:reinitialisation_faite")
    extra_context = {"title": "Nouveau mot de passe"}


class ReinitialisationFaite(auth_views.PasswordResetCompleteView):
    template_name = "connexion/password_reset_complete.html"
    extra_context = {"title": "Mot de passe changé"}


def verrouille(request, original_response=None, credentials=None):
    """django-axes' answer once an account or an address is locked (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"title": "Trop de tentatives", "duree": f"{minutes} minutes"}
    return render(request, "connexion/verrouille.html", context, status=429)


# ProConnect


class ProConnect(OIDCAuthenticationRequestView):
    """Off to ProConnect (state and nonce of 48 characters, acr_values=eidas1), unless it is not configured."""

    get_settings = staticmethod(proconnect.reglage)

    def get(self, request):
        if not proconnect.est_configure():
            raise Http404
        return super().get(request)


def _echec(request, message, status):
    context = {"title": "Connexion avec ProConnect impossible", "message": message}
    return render(request, "connexion/proconnect_echec.html", context, status=status)


ECHEC_GENERAL = (
    "ProConnect n'a pas pu confirmer votre identité auprès de SAS. Recommencez la connexion ; si cela se reproduit, "
    "écrivez à l'équipe SAS de votre territoire."
)


class ProConnectRetour(OIDCAuthenticationCallbackView):
    """Back from ProConnect: a known professional is logged in (their second factor is then asked as after a
    password); an unknown one goes to the join request; anything the tokens do not prove is refused in French."""

    get_settings = staticmethod(proconnect.reglage)

    def get(self, request):
        if not proconnect.est_configure():
            raise Http404
        try:
            return super().get(request)
        except proconnect.DemandeAFaire:
            return redirect("connexion:demande_acces")
        except proconnect.ConnexionRefusee as refus:
            logger.warning("ProConnect : connexion refusée (%s)", refus)
            return _echec(request, refus.message, 403)
        except (SuspiciousOperation, requests.RequestException) as erreur:
            logger.warning("ProConnect : réponse refusée (%s)", erreur)
            return _echec(request, ECHEC_GENERAL, 400)

    def login_failure(self):
        return _echec(self.request, ECHEC_GENERAL, 400)


@require_POST
def deconnexion(request):
    """Out of SAS and, for a ProConnect session, out of ProConnect too (its session/end, with the ID token kept at
    login), which sends back to proconnect_deconnecte."""
    id_token = request.session.get("oidc_id_token")
    auth.logout(request)
    if id_token and proconnect.est_configure():
        return redirect(proconnect.adresse_deconnexion(request, id_token))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def proconnect_deconnecte(request):
    if request.GET.get("state") and request.GET["state"] == request.session.pop(proconnect.SESSION_DECONNEXION, None):
        messages.success(request, "Vous êtes déconnecté de SAS et de ProConnect.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# Join requests


def _identite(request):
    ident = request.session.get(proconnect.SESSION_IDENTITE)
    if not ident:
        messages.info(request, "Connectez-vous d'abord avec ProConnect pour demander à rejoindre SAS.")
    return ident


@never_cache
def demande_acces(request):
    """The professional ProConnect identified and SAS does not know asks to join."""
    ident = _identite(request)
    if not ident:
        return redirect("login")
    if demandes.demande_ouverte(ident):
        return redirect("connexion:demande_envoyee")
    organisation = demandes.organisation_du_siret(ident["siret"])
    form = DemandeAccesForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            demandes.demander(ident, organisation=organisation, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            return redirect("connexion:demande_envoyee")
    context = {"title": "Demander à rejoindre SAS", "form": form, "ident": ident, "organisation": organisation}
    return render(request, "connexion/demande_acces.html", context, status=400 if form.errors else 200)


@never_cache
def demande_envoyee(request):
    ident = _identite(request)
    if not ident:
        return redirect("login")
    demande = demandes.demande_ouverte(ident)
    if demande is None:
        return redirect("connexion:demande_acces")
    return render(request, "connexion/demande_envoyee.html", {"title": "Demande envoyée", "demande": demande})


@login_required
def liste_demandes(request):
    """The requests the SAS team of the user's territories, or their organisation's administrators, decide."""
    if not may_decide_demandes(request.user):
        raise PermissionDenied
    queryset = (
        demandes_acces_for(request.user)
        .filter(status=DemandeAcces.Status.EN_ATTENTE)
        .select_related("organisation", "territory")
    )
    page = Paginator(queryset, DEMANDES_PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "connexion/demandes.html", {"title": "Demandes d'accès", "page": page})


@require_POST
@login_required
def decider_demande(request, pk):
    if not may_decide_demandes(request.user):
        raise PermissionDenied
    demande = get_object_or_404(demandes_acces_for(request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"accepter", "refuser"}:
        messages.error(request, "Choisissez d'accepter ou de refuser la demande.")
        return redirect("connexion:demandes")
    try:
        if decision == "accepter":
            demandes.accepter(demande, request.user)
            messages.success(request, f"{demande.prenom} {demande.nom} a rejoint {demande.nom_affiche}.")
        else:
            demandes.refuser(demande, request.user)
            messages.success(request, f"La demande de {demande.prenom} {demande.nom} est refusée.")
    except demandes.DecisionImpossible as erreur:
        messages.error(request, erreur.message)
    return redirect("connexion:demandes")
