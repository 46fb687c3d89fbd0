from django.urls import path

from . import views

app_name = "parcours"
urlpatterns = [
    path("signalements/", views.mes_signalements, name="mes_signalements"),
    path("signalements/export/", views.mes_signalements_csv, name="mes_signalements_csv"),
    path("file-active/", views.file_active, name="file_active"),
    path("indicateurs/", views.indicateurs, name="indicateurs"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/statut/", views.change_status, name="change_status"),
]
