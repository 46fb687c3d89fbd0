"""The young person's link, as messagerie puts it in the messages it sends (registered at app ready)."""

from django.conf import settings
from django.urls import reverse

from .models import LienJeune


class FournisseurLienJeune:
    def creer(self, parcours, *, at=None):
        return LienJeune.creer(parcours, at=at)

    def contexte(self, lien):
        """The template values that name the link: its address, the short code, the STOP and code pages."""
        return {
            "lien": lien.url,
            "code": lien.token,
            "stop": settings.SAS_SITE_URL + reverse("espace_jeune:stop", args=[lien.token]),
            "adresse_code": settings.SAS_SITE_URL + reverse("espace_jeune:code"),
        }
