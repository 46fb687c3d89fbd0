"""The base of every management command that changes data: a dry run by default (`--wet-run` to act), one summary
line in one French format, logging, and a dry run that can never leave a write behind.

A command says what it does in `agir(wet_run=…, **options)`, which returns a `Bilan`; the base prints it:

    [simulation : rien n'est écrit ; relancer avec --wet-run pour agir]
    <one line per thing done>
    Bilan : 3 communes créées ; 1 commune mise à jour.

Each domain function keeps its own dry-run semantics: most compute without writing (the base then touches no
database itself); a command whose dry run writes then undoes it sets `simulation_annulee`, and the base runs that dry
run inside a transaction it rolls back, so nothing can stay behind. A command that only writes to the database sets
`atomique`: its wet run is all or nothing."""

import logging
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

logger = logging.getLogger("sas.commands")

SIMULATION = "[simulation : rien n'est écrit ; relancer avec --wet-run pour agir]"


@dataclass
class Bilan:
    """What a command did (or would do): detail lines, then counts ("3 communes créées"), and an error to raise once
    everything is printed (a catalogue with invalid rows…)."""

    lignes: list = field(default_factory=list)
    comptes: list = field(default_factory=list)
    echec: str = ""

    @classmethod
    def des_actions(cls, actions, quoi, *, faites, a_faire, wet_run):
        """One line per action, then their count: "3 étape(s) exécutée(s)", or "à exécuter" in a dry run."""
        return cls(lignes=[str(action) for action in actions]).compter(
            len(actions), f"{quoi} {faites if wet_run else a_faire}"
        )

    @classmethod
    def des_comptes(cls, rapport, comptes):
        """One count per attribute of `rapport` that `comptes` ({attribute: label}) names, in its order."""
        bilan = cls()
        for attribut, libelle in comptes.items():
            bilan.compter(getattr(rapport, attribut), libelle)
        return bilan

    def compter(self, nombre, libelle):
        self.comptes.append((nombre, libelle))
        return self

    def resume(self, *, wet_run):
        comptes = " ; ".join(f"{nombre} {libelle}" for nombre, libelle in self.comptes) or "rien à faire"
        return f"{'Bilan' if wet_run else 'Bilan de la simulation'} : {comptes}."


class DataCommand(BaseCommand):
    """Subclasses set `help`, implement `agir()`, and may add arguments in `ajouter_arguments()`."""

    wet_run_help = "agir (sinon simulation)"
    # Errors of the domain functions shown as a plain French message instead of a traceback.
    erreurs = (ValueError,)
    # True when a wet run only writes to the database, so that it is all or nothing. Commands that send messages
    # keep their own per-item transactions: what was sent stays recorded as sent.
    atomique = False
    # True when the dry run writes and relies on a rollback: the base rolls back around it as well.
    simulation_annulee = False

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help=self.wet_run_help)
        self.ajouter_arguments(parser)

    def ajouter_arguments(self, parser):
        pass

    def agir(self, *, wet_run, **options):
        raise NotImplementedError

    def handle(self, *args, wet_run=False, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        try:
            bilan = self._run(wet_run, options)
        except self.erreurs as error:
            logger.warning("%s : %s", name, error)
            raise CommandError(str(error)) from error
        if not wet_run:
            self.stdout.write(SIMULATION)
        for ligne in bilan.lignes:
            self.stdout.write(ligne)
        resume = bilan.resume(wet_run=wet_run)
        self.stdout.write(resume)
        logger.info("%s%s : %s", name, "" if wet_run else " (simulation)", resume)
        if bilan.echec:
            logger.warning("%s : %s", name, bilan.echec)
            raise CommandError(bilan.echec)

    def _run(self, wet_run, options):
        options = {key: value for key, value in options.items() if key not in _BASE_OPTIONS}
        if not (self.atomique if wet_run else self.simulation_annulee):
            return self.agir(wet_run=wet_run, **options)
        with transaction.atomic():
            bilan = self.agir(wet_run=wet_run, **options)
            if not wet_run:
                transaction.set_rollback(True)
        return bilan


class ActionsCommand(DataCommand):
    """A command whose domain function, `actions(wet_run=…)`, returns what it did (or would do), one line each:
    the summary counts them as `quoi` `faites` (or `a_faire` in a dry run)."""

    actions = None
    quoi = faites = a_faire = ""

    def agir(self, *, wet_run):
        actions = self.actions(wet_run=wet_run)
        return Bilan.des_actions(actions, self.quoi, faites=self.faites, a_faire=self.a_faire, wet_run=wet_run)


class RapportCommand(DataCommand):
    """A command whose domain function, `rapport(wet_run=…)`, returns a report of counts: the summary gives those of
    its attributes that `comptes` ({attribute: label}) names."""

    rapport = None
    comptes = {}

    def agir(self, *, wet_run):
        return Bilan.des_comptes(self.rapport(wet_run=wet_run), self.comptes)


# Django's own options, which the domain functions do not take.
_BASE_OPTIONS = frozenset(
    {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks", "stdout", "stderr"}
)
