from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db.models import Count
from django.shortcuts import redirect, render

from sas.connexion.proconnect import est_configure as proconnect_configure
from sas.organisations.models import Role, Territory

from .demo import DEMO_ACCOUNTS, DEMO_PASSWORD

HOME_BY_ROLE = {
    Role.PRESCRIPTEUR: "parcours:mes_signalements",
    Role.AIGUILLEUR: "parcours:file_active",
    Role.STRUCTURE: "orientation:recues",
    Role.PILOTE: "pilotage:tableau_de_bord",
    Role.ADMIN: "admin:index",
}


def home(request):
    if request.user.is_authenticated and request.user.main_role:
        return redirect(HOME_BY_ROLE[request.user.main_role])
    territories = Territory.objects.annotate(nb_communes=Count("communes")).order_by("nom")
    return render(request, "accueil/home.html", {"territories": territories})


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = "Connexion"
        context["proconnect"] = proconnect_configure()
        if settings.SAS_DEMO:
            context["demo_accounts"] = [{"role": Role(role).label, "email": email} for role, email in DEMO_ACCOUNTS]
            context["demo_password"] = DEMO_PASSWORD
        return context
