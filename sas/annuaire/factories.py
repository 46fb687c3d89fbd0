"""Schema rows and saved directory entries for tests (other apps' tests included)."""

from .imports import import_rows
from .models import Service
from .schema import SERVICE, STRUCTURE

SOURCE = "test"


def structure_row(key="s1", **fields):
    return {
        "source": SOURCE,
        "id": f"{SOURCE}--{key}",
        "nom": f"Structure {key}",
        "date_maj": "2025-06-01",
        **fields,
    }


def service_row(key="a", structure="s1", **fields):
    return {
        "source": SOURCE,
        "structure_id": f"{SOURCE}--{structure}",
        "id": f"{SOURCE}--{key}",
        "nom": f"Service {key}",
        "description": f"Description du service {key}.",
        "date_maj": "2025-06-01",
        **fields,
    }


def create_catalogue(structures, services):
    """Import schema rows (wet run) and fail loudly if any is rejected."""
    rows = [(f"structure {i}", STRUCTURE, row) for i, row in enumerate(structures, 1)]
    rows += [(f"service {i}", SERVICE, row) for i, row in enumerate(services, 1)]
    rapport = import_rows(rows, wet_run=True)
    assert not rapport.rejets, [str(r) for r in rapport.rejets]
    return rapport


def service(key="a", structure_fields=None, **fields):
    """One saved Service (and its structure), through the import."""
    create_catalogue([structure_row(**(structure_fields or {}))], [service_row(key, **fields)])
    return Service.objects.get(identifiant=f"{SOURCE}--{key}")
