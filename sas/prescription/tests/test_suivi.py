"""Finding 3 of issue #10: a prescriber read every event's free text (the receiving structure, a structure's
refusal, the counsellor's exit reason) and who else signalled. Each attack goes through the real entry point."""

import datetime
import html

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sas.annuaire.factories import service
from sas.api.models import ApiToken
from sas.jeunes.models import CollectionMethod, Consent, Purpose
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation import services as orientation
from sas.orientation import transitions as orientation_transitions
from sas.orientation.models import ActorKind, OrientationStatus, Reason
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import SIDE_EXITS, Status
from sas.permissions.suivi import LIBELLES, SORTIES, avec_suivi, vue_prescripteur
from sas.prescription.digest import changes_for
from sas.prescription.models import PrescripteurPreferences
from sas.prescription.rencontres import proposer_rencontre
from sas.prescription.stats import stages_reached

pytestmark = pytest.mark.django_db

STRUCTURE = "Point-justice de Vaulx-en-Velin"
REFUS = "Casier judiciaire incompatible avec le foyer"
SORTIE = "Reparti en détention à Corbas"
AUTRE_ORGANISATION = "SPIP du Rhône"
AUTRE_MOTIF = "Sortie de détention prévue en mars"
SECRETS = [STRUCTURE, "Point-justice", REFUS, SORTIE, AUTRE_ORGANISATION, AUTRE_MOTIF]

T0 = timezone.now() - datetime.timedelta(days=30)


def day(n):
    return T0 + datetime.timedelta(days=n)


def leaked(text):
    """The secrets found in `text`, raw or HTML-escaped."""
    return [s for s in SECRETS if s in text or html.escape(s) in text]


@pytest.fixture
def org_p(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom="ASE de Lyon")


@pytest.fixture
def org_q(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP, nom=AUTRE_ORGANISATION)


@pytest.fixture
def prescriber(org_p):
    return member(Role.PRESCRIPTEUR, org_p)


@pytest.fixture
def aiguilleur(aiguilleur):
    """The root conftest's counsellor, with a name that must never reach a prescriber."""
    aiguilleur.first_name, aiguilleur.last_name = "Séverine", "Conseillère"
    aiguilleur.save()
    return aiguilleur


@pytest.fixture
def point_justice():
    return service("acces-droit", structure_fields={"nom": STRUCTURE, "courriel": "pj@example.org"})


def send_to(parcours, point_justice, aiguilleur, at):
    orientation.consentir(parcours, point_justice.structure, diagnostic=False, via=CollectionMethod.ORAL, at=at)
    return orientation.envoyer(parcours, point_justice, actor_kind=ActorKind.CONSEILLER, actor=aiguilleur, at=at)


@pytest.fixture
def journey(territory, org_p, org_q, aiguilleur, point_justice, client):
    """P signalled; Q signalled too; a referral to a Point-justice, refused by it with a text; then the counsellor
    closed the journey with their own words, through the status form."""
    parcours = SignalementFactory(
        organisation=org_p,
        created_at=T0,
        parcours__territory=territory,
        parcours__at=T0,
        parcours__jeune__prenom="Inès",
    ).parcours
    SignalementFactory(parcours=parcours, organisation=org_q, created_at=day(0.1), motif=AUTRE_MOTIF)
    transitions.record_fact(
        parcours, EventKind.SIGNALEMENT, reason=f"Nouveau signalement : {AUTRE_ORGANISATION}", at=day(0.1)
    )
    for n, status in enumerate([Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT], 1):
        transitions.transition(parcours, status, actor=aiguilleur, at=day(n))
    referral = send_to(parcours, point_justice, aiguilleur, day(4))
    orientation_transitions.transition(
        referral, OrientationStatus.REFUSEE, actor_kind=ActorKind.STRUCTURE, reason=Reason.AUTRE, precision=REFUS
    )
    client.force_login(aiguilleur)
    response = client.post(
        reverse("parcours:change_status", args=[parcours.uuid]), {"to_status": Status.ABANDON, "reason": SORTIE}
    )
    assert response.status_code == 302
    parcours.refresh_from_db()
    assert parcours.status == Status.ABANDON
    client.logout()
    return parcours


def api_get(client, organisation, url):
    token = ApiToken.issue(organisation, "Logiciel")[1]
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response


def test_every_side_exit_has_a_neutral_label_and_no_label_is_free_text():
    assert set(SORTIES) == SIDE_EXITS
    assert set(LIBELLES) == set(Status)


def test_the_counsellor_still_reads_the_whole_history(client, journey, aiguilleur):
    client.force_login(aiguilleur)
    page = client.get(reverse("parcours:detail", args=[journey.uuid])).content.decode()
    assert leaked(page) == SECRETS  # the history and, in the signalements' context, Q's own text (issue 12)
    assert "Séverine Conseillère" in page


def test_the_prescribers_journey_page_shows_stages_only(client, journey, prescriber):
    client.force_login(prescriber)
    page = client.get(reverse("parcours:detail", args=[journey.uuid])).content.decode()
    assert leaked(page) == []
    assert "Séverine" not in page and "Changer le statut" not in page
    for label in ["Signalé", "Contacté", "Diagnostic fait", "Orientation envoyée", SORTIES[Status.ABANDON]]:
        assert html.escape(label) in page
    assert "Fin de prise en charge ASE à la majorité" in page  # what they wrote themselves


def test_mes_signalements_shows_the_neutral_exit_label(client, journey, prescriber):
    client.force_login(prescriber)
    page = client.get(reverse("parcours:mes_signalements")).content.decode()
    assert leaked(page) == []
    assert html.escape(SORTIES[Status.ABANDON]) in page


def test_the_weekly_digest_tells_stages_only(journey, prescriber, smtp_server):
    PrescripteurPreferences.objects.create(user=prescriber, digest_hebdo=True, last_digest_at=day(-1))
    call_command("envoyer_resumes_prescripteurs", "--wet-run")
    [message] = smtp_server
    body = message.get_content()
    assert leaked(body) == [] and leaked(message["Subject"]) == []
    assert "Orientation envoyée le" in body and SORTIES[Status.ABANDON] in body
    # a_contacter, contacté, diagnostic fait, orientation proposée, envoyée, refusée, abandon: the start is not news
    assert "7 nouvelles étapes" in message["Subject"]


def test_the_api_answers_fixed_codes_and_labels(client, journey, org_p):
    one = api_get(client, org_p, f"/api/v1/signalements/{journey.uuid}")
    listed = api_get(client, org_p, "/api/v1/signalements")
    for response in (one, listed):
        assert leaked(str(response.json())) == []
    body = one.json()
    assert body["etape"] == {"code": "abandon", "libelle": SORTIES[Status.ABANDON]}
    assert [e["code"] for e in body["etapes"]] == [
        "signale",
        "a_contacter",
        "contacte",
        "diagnostic_fait",
        "orientation_proposee",
        "orientation_envoyee",
        "orientation_refusee",
        "abandon",
    ]
    assert body["structure_accueil"] is None
    assert listed.json()["resultats"] == [body]


def test_the_structure_is_named_only_to_the_prescriber_the_young_person_agreed_to_tell(
    client, territory, org_p, org_q, prescriber, aiguilleur, point_justice
):
    parcours = SignalementFactory(
        organisation=org_p, created_at=T0, parcours__territory=territory, parcours__at=T0
    ).parcours
    SignalementFactory(parcours=parcours, organisation=org_q, created_at=T0)
    for n, status in enumerate([Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT], 1):
        transitions.transition(parcours, status, at=day(n))
    send_to(parcours, point_justice, aiguilleur, day(4))
    retour = Consent.objects.create(
        jeune=parcours.jeune, purpose=Purpose.RETOUR_PRESCRIPTEUR, collected_via=CollectionMethod.ORAL
    )
    retour.organisations.add(org_p)
    # A consent of another purpose naming P tells P nothing.
    Consent.objects.create(
        jeune=parcours.jeune, purpose=Purpose.TRANSMISSION, collected_via=CollectionMethod.ORAL
    ).organisations.add(org_q)

    client.force_login(prescriber)
    assert STRUCTURE in client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert api_get(client, org_p, f"/api/v1/signalements/{parcours.uuid}").json()["structure_accueil"] == STRUCTURE
    client.force_login(member(Role.PRESCRIPTEUR, org_q))
    assert STRUCTURE not in client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert api_get(client, org_q, f"/api/v1/signalements/{parcours.uuid}").json()["structure_accueil"] is None

    retour.withdraw()
    client.force_login(prescriber)
    assert STRUCTURE not in client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()


def test_a_signalement_attached_later_follows_from_its_attachment_on(client, territory, org_p, org_q, prescriber):
    """Q signalled first; P's signalement was created at T0 but merged into the journey on day 4."""
    parcours = SignalementFactory(
        organisation=org_q, created_at=T0, parcours__territory=territory, parcours__at=T0
    ).parcours
    for n, status in enumerate([Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT], 1):
        transitions.transition(parcours, status, at=day(n))
    SignalementFactory(parcours=parcours, organisation=org_p, created_at=T0, attache_le=day(4))
    transitions.transition(parcours, Status.ORIENTATION_PROPOSEE, at=day(5))

    vue = vue_prescripteur(avec_suivi(Parcours.objects.all(), [org_p.pk]).get())
    assert [(e.code, e.at) for e in vue.etapes] == [
        (Status.SIGNALE, day(4)),
        (Status.ORIENTATION_PROPOSEE, day(5)),
    ]
    client.force_login(prescriber)
    page = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert "Contacté" not in page and "Diagnostic fait" not in page and "Orientation proposée" in page
    rows = client.get(reverse("parcours:mes_signalements")).content.decode()
    tbody = rows[rows.index("<tbody>") :]
    jour = [timezone.localtime(day(n)).strftime("%d/%m/%Y") for n in range(5)]
    assert jour[1] not in tbody and jour[2] not in tbody
    assert jour[4] in tbody  # "signalé le": when it joined, not when the journey began
    body = api_get(client, org_p, f"/api/v1/signalements/{parcours.uuid}").json()
    assert [e["code"] for e in body["etapes"]] == ["signale", "orientation_proposee"]
    assert dict(stages_reached(org_p)[1])["Contacté"] == 0
    assert dict(stages_reached(org_q)[1])["Contacté"] == 1

    assert [etape.code for _, etape in changes_for(prescriber, day(-1))] == [Status.ORIENTATION_PROPOSEE]


def test_the_meetings_page_shows_only_the_prescribers_own_meetings(client, territory, org_p, org_q, prescriber):
    fin = timezone.localdate() + datetime.timedelta(days=20)
    parcours = SignalementFactory(
        organisation=org_p, parcours__territory=territory, parcours__status=Status.SORTIE_A_VENIR
    ).parcours
    SignalementFactory(parcours=parcours, organisation=org_q, fin_accompagnement_le=fin)
    spip = member(Role.PRESCRIPTEUR, org_q)
    proposer_rencontre(
        parcours,
        organisation=org_q,
        proposed_by=spip,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        mode="presentiel",
        lieu="Maison d'arrêt de Corbas",
    )
    client.force_login(prescriber)
    for url in [
        reverse("parcours:detail", args=[parcours.uuid]),
        reverse("prescription:rencontre_liste", args=[parcours.uuid]),
    ]:
        page = html.unescape(client.get(url).content.decode())
        assert "Corbas" not in page and AUTRE_ORGANISATION not in page and fin.strftime("%d/%m/%Y") not in page
    client.force_login(spip)
    page = html.unescape(client.get(reverse("prescription:rencontre_liste", args=[parcours.uuid])).content.decode())
    assert "Corbas" in page and fin.strftime("%d/%m/%Y") in page


@pytest.mark.parametrize("who", ["other_organisation", "other_territory", "anonymous"])
def test_others_cannot_read_the_journey_page(client, journey, territory, who):
    url = reverse("parcours:detail", args=[journey.uuid])
    if who == "anonymous":
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        return
    organisation = OrganisationFactory(territory=territory if who == "other_organisation" else TerritoryFactory())
    client.force_login(member(Role.PRESCRIPTEUR, organisation))
    assert client.get(url).status_code == 404
    assert client.get(reverse("prescription:rencontre_liste", args=[journey.uuid])).status_code == 404
