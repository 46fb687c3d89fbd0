from django.urls import path

from . import views

app_name = "suivi"
urlpatterns = [
    # The counsellor.
    path("parcours/<uuid:uuid>/", views.parcours, name="parcours"),
    path("parcours/<uuid:uuid>/sortie/", views.sortie, name="sortie"),
    # The young person, from their personal link.
    path("j/<str:token>/", views.jeune, name="jeune"),
    path("j/<str:token>/repondre/", views.jeune_repondre, name="jeune_repondre"),
    # The receiving structure, from the check-in's magic link.
    path("s/<str:token>/", views.structure, name="structure"),
    path("s/<str:token>/repondre/", views.structure_repondre, name="structure_repondre"),
    # The receiving structure, from its account.
    path("recus/", views.points_recus, name="points_recus"),
    path("recus/<int:pk>/repondre/", views.point_recu_repondre, name="point_recu_repondre"),
]
