from django.conf import settings
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
