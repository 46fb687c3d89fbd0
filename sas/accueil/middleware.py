from django.conf import settings
from django.utils.cache import add_never_cache_headers

from sas.traces import PAGE_A_JETON


class EntetesMiddleware:
    """Permissions-Policy on every answer; a page opened by a bearer token (the young person's, a structure's) is
    never stored by a browser or a proxy, never indexed, and never named in a Referer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.SAS_PERMISSIONS_POLICY)
        if PAGE_A_JETON.match(request.path_info):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
            response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
