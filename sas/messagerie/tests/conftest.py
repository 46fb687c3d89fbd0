import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sas.organisations.models import Organisation, OrganisationKind
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Parcours

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # March: Paris is UTC+1
# A Tuesday morning, inside the hours messages may go out.
MARDI = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


class FauxFournisseur:
    """A local HTTP server standing in for the SMS provider (Brevo's transactional SMS shape).

    `script` holds what the next requests get: "ok", an HTTP status (500, 400…), "lent" (accepts the SMS, then
    answers too late for the client's timeout). Like the provider's idempotency, a second request with a tag
    already accepted is answered with the first messageId and delivers nothing."""

    def __init__(self):
        self.requetes = []
        self.livraisons = []
        self.ids = {}
        self.script = []
        self.liberer = threading.Event()
        self.verrou = threading.Lock()

    def livrees(self, tag):
        return self.livraisons.count(tag)

    def _accepter(self, tag):
        with self.verrou:
            if tag not in self.ids:
                self.ids[tag] = str(1000 + len(self.ids))
                self.livraisons.append(tag)
            return self.ids[tag]

    def repondre(self, handler):
        longueur = int(handler.headers.get("content-length") or 0)
        corps = json.loads(handler.rfile.read(longueur) or b"{}")
        with self.verrou:
            entetes = {cle.lower(): valeur for cle, valeur in handler.headers.items()}
            self.requetes.append({"headers": entetes, "json": corps, "path": handler.path})
            comportement = self.script.pop(0) if self.script else "ok"
        if comportement == "lent":
            self._accepter(corps.get("tag"))
            self.liberer.wait(10)
            comportement = "ok"
        if comportement == "ok":
            statut, reponse = 201, {"reference": "ref", "messageId": self._accepter(corps.get("tag"))}
        elif comportement == 400:
            statut, reponse = 400, {"code": "invalid_parameter", "message": "Invalid phone number for recipient"}
        else:
            statut, reponse = comportement, {"code": "error", "message": "Internal error"}
        octets = json.dumps(reponse).encode()
        try:
            handler.send_response(statut)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(octets)))
            handler.end_headers()
            handler.wfile.write(octets)
        except OSError:
            pass  # the client gave up (timeout) before the answer


@pytest.fixture
def fournisseur_sms(settings):
    """Starts the fake provider and points settings at it (SAS_SMS_PROVIDER="http")."""
    faux = FauxFournisseur()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            faux.repondre(self)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serveur.daemon_threads = True
    thread = threading.Thread(target=serveur.serve_forever, daemon=True)
    thread.start()
    settings.SAS_SMS_PROVIDER = "http"
    settings.SAS_SMS_API_URL = f"http://127.0.0.1:{serveur.server_address[1]}/v3/transactionalSMS/sms"
    settings.SAS_SMS_API_KEY = "cle-api-de-test"
    settings.SAS_SMS_TIMEOUT = 2
    yield faux
    faux.liberer.set()
    serveur.shutdown()
    serveur.server_close()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SAS_SITE_URL = "https://sas.beta.gouv.fr"
    settings.SAS_SMS_PROVIDER = "outbox"
    settings.SAS_SMS_WEBHOOK_SECRET = "secret-des-rappels"


@pytest.fixture
def parcours(territory, aiguilleur):
    return nouveau_parcours(territory, aiguilleur)


def nouveau_parcours(territoire, conseiller=None, prescripteur="Mission locale de Lyon", **jeune):
    jeune = {"prenom": "Inès", "telephone": "+33612345678", "email": "ines@example.org", **jeune}
    parcours = ParcoursFactory(
        territory=territoire,
        at=MARDI - datetime.timedelta(days=1),
        **{f"jeune__{cle}": valeur for cle, valeur in jeune.items()},
    )
    organisation, _ = Organisation.objects.get_or_create(
        nom=prescripteur, territory=territoire, defaults={"kind": OrganisationKind.MISSION_LOCALE}
    )
    SignalementFactory(parcours=parcours, organisation=organisation)
    if conseiller:
        from sas.aiguillage.services import assigner

        assigner(parcours, conseiller, par=None, at=MARDI - datetime.timedelta(hours=20))
    return Parcours.objects.select_related("jeune", "conseiller").get(pk=parcours.pk)
