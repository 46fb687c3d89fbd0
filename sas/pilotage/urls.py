from django.urls import path

from . import views

app_name = "pilotage"
urlpatterns = [
    path("", views.tableau_de_bord, name="tableau_de_bord"),
    path("definitions/", views.definitions, name="definitions"),
    path("export/donnees-ouvertes.csv", views.export_open_data, name="open_data"),
    path("export/<slug:slug>.csv", views.export_csv, name="export"),
]
