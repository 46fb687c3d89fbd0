from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.formulaire, name="formulaire"),
    path("merci/", views_public.merci, name="merci"),
]
