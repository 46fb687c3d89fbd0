from django.urls import include, path

from . import views

app_name = "prescription"
urlpatterns = [
    path("", views.signalement_form, name="signaler"),
    path("resume-hebdomadaire/", views.digest_preference, name="digest_preference"),
    path("statistiques/", views.statistiques, name="statistiques"),
    path("fichier/", include("sas.prescription.urls_import")),
    path("rencontres/", include("sas.prescription.urls_rencontres")),
]
