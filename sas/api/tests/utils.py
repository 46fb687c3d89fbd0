import datetime

from django.utils import timezone

URL = "/api/v1/signalements"


def auth(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


def payload(**jeune):
    return {
        "jeune": {
            "prenom": "Inès",
            "nom": "Benali",
            "date_naissance": (timezone.localdate() - datetime.timedelta(days=18 * 365 + 30)).isoformat(),
            "telephone": "06 12 34 56 78",
            "commune_insee": "69123",
            **jeune,
        },
        "contexte": {"motif": "Fin de prise en charge ASE à la majorité", "canal_prefere": "sms", "jeune_accord": True},
    }
