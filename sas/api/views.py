from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sas.permissions import prescriber_organisations

from .api import error_response
from .forms import JetonForm
from .models import ApiToken

PAR_PAGE = 50


@login_required
def jetons(request):
    organisations = prescriber_organisations(request.user)
    form = JetonForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        token, clear = ApiToken.issue(form.cleaned_data["organisation"], form.cleaned_data["name"], request.user)
        # Shown in this response only, never kept (not even in the session): the browser must not cache it.
        response = render(request, "api/jeton_cree.html", {"token": token, "clear": clear, "title": "Jeton créé"})
        add_never_cache_headers(response)
        return response
    tokens = (
        ApiToken.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk")
    )
    return render(
        request,
        "api/jetons.html",
        {
            "page": Paginator(tokens, PAR_PAGE).get_page(request.GET.get("page")),
            "form": form,
            "several_organisations": len(form.organisations) > 1,
            "title": "Accès à l'API",
        },
    )


@login_required
@require_POST
def revoquer(request, pk):
    token = get_object_or_404(ApiToken.objects.filter(organisation__in=prescriber_organisations(request.user)), pk=pk)
    token.revoke()
    messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne donne plus accès à l'API.")
    return redirect("api:jetons")


@csrf_exempt
def api_not_found(request):
    return error_response(request, 404, "introuvable", "Cette adresse n'existe pas dans l'API.")
