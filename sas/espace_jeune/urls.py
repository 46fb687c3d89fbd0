from django.urls import path

from . import views

app_name = "espace_jeune"
urlpatterns = [
    path("", views.code, name="code"),
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/verifier/", views.verifier, name="verifier"),
    path("<str:token>/pourquoi/", views.pourquoi, name="pourquoi"),
    path("<str:token>/droits/", views.droits, name="droits"),
    path("<str:token>/accepter/", views.accepter, name="accepter"),
    path("<str:token>/refuser/", views.refuser, name="refuser"),
    path("<str:token>/appel/", views.appel, name="appel"),
    path("<str:token>/preferences/", views.preferences, name="preferences"),
    path("<str:token>/plus-tard/", views.plus_tard, name="plus_tard"),
    path("<str:token>/rendez-vous/", views.rendez_vous, name="rendez_vous"),
    path("<str:token>/rendez-vous/annuler/", views.annuler_rendez_vous, name="annuler_rendez_vous"),
    path("<str:token>/ecrire/", views.ecrire, name="ecrire"),
    path("<str:token>/stop/", views.stop, name="stop"),
]
