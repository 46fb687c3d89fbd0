from django.urls import path

from . import views

app_name = "communes"
urlpatterns = [path("recherche/", views.search, name="search")]
