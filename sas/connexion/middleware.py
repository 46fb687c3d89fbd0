from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from .services import second_facteur_obligatoire


class SecondFacteurMiddleware:
    """A professional who must give a second factor and has not yet, in this session, sees nothing but the page that
    asks for it (or sets it up, for staff who have none) and the logout button. After django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and second_facteur_obligatoire(user):
            pages = {reverse("connexion:code"), reverse("connexion:activer"), reverse("logout")}
            if request.path not in pages:
                page = "connexion:code" if user_has_device(user) else "connexion:activer"
                return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
