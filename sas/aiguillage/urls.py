from django.urls import path

from . import views

app_name = "aiguillage"
urlpatterns = [
    path("taches/", views.taches, name="taches"),
    path("taches/<int:pk>/faite/", views.tache_faite, name="tache_faite"),
    path("affecter/", views.assigner_lot, name="assigner_lot"),
    path("<uuid:uuid>/affecter/", views.assigner, name="assigner"),
    path("<uuid:uuid>/contact/", views.journaliser, name="journaliser"),
    path("<uuid:uuid>/reporter/", views.reporter, name="reporter"),
    path("<uuid:uuid>/statistiques/", views.statistiques, name="statistiques"),
    path("<uuid:uuid>/repondre/", views.repondre, name="repondre"),
    path("<uuid:uuid>/tache/", views.tache_creer, name="tache_creer"),
    path("<uuid:uuid>/verifier/", views.verifier, name="verifier"),
    path("<uuid:uuid>/ecarter/", views.ecarter, name="ecarter"),
    path("doublons/<int:pk>/fusionner/", views.fusionner, name="fusionner"),
    path("doublons/<int:pk>/separer/", views.garder_separes, name="garder_separes"),
]
