from django.urls import path

from . import views

app_name = "orientation"
urlpatterns = [
    # The counsellor.
    path("parcours/<uuid:uuid>/", views.parcours, name="parcours"),
    path("parcours/<uuid:uuid>/proposer/", views.proposer, name="proposer"),
    path("parcours/<uuid:uuid>/proposition/<int:pk>/choisir/", views.choisir_pour_le_jeune, name="choisir"),
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
    path("<int:pk>/renvoyer/", views.renvoyer, name="renvoyer"),
    path("parcours/<uuid:uuid>/retrait/", views.retrait_conseiller, name="retrait"),
    # The young person, from their personal link.
    path("j/<str:token>/", views.jeune, name="jeune"),
    path("j/<str:token>/choisir/<int:pk>/", views.jeune_choisir, name="jeune_choisir"),
    path("j/<str:token>/rencontre/", views.jeune_rencontre, name="jeune_rencontre"),
    path("j/<str:token>/retirer-mon-accord/", views.jeune_retrait, name="jeune_retrait"),
    path("j/<str:token>/retirer-mon-accord/<int:pk>/", views.jeune_retrait_structure, name="jeune_retrait_structure"),
    # The receiving structure: magic link, or account.
    path("s/<str:token>/", views.lien, name="lien"),
    path("s/<str:token>/<slug:action>/", views.lien_agir, name="lien_agir"),
    path("recues/", views.recues, name="recues"),
    path("recues/export/", views.recues_csv, name="recues_csv"),
    path("recues/<int:pk>/", views.recue, name="recue"),
    path("recues/<int:pk>/<slug:action>/", views.recue_agir, name="recue_agir"),
]
