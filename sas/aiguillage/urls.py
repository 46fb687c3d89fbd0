from django.urls import path

from . import views

app_name = "aiguillage"
urlpatterns = [
    path("taches/", views.taches, name="taches"),
    path("taches/<int:pk>/faite/", views.tache_faite, name="tache_faite"),
    path("<uuid:uuid>/affecter/", views.assigner, name="assigner"),
    path("<uuid:uuid>/contact/", views.journaliser, name="journaliser"),
    path("<uuid:uuid>/reporter/", views.reporter, name="reporter"),
    path("<uuid:uuid>/tache/", views.tache_creer, name="tache_creer"),
]
