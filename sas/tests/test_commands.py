"""The base of the commands that change data (sas/commands.py): dry run by default, one summary format, atomicity."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command

from sas.commands import SIMULATION, Bilan, DataCommand
from sas.organisations.models import Territory

pytestmark = pytest.mark.django_db
NOMS = ["Rhône", "Ain"]


class CreerTerritoires(DataCommand):
    """Creates the territories missing from NOMS (idempotent), or says which it would create."""

    def ajouter_arguments(self, parser):
        parser.add_argument("--echouer-apres", type=int, default=None)

    def agir(self, *, wet_run, echouer_apres=None):
        missing = [nom for nom in NOMS if not Territory.objects.filter(nom=nom).exists()]
        bilan = Bilan()
        for position, nom in enumerate(missing, start=1):
            if wet_run:
                Territory.objects.create(nom=nom)
            bilan.lignes.append(f"Territoire {nom}")
            if position == echouer_apres:
                raise ValueError(f"Arrêt après {nom}.")
        return bilan.compter(len(missing), "territoire(s) créé(s)" if wet_run else "territoire(s) à créer")


class Atomique(CreerTerritoires):
    atomique = True


class SimulationQuiEcrit(CreerTerritoires):
    """A dry run that writes, as the demo's does: the base rolls it back."""

    simulation_annulee = True

    def agir(self, *, wet_run, echouer_apres=None):
        return super().agir(wet_run=True, echouer_apres=echouer_apres)


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().splitlines()


def test_a_dry_run_writes_nothing_and_says_what_it_would_do():
    assert run(CreerTerritoires()) == [
        SIMULATION,
        "Territoire Rhône",
        "Territoire Ain",
        "Bilan de la simulation : 2 territoire(s) à créer.",
    ]
    assert not Territory.objects.exists()


def test_the_wet_run_writes_and_a_second_run_does_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="sas.commands"):
        first = run(CreerTerritoires(), "--wet-run")
    assert first == ["Territoire Rhône", "Territoire Ain", "Bilan : 2 territoire(s) créé(s)."]
    assert sorted(Territory.objects.values_list("nom", flat=True)) == ["Ain", "Rhône"]
    assert "Bilan : 2 territoire(s) créé(s)." in caplog.text
    assert run(CreerTerritoires(), "--wet-run") == ["Bilan : 0 territoire(s) créé(s)."]
    assert Territory.objects.count() == 2


def test_a_dry_run_that_writes_is_rolled_back():
    assert run(SimulationQuiEcrit())[-1] == "Bilan de la simulation : 2 territoire(s) créé(s)."
    assert not Territory.objects.exists()


def test_a_domain_error_is_a_plain_french_message_and_an_atomic_command_writes_nothing():
    with pytest.raises(CommandError, match="Arrêt après Ain."):
        run(Atomique(), "--wet-run", "--echouer-apres", "2")
    assert not Territory.objects.exists()
    # Without atomicity, what was done before the error stays (commands that send messages keep what was sent).
    with pytest.raises(CommandError, match="Arrêt après Rhône."):
        run(CreerTerritoires(), "--wet-run", "--echouer-apres", "1")
    assert list(Territory.objects.values_list("nom", flat=True)) == ["Rhône"]


def test_a_failed_summary_is_printed_then_raised():
    class Rejets(DataCommand):
        def agir(self, *, wet_run):
            return Bilan(lignes=["Ligne 3 : nom manquant"], echec="Le fichier contient des lignes invalides.")

    out = io.StringIO()
    with pytest.raises(CommandError, match="lignes invalides"):
        call_command(Rejets(), "--wet-run", stdout=out)
    assert out.getvalue().splitlines() == ["Ligne 3 : nom manquant", "Bilan : rien à faire."]


@pytest.mark.parametrize(
    "name",
    [
        "avancer_cadence",
        "importer_annuaire",
        "charger_annuaire_demo",
        "importer_communes",
        "publier_questionnaires",
        "envoyer_messages_dus",
        "relancer_orientations",
        "envoyer_resumes_prescripteurs",
        "charger_demo",
    ],
)
def test_every_command_that_changes_data_uses_the_base(name):
    from django.core.management import get_commands, load_command_class

    assert isinstance(load_command_class(get_commands()[name], name), DataCommand)
