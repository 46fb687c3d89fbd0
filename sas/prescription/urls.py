from django.urls import include, path

app_name = "prescription"
urlpatterns = [
    path("fichier/", include("sas.prescription.urls_import")),
    path("rencontres/", include("sas.prescription.urls_rencontres")),
]
