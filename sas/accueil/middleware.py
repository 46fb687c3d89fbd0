from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from sas.traces import PAGE_A_JETON


class EntetesMiddleware:
    """Permissions-Policy on every answer; a page opened by a bearer token (the young person's, a structure's) is
    never stored by a browser or a proxy, and never indexed. Its address leaves in no Referer to another site
    (SECURE_REFERRER_POLICY "same-origin"; "no-referrer" would make browsers send "Origin: null" with the page's
    forms, which the CSRF check refuses), and our own logs mask it (sas/traces.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.SAS_PERMISSIONS_POLICY)
        if PAGE_A_JETON.match(request.path_info):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
            response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        return response


class TailleMaxMiddleware:
    """A request body larger than SAS_TAILLE_MAX_REQUETE is refused from its announced length, before anything reads
    it (the CSRF check reads a form's body, and Django would first copy an uploaded file to disk)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            taille = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            taille = 0
        if taille > settings.SAS_TAILLE_MAX_REQUETE:
            mo = settings.SAS_TAILLE_MAX_REQUETE // (1024 * 1024)
            return render(
                request, "accueil/trop_volumineux.html", {"title": "Envoi trop volumineux", "mo": mo}, status=413
            )
        return self.get_response(request)
