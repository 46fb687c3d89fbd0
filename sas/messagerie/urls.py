from django.urls import path

from . import views

app_name = "messagerie"
urlpatterns = [
    path("envoyes/", views.envoyes, name="envoyes"),
    path("lettre/<int:pk>/", views.lettre, name="lettre"),
    path("lettre/<int:pk>/envoyee/", views.lettre_postee, name="lettre_postee"),
    path("coordonnee/<int:pk>/corriger/", views.corriger, name="corriger"),
    path("sms/statut/", views.statut_sms, name="statut_sms"),
    path("sms/entrant/", views.entrant_sms, name="entrant_sms"),
]
