from django.urls import path

from . import views

app_name = "rendezvous"
urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("creneaux/publier/", views.publier, name="publier"),
    path("creneaux/<int:pk>/retirer/", views.retirer, name="retirer"),
    path("parcours/<uuid:uuid>/reserver/", views.reserver, name="reserver"),
    path("<int:pk>/constater/", views.constater, name="constater"),
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
]
