"""The follow-up pages on the real clock: the young person's one-tap answers (rights included), the structure's magic
link, the counsellor's page and positive exit, and who gets nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sas.diagnostic import services as diagnostics
from sas.droits.models import Estimation
from sas.droits.situation import DROITS, PARTICIPATION_CSS
from sas.espace_jeune.testing import verifier
from sas.messagerie.models import Message
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.status import Status
from sas.suivi import services
from sas.suivi.models import ActorKind, LienSuiviStructure, NatureSortie, RecoursDroit

from .conftest import envoyer_courriels_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(pris_en_charge_il_y_a_un_mois):
    parcours = pris_en_charge_il_y_a_un_mois
    services.avancer()
    return parcours.suivis.get().points.get(mois=1)


def _lien_jeune():
    return Message.objects.get(gabarit="point_etape").lien


def _estimation(parcours, montants):
    """A screening of the last diagnostic as OpenFisca would have answered it: `montants` {droit code: € a month}."""
    diagnostic = diagnostics.dernier_termine(parcours)
    mois = f"{timezone.localdate():%Y-%m}"
    reponse = {"familles": {"famille": {PARTICIPATION_CSS: {mois: 0}}}, "individus": {"jeune": {}}}
    for droit in DROITS:
        reponse[droit.entite][droit.cle][droit.variable] = {mois: montants.get(droit.code, 0)}
    Estimation.objects.create(diagnostic=diagnostic, mois=mois, entrees={}, reponse=reponse)


def test_the_young_person_answers_each_question_in_one_tap(client, point):
    parcours = point.suivi.parcours
    _estimation(parcours, {"rsa": 0, "aides_logement": 212.5, "css": True})
    attendus = [d.code for d in DROITS if d.code in ("aides_logement", "css")]
    lien = _lien_jeune()
    verifier(client, lien)
    # Their page puts the check-in first.
    assert (
        "Est-ce que votre accompagnement se passe bien"
        in client.get(reverse("espace_jeune:page", args=[lien.token])).content.decode()
    )

    url, repondre = reverse("suivi:jeune", args=[lien.token]), reverse("suivi:jeune_repondre", args=[lien.token])
    parcours_des_questions = [("accompagne", "oui"), ("utile", "un_peu"), ("besoin", "non")]
    parcours_des_questions += [(f"droit_{code}", "demande") for code in attendus]
    for question, valeur in parcours_des_questions:
        page = client.get(url).content.decode()
        assert f'name="question" value="{question}"' in page
        assert client.post(repondre, {"question": question, "valeur": valeur}).status_code == 302
    assert "Merci" in client.get(url).content.decode()
    assert services.reponses(point, ActorKind.JEUNE) == dict(parcours_des_questions)
    assert sorted(RecoursDroit.objects.values_list("droit", flat=True)) == sorted(attendus)
    # Answered: the page no longer puts the check-in first.
    assert (
        "Est-ce que votre accompagnement se passe bien"
        not in client.get(reverse("espace_jeune:page", args=[lien.token])).content.decode()
    )


def test_a_young_person_who_found_a_job_is_congratulated(client, point):
    lien = _lien_jeune()
    verifier(client, lien)
    repondre = reverse("suivi:jeune_repondre", args=[lien.token])
    client.post(repondre, {"question": "accompagne", "valeur": "sortie"})
    assert "Qu&#x27;avez-vous trouvé" in client.get(reverse("suivi:jeune", args=[lien.token])).content.decode()
    client.post(repondre, {"question": "sortie", "valeur": NatureSortie.EMPLOI})
    point.suivi.parcours.refresh_from_db()
    assert point.suivi.parcours.status == Status.SORTI_POSITIF
    assert "Bravo pour votre emploi" in client.get(reverse("suivi:jeune", args=[lien.token])).content.decode()


def test_a_wrong_answer_is_told_in_french_and_changes_nothing(client, point):
    lien = _lien_jeune()
    verifier(client, lien)
    reponse = client.post(
        reverse("suivi:jeune_repondre", args=[lien.token]), {"question": "accompagne", "valeur": "bof"}, follow=True
    )
    assert "choisissez une des réponses proposées" in reponse.content.decode()
    assert not services.reponses(point, ActorKind.JEUNE)


def test_the_young_persons_page_asks_for_the_check_first(client, point):
    lien = _lien_jeune()
    page = client.get(reverse("suivi:jeune", args=[lien.token]))
    assert "Foyer jeunes travailleurs" not in page.content.decode()
    assert client.post(
        reverse("suivi:jeune_repondre", args=[lien.token]), {"question": "accompagne", "valeur": "arrete"}
    )
    assert not services.reponses(point, ActorKind.JEUNE)


def test_the_structure_answers_through_its_link(client, point, smtp_server):
    (token,) = envoyer_courriels_structure(timezone.now(), smtp_server)
    page = client.get(reverse("suivi:structure", args=[token]))
    assert page.status_code == 200 and "Inès" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    url = reverse("suivi:structure_repondre", args=[token])
    assert client.post(url, {"question": "accompagne", "valeur": "oui"}).status_code == 302
    assert services.reponses(point, ActorKind.STRUCTURE) == {"accompagne": "oui"}


def test_a_positive_exit_dated_in_the_future_is_refused_in_french(client, point, smtp_server):
    (token,) = envoyer_courriels_structure(timezone.now(), smtp_server)
    url = reverse("suivi:structure_repondre", args=[token])
    client.post(url, {"question": "accompagne", "valeur": "sortie"})
    demain = timezone.localdate() + datetime.timedelta(days=1)
    reponse = client.post(url, {"question": "sortie", "valeur": NatureSortie.EMPLOI, "date_sortie": demain.isoformat()})
    assert reponse.status_code == 400 and "aujourd&#x27;hui ou avant" in reponse.content.decode()
    reponse = client.post(url, {"question": "sortie", "valeur": NatureSortie.EMPLOI, "date_sortie": "hier"})
    assert reponse.status_code == 400 and "Indiquez la date de la sortie" in reponse.content.decode()
    point.suivi.parcours.refresh_from_db()
    assert point.suivi.parcours.status == Status.SUIVI


def test_expired_revoked_unknown_and_finished_links_open_nothing(client, point, smtp_server):
    (token,) = envoyer_courriels_structure(timezone.now(), smtp_server)
    lien = LienSuiviStructure.objects.get()
    for bad in ("", "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B")):
        if bad:
            assert client.get(reverse("suivi:structure", args=[bad])).status_code == 410
    LienSuiviStructure.objects.filter(pk=lien.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("suivi:structure", args=[token])).status_code == 410
    LienSuiviStructure.objects.filter(pk=lien.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1), revoked_at=timezone.now()
    )
    assert client.get(reverse("suivi:structure", args=[token])).status_code == 410
    LienSuiviStructure.objects.filter(pk=lien.pk).update(revoked_at=None)
    services.remobiliser(point.suivi, reason="test")
    reponse = client.post(
        reverse("suivi:structure_repondre", args=[token]), {"question": "accompagne", "valeur": "oui"}
    )
    assert reponse.status_code == 410
    assert "Inès" not in reponse.content.decode()
    assert not services.reponses(point, ActorKind.STRUCTURE)


def test_the_counsellor_follows_and_records_a_positive_exit(client, point, aiguilleur):
    parcours = point.suivi.parcours
    client.force_login(aiguilleur)
    page = client.get(reverse("suivi:parcours", args=[parcours.uuid]))
    assert page.status_code == 200 and "1 mois" in page.content.decode()
    assert (
        reverse("suivi:parcours", args=[parcours.uuid])
        in client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    )
    hier = timezone.localdate() - datetime.timedelta(days=1)
    reponse = client.post(
        reverse("suivi:sortie", args=[parcours.uuid]),
        {"nature": NatureSortie.FORMATION, "date_sortie": hier.isoformat()},
    )
    assert reponse.status_code == 302
    parcours.refresh_from_db()
    assert parcours.status == Status.SORTI_POSITIF
    suivi = parcours.suivis.get()
    assert (suivi.sortie_nature, suivi.sortie_le, suivi.sortie_actor_kind) == (
        NatureSortie.FORMATION,
        hier,
        ActorKind.CONSEILLER,
    )


def test_another_territory_or_organisation_gets_nothing(client, point):
    parcours = point.suivi.parcours
    ailleurs = OrganisationFactory(territory=TerritoryFactory(), kind=OrganisationKind.EQUIPE_SAS)
    prescripteur = parcours.signalements.get().organisation.memberships.get().user
    for user in (member(Role.AIGUILLEUR, ailleurs), prescripteur, None):
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(reverse("suivi:parcours", args=[parcours.uuid])).status_code in (302, 403, 404)
        reponse = client.post(
            reverse("suivi:sortie", args=[parcours.uuid]), {"nature": "emploi", "date_sortie": "2020-01-01"}
        )
        assert reponse.status_code in (302, 403, 404)
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI
