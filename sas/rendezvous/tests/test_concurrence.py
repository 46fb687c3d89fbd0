import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sas.parcours.factories import ParcoursFactory

from ..models import RendezVous
from ..services import reserver
from .conftest import lundi


@pytest.mark.django_db(transaction=True)
def test_two_young_people_booking_the_same_slot_at_once_get_one_appointment(creneau, territory):
    """Two real connections book at the same moment: one appointment, and a French error for the other."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
    jeunes = [ParcoursFactory(territory=territory) for _ in range(2)]
    barrier = threading.Barrier(len(jeunes))
    results = []

    def book(parcours):
        try:
            barrier.wait(timeout=10)
            results.append(reserver(parcours, creneau, pris_par="jeune", at=lundi()))
        except ValidationError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in jeunes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 2
    assert len(errors) == 1
    assert errors[0].messages == ["Ce créneau vient d'être réservé : choisissez-en un autre."]
    assert RendezVous.objects.filter(creneau=creneau).count() == 1
