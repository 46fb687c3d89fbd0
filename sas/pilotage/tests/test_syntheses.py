"""Each journey's synthesis stays right when its records are written in bulk: by a file import, by anonymisation."""

import pytest

from sas.communes.factories import CommuneFactory, DepartementFactory
from sas.jeunes.models import TrancheAge
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import SignalementSource
from sas.pilotage.models import Synthese
from sas.prescription.services import SignalementData, signaler_many
from sas.rgpd.anonymisation import anonymiser

pytestmark = pytest.mark.django_db


def test_a_file_import_writes_its_journeys_syntheses_once_committed(django_capture_on_commit_callbacks):
    territory = TerritoryFactory()
    commune = territory.communes.get()
    ase = OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)
    rows = [
        SignalementData(prenom="Anna", telephone="+33612000001", commune=commune, tranche_age=TrancheAge.T15_17),
        SignalementData(prenom="Bilal", email="bilal@example.org", commune=commune, tranche_age=TrancheAge.T22_25),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        results = signaler_many(
            [(row, "") for row in rows],
            source=SignalementSource.PRESCRIPTEUR,
            organisation=ase,
            created_by=member(Role.PRESCRIPTEUR, ase),
        )
    syntheses = Synthese.objects.filter(parcours__in=[r.signalement.parcours for r in results]).order_by("parcours_id")
    assert [(s.territory, s.departement, s.source, s.organisation_id, s.tranche_age) for s in syntheses] == [
        (territory, commune.departement_id, "prescripteur", ase.pk, row.tranche_age) for row in rows
    ]


def test_an_anonymised_journey_stays_counted_in_its_departement():
    rhone = DepartementFactory(code="69")
    parcours = ParcoursFactory(jeune__commune=CommuneFactory(departement=rhone))
    assert Synthese.objects.get(parcours=parcours).departement == "69"
    assert anonymiser(parcours.jeune) is True
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.commune is None
    assert Synthese.objects.get(parcours=parcours).departement == "69"
