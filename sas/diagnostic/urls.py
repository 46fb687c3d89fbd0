from django.urls import path

from . import views

app_name = "diagnostic"
urlpatterns = [
    path("parcours/<uuid:uuid>/", views.parcours, name="parcours"),
    path("parcours/<uuid:uuid>/demarrer/", views.demarrer, name="demarrer"),
    path("<int:pk>/", views.sommaire, name="sommaire"),
    path("<int:pk>/section/<slug:code>/", views.section, name="section"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/synthese/", views.resume, name="resume"),
    path("<int:pk>/terminer/", views.terminer, name="terminer"),
    path("<int:pk>/envoyer/", views.envoyer, name="envoyer"),
    # The young person's pages, opened from their personal link.
    path("j/<str:token>/preparer/", views.jeune_preparer, name="jeune_preparer"),
    path("j/<str:token>/synthese/", views.jeune_synthese, name="jeune_synthese"),
]
