from django.urls import path

from . import views

app_name = "rgpd"
urlpatterns = [
    path("j/<str:token>/", views.jeune, name="jeune"),
    path("j/<str:token>/telecharger/", views.jeune_export, {"extension": "html"}, name="jeune_export"),
    path("j/<str:token>/telecharger/json/", views.jeune_export, {"extension": "json"}, name="jeune_export_json"),
    path("j/<str:token>/coordonnees/", views.jeune_coordonnees, name="jeune_coordonnees"),
    path("j/<str:token>/coordonnees/confirmer/", views.jeune_confirmer, name="jeune_confirmer"),
    path("j/<str:token>/effacement/", views.jeune_effacement, name="jeune_effacement"),
    path("j/<str:token>/reclamation/", views.jeune_reclamation, name="jeune_reclamation"),
    path("parcours/<uuid:uuid>/", views.conseiller, name="conseiller"),
    path("parcours/<uuid:uuid>/export/<str:extension>/", views.conseiller_export, name="conseiller_export"),
    path("parcours/<uuid:uuid>/demande/", views.conseiller_demande, name="conseiller_demande"),
    path("parcours/<uuid:uuid>/effacer/", views.conseiller_effacer, name="conseiller_effacer"),
    path("reclamation/<int:pk>/repondre/", views.conseiller_repondre, name="conseiller_repondre"),
]
