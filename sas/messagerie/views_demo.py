"""The demo's inbox: what the demo sent, as each recipient received it. Only with SAS_DEMO=1 (404 otherwise), since
it shows the young people's links that staff pages mask; the demo's people are fictional."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from .models import RecuDemo

PAR_PAGE = 20


def boite(request):
    if not settings.SAS_DEMO:
        raise Http404
    recus = RecuDemo.objects.select_related("message")
    page = Paginator(recus, PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "messagerie/demo_messages.html", {"page": page, "title": "Messages reçus (démonstration)"})
