from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from .models import Commune


@login_required
def search(request):
    """Communes by name or postcode, for form autocompletion."""
    communes = Commune.objects.search(request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {"code_insee": c.code_insee, "nom": c.nom, "codes_postaux": c.codes_postaux.split(), "label": str(c)}
                for c in communes
            ]
        }
    )
