from django.urls import path

from . import views_rencontres

urlpatterns = [
    path("<uuid:uuid>/", views_rencontres.rencontre_liste, name="rencontre_liste"),
    path("<uuid:uuid>/proposer/", views_rencontres.rencontre_proposer, name="rencontre_proposer"),
    path("<uuid:uuid>/<int:pk>/issue/", views_rencontres.rencontre_issue, name="rencontre_issue"),
    path("<uuid:uuid>/<int:pk>/annuler/", views_rencontres.rencontre_annuler, name="rencontre_annuler"),
]
