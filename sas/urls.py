from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from sas.accueil.views import LoginView
from sas.connexion.views import deconnexion
from sas.messagerie.views_demo import boite as boite_demo

admin.site.site_header = "SAS — administration"
admin.site.site_title = "SAS"

urlpatterns = [
    path("", include("sas.accueil.urls")),
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", deconnexion, name="logout"),
    path("connexion/", include("sas.connexion.urls")),
    path("parcours/", include("sas.parcours.urls")),
    path("signaler/", include("sas.prescription.urls")),
    # Public pages for relatives and young people, no account.
    path("signaler-un-jeune/", include(("sas.prescription.urls_public", "public"))),
    path("api/", include("sas.api.urls")),
    path("aiguillage/", include("sas.aiguillage.urls")),
    path("messagerie/", include("sas.messagerie.urls")),
    path("rendez-vous/", include("sas.rendezvous.urls")),
    path("diagnostic/", include("sas.diagnostic.urls")),
    path("annuaire/", include("sas.annuaire.urls")),
    path("orientation/", include("sas.orientation.urls")),
    path("mes-donnees/", include("sas.rgpd.urls")),
    path("pilotage/", include("sas.pilotage.urls")),
    path("suivi/", include("sas.suivi.urls")),
    # The young person's page: a short signed link that fits in one SMS.
    path("j/", include("sas.espace_jeune.urls")),
    path("communes/", include("sas.communes.urls")),
    # One login page for everyone: the admin's own would skip the second factor's page.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
    # The demo's inbox (404 unless SAS_DEMO=1).
    path("demo/messages/", boite_demo, name="demo_messages"),
]
