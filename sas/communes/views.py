from django.http import JsonResponse
from django.views.decorators.cache import cache_control

from .models import Commune


@cache_control(max_age=3600, public=True)
def search(request):
    """Communes by name or postcode, for form autocompletion (public reference data, also used by the public form)."""
    communes = Commune.objects.search(request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {"code_insee": c.code_insee, "nom": c.nom, "codes_postaux": c.codes_postaux.split(), "label": str(c)}
                for c in communes
            ]
        }
    )
