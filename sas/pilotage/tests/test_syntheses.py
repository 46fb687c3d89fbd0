"""Each journey's synthesis stays right when its records are written in bulk: by a file import, by anonymisation;
verifier_syntheses writes those a writer would have missed."""

import io

import pytest
from django.core.management import call_command

from sas.communes.factories import CommuneFactory, DepartementFactory
from sas.jeunes.models import TrancheAge
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import Parcours, SignalementSource
from sas.pilotage import donnees
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


def _verifier(*args):
    sortie = io.StringIO()
    call_command("verifier_syntheses", *args, stdout=sortie)
    return sortie.getvalue()


def test_verifier_syntheses_writes_the_missing_and_stale_ones_once():
    juste, manquant, perime = ParcoursFactory.create_batch(3)
    autre = TerritoryFactory()
    # Writers that bypassed the signals: a synthesis deleted, a journey moved by a queryset update.
    Synthese.objects.filter(parcours=manquant).delete()
    Parcours.objects.filter(pk=perime.pk).update(territory=autre)
    avant = list(Synthese.objects.order_by("pk").values())
    simulation = _verifier()
    assert "3 parcours vérifié(s) ; 1 synthèse(s) manquante(s) à écrire ; 1 synthèse(s) périmée(s) à réécrire" in (
        simulation
    )
    assert list(Synthese.objects.order_by("pk").values()) == avant
    assert "1 synthèse(s) manquante(s) écrite(s) ; 1 synthèse(s) périmée(s) réécrite(s)" in _verifier("--wet-run")
    assert Synthese.objects.get(parcours=perime).territory == autre
    ecrites = list(Synthese.objects.order_by("pk").values())
    # What the records give, as a writer through the signals would have written it.
    donnees.rafraichir(Parcours.objects.filter(pk__in=[juste.pk, manquant.pk, perime.pk]))
    assert list(Synthese.objects.order_by("pk").values()) == ecrites
    assert "0 synthèse(s) manquante(s) écrite(s) ; 0 synthèse(s) périmée(s) réécrite(s)" in _verifier("--wet-run")
