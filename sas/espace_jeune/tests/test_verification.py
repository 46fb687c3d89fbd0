"""Issue #10: the young person's page shows nothing sensitive to whoever holds the link alone. The diagnostic, the
reasons of the signalement and the services proposed ask once per browser session for the birth date, or a code
sent to the channel on file when it is unknown; wrong answers are limited per link and per IP."""

import datetime
import html as htmllib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.diagnostic import services as diagnostic
from sas.espace_jeune import services
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.services import SESSION_VERIFIE
from sas.messagerie.models import Message, MessageStatus
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.status import Status
from sas.parcours.transitions import transition

pytestmark = pytest.mark.django_db

NAISSANCE = datetime.date(2004, 5, 17)


def text(response):
    return htmllib.unescape(response.content.decode())


def verifier_url(lien):
    return reverse("espace_jeune:verifier", args=[lien.token])


def synthese_url(lien):
    return reverse("diagnostic:jeune_synthese", args=[lien.token])


def repondre(client, lien, suite, ip="198.51.100.1", **donnees):
    return client.post(verifier_url(lien), {"suite": suite, **donnees}, REMOTE_ADDR=ip)


@pytest.fixture
def synthese(parcours, aiguilleur):
    """A finished diagnostic with a blocking justice brake and the counsellor's summary."""
    parcours.jeune.date_naissance = NAISSANCE
    parcours.jeune.save()
    for status in (Status.A_CONTACTER, Status.CONTACTE):
        transition(parcours, status)
    diag = diagnostic.demarrer(parcours, conseiller=aiguilleur)
    diagnostic.enregistrer_plan(
        diag, besoins_retenus=[], actor=aiguilleur, synthese="Suivi SPIP en cours", objectifs="Objectif CAP cuisine"
    )
    diagnostic.terminer(diag, actor=aiguilleur)
    return diag


def test_the_link_alone_gets_the_check_not_the_diagnostic(client, lien, synthese):
    response = client.get(synthese_url(lien))
    assert response.status_code == 200
    html = text(response)
    assert "Vérifions que c'est bien vous" in html and "Votre date de naissance" in html
    assert 'for="id_date_naissance"' in html
    assert "Suivi SPIP" not in html and "Objectif CAP cuisine" not in html
    # Acting without the check does nothing either.
    assert client.post(synthese_url(lien), {"accord": "oui"}).status_code == 403
    synthese.refresh_from_db()
    assert synthese.validation_jeune == ""


def test_the_right_birth_date_opens_every_sensitive_page_of_this_session_only(client, lien, synthese):
    response = repondre(client, lien, synthese_url(lien), date_naissance="2004-05-17")
    assert response.status_code == 302 and response.url == synthese_url(lien)
    assert client.session[SESSION_VERIFIE] == [lien.pk]
    assert lien.token not in str(dict(client.session))
    response = client.get(synthese_url(lien))
    assert "Objectif CAP cuisine" in text(response) and "no-store" in response["Cache-Control"]
    # A second sensitive page in the same session does not ask again.
    assert "ASE du Rhône" in text(client.get(reverse("espace_jeune:pourquoi", args=[lien.token])))
    # Another browser asks again.
    other = Client()
    html = text(other.get(synthese_url(lien)))
    assert "Vérifions que c'est bien vous" in html and "Objectif CAP cuisine" not in html


def test_wrong_birth_dates_lock_the_link_even_for_the_right_one(client, lien, synthese, settings):
    limite = services.verifications_lien.limit
    for n in range(limite):
        response = repondre(client, lien, synthese_url(lien), ip=f"198.51.100.{n}", date_naissance="2004-05-18")
        assert "Objectif CAP cuisine" not in text(response)
    # Each from another address: the lock is the link's.
    response = repondre(Client(), lien, synthese_url(lien), ip="203.0.113.9", date_naissance="2004-05-17")
    assert response.status_code == 429 and "Trop d'essais" in text(response)
    assert Client().get(synthese_url(lien)).status_code == 429
    assert SESSION_VERIFIE not in client.session
    # The first screen stays open (accept, slot, preferences).
    assert client.get(reverse("espace_jeune:page", args=[lien.token])).status_code == 200


def test_wrong_answers_from_one_address_lock_it_across_links(client, territory, parcours, synthese):
    essais = 0
    while essais < services.verifications_ip.limit:
        # Each link stays under its own limit: only the address's count can lock.
        autre = LienJeune.creer(ParcoursFactory(territory=territory))
        for _ in range(services.verifications_lien.limit - 1):
            repondre(client, autre, "/", date_naissance="1999-01-01")
            essais += 1
    response = repondre(client, lien_de(parcours), synthese_url(lien_de(parcours)), date_naissance="2004-05-17")
    assert response.status_code == 429
    # From another address, the same right answer opens it.
    response = repondre(Client(), lien_de(parcours), "/", ip="192.0.2.1", date_naissance="2004-05-17")
    assert response.status_code == 302


def lien_de(parcours):
    return LienJeune.creer(parcours)


def test_a_malformed_date_is_a_clear_error(client, lien, synthese):
    response = repondre(client, lien, synthese_url(lien), date_naissance="le 17 mai")
    assert response.status_code == 400 and "Saisissez une date valide" in text(response)


def test_the_unlock_is_never_in_the_url_and_the_next_page_is_ours(client, lien, synthese):
    response = repondre(client, lien, "https://pirate.example/", date_naissance="2004-05-17")
    assert response.status_code == 302 and response.url == reverse("espace_jeune:page", args=[lien.token])


# When the birth date is unknown: a code sent to the channel on file.


@pytest.fixture
def sans_date(parcours):
    parcours.jeune.date_naissance = None
    parcours.jeune.save()
    return parcours


def test_without_birth_date_a_code_goes_by_sms_and_opens_the_page(client, lien, sans_date, settings):
    settings.SAS_SMS_PROVIDER = "outbox"
    url = reverse("espace_jeune:pourquoi", args=[lien.token])
    html = text(client.get(url))
    assert "Recevoir un code" in html and "ASE du Rhône" not in html
    response = repondre(client, lien, url, envoyer_code="1")
    assert "Un code vient de vous être envoyé" in text(response)
    [message] = Message.objects.filter(gabarit="code_verification")
    assert message.canal == "sms" and message.status == MessageStatus.ENVOYE
    lien.refresh_from_db()
    code = lien.code_verification()
    # What left carries the code; the row staff can read does not, and nothing stores the code itself.
    assert code in message.texte_envoye() and code not in message.corps and "######" in message.corps
    assert code not in str(LienJeune.objects.filter(pk=lien.pk).values().get())
    assert repondre(client, lien, url, code="000000" if code != "000000" else "111111").status_code == 400
    response = repondre(client, lien, url, code=code)
    assert response.status_code == 302 and response.url == url
    assert "ASE du Rhône" in text(client.get(url))


def test_the_code_goes_by_email_through_smtp_when_there_is_no_phone(client, lien, sans_date, smtp_server):
    jeune = sans_date.jeune
    jeune.telephone, jeune.email = "", "ines@example.org"
    jeune.save()
    repondre(client, lien, "/", envoyer_code="1")
    [recu] = smtp_server
    lien.refresh_from_db()
    assert recu["To"] == "ines@example.org" and lien.code_verification() in recu.get_content()
    assert lien.code_verification() not in Message.objects.get(gabarit="code_verification").corps


def test_the_code_expires(client, lien, sans_date):
    url = reverse("espace_jeune:pourquoi", args=[lien.token])
    code = lien.nouveau_code(timezone.now() - datetime.timedelta(minutes=11))
    response = repondre(client, lien, url, code=code)
    assert response.status_code == 400 and "il a expiré" in text(response)
    # A new code replaces the previous one.
    ancien, nouveau = code, lien.nouveau_code()
    assert repondre(client, lien, url, code=ancien).status_code == 400
    assert repondre(client, lien, url, code=nouveau).status_code == 302


def test_codes_sent_are_limited_per_link(client, lien, sans_date):
    for _ in range(services.codes_envoyes.limit + 2):
        repondre(client, lien, "/", envoyer_code="1")
    assert Message.objects.filter(gabarit="code_verification").count() == services.codes_envoyes.limit


def test_without_phone_nor_email_nothing_is_sent_and_the_page_says_so(client, lien, sans_date):
    jeune = sans_date.jeune
    jeune.telephone, jeune.email = "", ""
    jeune.save()
    html = text(client.get(reverse("espace_jeune:pourquoi", args=[lien.token])))
    assert "Nous n'avons ni numéro de téléphone ni adresse électronique" in html
    repondre(client, lien, "/", envoyer_code="1")
    assert not Message.objects.exists()


# Access rules of the check itself.


def test_the_check_of_one_link_opens_nothing_of_another_journey(client, lien, territory, synthese):
    autre = LienJeune.creer(ParcoursFactory(territory=territory, jeune__date_naissance=NAISSANCE))
    repondre(client, autre, "/", date_naissance="2004-05-17")
    assert "Vérifions que c'est bien vous" in text(client.get(synthese_url(lien)))


def test_an_expired_link_cannot_be_checked(client, lien, synthese):
    LienJeune.objects.filter(pk=lien.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert repondre(client, lien, "/", date_naissance="2004-05-17").status_code == 410
    assert SESSION_VERIFIE not in client.session


def test_a_logged_in_counsellor_still_has_to_answer(client, lien, synthese, equipe):
    client.force_login(member(Role.AIGUILLEUR, organisation=equipe))
    assert "Objectif CAP cuisine" not in text(client.get(synthese_url(lien)))
