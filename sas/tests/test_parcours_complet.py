"""The whole journey through the interface only, against the real service: `make run`'s processes (Procfile.dev: web
server, task worker, scheduler) on a database of their own, the demo territory loaded as `make run` loads it, SMS to
the local HTTP stub, e-mails to a local SMTP server.

The prescriber signals a young person; the worker sends the first SMS; the young person opens the link of that SMS on
a 360 px phone, accepts and picks a slot; the counsellor finds them in the queue, runs the diagnostic and proposes
a service; the young person chooses it from the link of the next SMS; the structure opens the magic link of its
e-mail, accepts, sets the first meeting and confirms the take-up; the prescriber sees "Pris en charge".

Nobody types an address but the login page's and the links they received. Every page shown is checked with axe
(moderate, serious and critical violations fail), and on the phone for sideways scrolling. The processes run with
the quiet hours open round the clock (a development server may widen them), so the test does not depend on the
clock."""

import datetime
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from sas.browser_testing import needs_browser, serious_violations

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30_000
# What the worker and the SMTP/SMS stubs may take on a busy machine before the test gives up.
MESSAGE_WAIT = 90
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
PASSWORD = "demo-sas-2026"  # noqa: S105 (the demo accounts' published password)
JEUNE = {"prenom": "Noé", "nom": "Arnaud-Parcours", "telephone": "06 12 34 56 78", "naissance": "2006-05-14"}
SERVICE = "Logement temporaire en foyer de jeunes travailleurs"
STRUCTURE_EMAIL = "contact@fjt-villeurbanne.example.org"
# axe's impacts that fail the test.
REPORTED = ("moderate", "serious", "critical")

pytestmark = [needs_browser, pytest.mark.browser]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Database:
    """A database of the service's own, as `make run` has: PostgreSQL beside the test database when DATABASE_URL
    points at PostgreSQL, else an SQLite file."""

    def __init__(self, tmp_path):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            config = dj_database_url.parse(url)
            self.name = f"test_{config['NAME']}_parcours_complet"
            self.server = {
                "host": config["HOST"] or "127.0.0.1",
                "port": config["PORT"] or 5432,
                "user": config["USER"],
                "password": config["PASSWORD"],
                "dbname": "postgres",
            }
            self.url = url.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite:///{tmp_path / 'sas.sqlite3'}"

    def _admin(self, sql):
        with psycopg.connect(**self.server, autocommit=True) as connection:
            connection.execute(sql)

    def create(self):
        if self.postgres:
            self.drop()
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# The processes of Procfile.dev the journey needs (not the rights screening's OpenFisca, when there is one).
PROCESSES = {"web", "worker", "scheduler"}


class Service:
    """The processes of Procfile.dev, as `make run` starts them, the web server on a free port."""

    def __init__(self, env, logs):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "SITE_URL": self.url}
        self.logs = logs
        self.processes = {}

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}\n{result.stdout}\n{result.stderr}"

    def start(self):
        for line in (ROOT / "Procfile.dev").read_text().splitlines():
            name, command = (part.strip() for part in line.split(":", 1))
            if name not in PROCESSES:
                continue
            if name == "web":
                assert "127.0.0.1:8000" in command, "Procfile.dev's web server moved: update this test"
                command = command.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")
            args = shlex.split(command)
            if args[0] == "python":
                args[0] = sys.executable
            log = (self.logs / f"{name}.log").open("w")
            self.processes[name] = subprocess.Popen(  # noqa: S603 (the project's own Procfile)
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        assert set(self.processes) == PROCESSES, self.processes
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert all(process.poll() is None for process in self.processes.values()), self.tails()
            try:
                with urllib.request.urlopen(f"{self.url}/connexion/", timeout=5) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the web server did not answer\n" + self.tails())

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def tails(self):
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-40:])
            for path in sorted(self.logs.glob("*.log"))
        )


@pytest.fixture
def service(tmp_path, fournisseur_sms, smtp_server):
    """The service running, its messages going to the local SMS stub and SMTP server of this test."""
    database = Database(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {
            # `make run`'s environment (Makefile, DEV_ENV).
            "DJANGO_DEBUG": "1",
            "SAS_DEMO": "1",
            "DATABASE_URL": database.url,
            "SAS_SMS_PROVIDER": "http",
            "SAS_SMS_API_URL": django_settings.SAS_SMS_API_URL,
            "SAS_SMS_API_KEY": django_settings.SAS_SMS_API_KEY,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": django_settings.EMAIL_HOST,
            "EMAIL_PORT": str(django_settings.EMAIL_PORT),
            "SAS_ENVOI_DEBUT": "00:00",
            "SAS_ENVOI_FIN": "24:00",
            "SAS_ENVOI_JOURS_FERMES": "",
        }
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Service(env, logs)
    database.create()
    try:
        # What `make run` does before starting the processes, with a smaller demo territory.
        running.manage("migrate", "--noinput")
        running.manage("createcachetable")
        running.manage("importer_communes", "--wet-run")
        running.manage("charger_demo", "--wet-run", "--people", "40")
        running.start()
        yield running
    finally:
        running.stop()
        print(running.tails())
        database.drop()


class Personne:
    """One person's browser window. Each page it shows must pass `regarder()` (axe, and no sideways scrolling on a
    phone) before the next one: `tout_vu()` says whether one was left unchecked."""

    def __init__(self, browser, viewport):
        self.page = browser.new_context(locale="fr-FR", viewport=viewport).new_page()
        self.width = viewport["width"]
        self.a_regarder = []
        self.oublies = []
        self.regardees = []
        self.page.on("framenavigated", self._navigation)

    def _navigation(self, frame):
        if frame == self.page.main_frame:
            self.oublies.extend(self.a_regarder)
            self.a_regarder = [frame.url]

    def regarder(self):
        self.page.wait_for_load_state()
        assert serious_violations(self.page, impacts=REPORTED) == [], self.page.url
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= self.width, f"{self.page.url}: {scroll} px wide on a {self.width} px screen"
        self.a_regarder = []
        self.regardees.append(self.page.url)
        return self.page

    def tout_vu(self):
        return self.oublies + self.a_regarder == []

    def connecter(self, service, email):
        page = self.page
        page.goto(f"{service.url}/connexion/")
        self.regarder()
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        return self.regarder()

    def cliquer(self, role, name, **kwargs):
        self.page.get_by_role(role, name=name, **kwargs).first.click()
        return self.regarder()


def attendre(condition, quoi):
    deadline = time.monotonic() + MESSAGE_WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"still waiting for {quoi}")


def envoyes(fournisseur, numero):
    return [requete["json"]["content"] for requete in fournisseur.requetes if requete["json"]["recipient"] == numero]


def sms_recu(fournisseur, numero, deja):
    """The link of the first SMS to `numero` after the first `deja` ones."""
    for texte in envoyes(fournisseur, numero)[deja:]:
        lien = re.search(r"https?://\S+", texte)
        if lien:
            return lien.group(0)
    return None


def courriel_recu(boite, adresse, prenom, deja):
    for mail in boite[deja:]:
        texte = mail.get_content()
        if adresse in mail["To"] and prenom in texte:
            lien = re.search(r"https?://\S+/orientation/s/[\w-]+/", texte)
            if lien:
                return lien.group(0)
    return None


def test_the_whole_journey_through_the_interface(service, browser, fournisseur_sms, smtp_server):
    numero = "33612345678"
    nom_complet = f"{JEUNE['prenom']} {JEUNE['nom']}"

    # The prescriber signals the young person.
    prescripteur = Personne(browser, DESK)
    page = prescripteur.connecter(service, "prescripteur@demo.sas.localhost")
    prescripteur.cliquer("link", "Signaler un jeune")
    page.get_by_label("Prénom du jeune").fill(JEUNE["prenom"])
    page.get_by_role("textbox", name=re.compile(r"^Nom\b")).fill(JEUNE["nom"])
    page.get_by_label("Commune où vit le jeune").fill("Villeurbanne")
    page.get_by_label("Date de naissance").fill(JEUNE["naissance"])
    page.get_by_label("Téléphone").fill(JEUNE["telephone"])
    prescripteur.cliquer("button", "Envoyer le signalement")
    page.get_by_text(f"Signalement de {JEUNE['prenom']} enregistré").wait_for(timeout=WAIT)

    # The worker sends the first SMS; the young person opens its link on their phone, accepts and picks a slot.
    lien = attendre(lambda: sms_recu(fournisseur_sms, numero, 0), "the first SMS")
    jeune = Personne(browser, PHONE)
    page = jeune.page
    page.goto(lien)
    jeune.regarder()
    page.get_by_role("heading", level=1, name=f"Bonjour {JEUNE['prenom']}").wait_for(timeout=WAIT)
    jeune.cliquer("button", "J'accepte d'être accompagné ou accompagnée")
    page.get_by_role("radio", name=re.compile("en personne")).first.check(force=True)
    jeune.cliquer("button", "Choisir ce rendez-vous")
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=WAIT)

    # The counsellor finds them in the queue and runs the diagnostic.
    conseiller = Personne(browser, DESK)
    page = conseiller.connecter(service, "aiguilleur@demo.sas.localhost")
    page.get_by_label("Rechercher un jeune").fill(JEUNE["nom"])
    conseiller.cliquer("button", "Filtrer")
    conseiller.cliquer("link", re.compile(JEUNE["nom"]))
    page.get_by_role("heading", level=1, name=re.compile(JEUNE["prenom"])).wait_for(timeout=WAIT)
    conseiller.cliquer("link", "Commencer le diagnostic")
    conseiller.cliquer("button", "Commencer le diagnostic")
    conseiller.cliquer("link", "Commencer l'entretien")
    page.get_by_role("heading", name="Urgence").wait_for(timeout=WAIT)
    page.get_by_text("Un endroit où dormir ce soir", exact=True).click()
    conseiller.cliquer("button", "Enregistrer et continuer")
    plan = page.get_by_role("heading", name="Besoins et plan d'action")
    while not plan.is_visible():
        conseiller.cliquer("button", "Passer cette étape")
    page.get_by_label("Objectifs").fill("Trouver un hébergement")
    conseiller.cliquer("button", "Enregistrer et voir la synthèse")
    conseiller.cliquer("button", "Terminer le diagnostic")
    page.get_by_text("Diagnostic terminé.").wait_for(timeout=WAIT)

    # Back to the journey: the next action is to propose services.
    conseiller.cliquer("link", re.compile(f"Parcours de {JEUNE['prenom']}"))
    conseiller.cliquer("link", "Proposer des structures")
    page.get_by_role("heading", name=f"Services classés pour {JEUNE['prenom']}").wait_for(timeout=WAIT)
    page.locator("label", has_text=SERVICE).first.click()
    vus = len(envoyes(fournisseur_sms, numero))
    conseiller.cliquer("button", "Proposer au jeune")
    page.get_by_text("Services proposés : le jeune les voit sur sa page").wait_for(timeout=WAIT)

    # The young person chooses from the link of the SMS that tells them.
    lien = attendre(lambda: sms_recu(fournisseur_sms, numero, vus), "the SMS of the proposals")
    deja = len(smtp_server)
    page = jeune.page
    page.goto(lien)
    jeune.regarder()
    jeune.cliquer("link", "Voir et choisir")
    page.get_by_role("heading", name="Vérifions que c'est bien vous").wait_for(timeout=WAIT)
    page.get_by_label("Votre date de naissance").fill(JEUNE["naissance"])
    jeune.cliquer("button", "Valider")
    jeune.cliquer("button", f"Je choisis ce service : {SERVICE}")
    page.get_by_text("C'est envoyé à").wait_for(timeout=WAIT)

    # The structure opens the magic link of its e-mail, accepts, sets the first meeting, confirms the take-up.
    lien = attendre(
        lambda: courriel_recu(smtp_server, STRUCTURE_EMAIL, JEUNE["prenom"], deja), "the structure's e-mail"
    )
    structure = Personne(browser, DESK)
    page = structure.page
    page.goto(lien)
    structure.regarder()
    page.get_by_role("heading", level=1, name=f"Orientation de {JEUNE['prenom']}").wait_for(timeout=WAIT)
    structure.cliquer("button", "Accepter l'orientation")
    page.get_by_text("Orientation acceptée").wait_for(timeout=WAIT)
    rencontre = timezone.localtime() - datetime.timedelta(hours=1)
    page.get_by_label("Date et heure du premier rendez-vous").fill(rencontre.strftime("%Y-%m-%dT%H:%M"))
    structure.cliquer("button", "Enregistrer le premier rendez-vous")
    structure.cliquer("button", "Confirmer la prise en charge")
    page.get_by_role("heading", name="Orientation terminée").wait_for(timeout=WAIT)

    # The prescriber sees what became of the young person they signalled.
    page = prescripteur.page
    prescripteur.cliquer("link", "Mes signalements")
    ligne = page.get_by_role("row").filter(has_text=nom_complet)
    assert "Pris en charge" in ligne.inner_text()

    for personne in (prescripteur, jeune, conseiller, structure):
        print(*personne.regardees, sep="\n")
        assert personne.tout_vu(), personne.oublies + personne.a_regarder
