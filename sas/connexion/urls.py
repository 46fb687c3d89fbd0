from django.urls import path

from . import views

app_name = "connexion"
urlpatterns = [
    path("code/", views.code, name="code"),
    path("double-authentification/", views.activer, name="activer"),
    path("mot-de-passe-oublie/", views.MotDePasseOublie.as_view(), name="mot_de_passe_oublie"),
    path("mot-de-passe-oublie/envoye/", views.ReinitialisationEnvoyee.as_view(), name="reinitialisation_envoyee"),
    path("reinitialiser/<uidb64>/<token>/", views.Reinitialiser.as_view(), name="reinitialiser"),
    path("reinitialiser/fait/", views.ReinitialisationFaite.as_view(), name="reinitialisation_faite"),
    path("proconnect/", views.ProConnect.as_view(), name="proconnect"),
    path("proconnect/retour/", views.ProConnectRetour.as_view(), name="proconnect_retour"),
    path("proconnect/deconnecte/", views.proconnect_deconnecte, name="proconnect_deconnecte"),
    path("demande/", views.demande_acces, name="demande_acces"),
    path("demande/envoyee/", views.demande_envoyee, name="demande_envoyee"),
    path("demandes/", views.liste_demandes, name="demandes"),
    path("demandes/<int:pk>/", views.decider_demande, name="decider_demande"),
]
