from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.upload, name="import_upload"),
    path("modele.<str:extension>", views_import.template, name="import_template"),
    path("<int:pk>/", views_import.detail, name="import_detail"),
    path("<int:pk>/importer/", views_import.start, name="import_start"),
    path("<int:pk>/feuille/", views_import.sheet, name="import_sheet"),
    path("<int:pk>/lignes-non-importees.csv", views_import.rejets, name="import_rejets"),
]
