"""The second factor (TOTP) and the forgotten password. The login page itself is accueil's; django-axes throttles it
(and the admin, which sends to it) per account and per address."""

import base64

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import CodeForm, ReinitialisationForm
from .services import second_facteur_obligatoire

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
