from django.urls import path, re_path

from . import views
from .api import api

app_name = "api"
urlpatterns = [
    path("jetons/", views.jetons, name="jetons"),
    path("jetons/<int:pk>/revoquer/", views.revoquer, name="revoquer"),
    path("", api.urls),
    # Unknown API addresses answer in the API's error shape, not with the site's HTML page.
    re_path(r"^v1/", views.api_not_found, name="introuvable"),
]
