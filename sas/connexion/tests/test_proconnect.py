"""ProConnect against a real OpenID provider on loopback (tests/fournisseur.py): the whole code flow over HTTP, the
tokens checked as ProConnect requires, and every way it must refuse."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from sas.connexion.models import DemandeAcces
from sas.connexion.proconnect import SESSION_IDENTITE
from sas.connexion.testing import appareil, code_actuel
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role, User

pytestmark = pytest.mark.django_db

SIRET = "11002001300097"


def claims(email, siret=SIRET, **autres):
    return {
        "email": email,
        "given_name": "Camille",
        "usual_name": "Durand",
        "uid": "uid-1234",
        "siret": siret,
        "idp_id": "fia1v2",
        **autres,
    }


def texte(reponse):
    return html.unescape(reponse.content.decode())


def se_connecter(client, fournisseur, sub):
    """Start at SAS, pass the provider's authorisation page as `sub`, come back: the callback's response."""
    depart = client.get("/connexion/proconnect/")
    assert depart.status_code == 302
    autorisation = depart["Location"]
    reponse = requests.post(autorisation, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert reponse.status_code == 302, reponse.text
    retour = urlsplit(reponse.headers["Location"])
    return client.get(f"{retour.path}?{retour.query}")


@pytest.fixture
def prescripteur():
    organisation = OrganisationFactory(kind=OrganisationKind.ASE, siret=SIRET)
    return member(Role.PRESCRIPTEUR, organisation)


def test_the_authorisation_request_is_the_one_proconnect_documents(proconnect):
    depart = Client().get("/connexion/proconnect/")
    adresse = urlsplit(depart["Location"])
    parametres = {cle: valeurs[0] for cle, valeurs in parse_qs(adresse.query).items()}
    assert f"{adresse.scheme}://{adresse.netloc}{adresse.path}" == f"{proconnect.base_url}/authorize"
    assert parametres["scope"].split() == ["openid", "given_name", "usual_name", "email", "uid", "siret", "idp_id"]
    assert parametres["acr_values"] == "eidas1"
    assert parametres["response_type"] == "code"
    assert len(parametres["state"]) >= 32 and len(parametres["nonce"]) >= 32
    assert parametres["redirect_uri"] == "http://testserver/connexion/proconnect/retour/"


def test_a_known_professional_logs_in_and_keeps_the_id_token_for_logout(proconnect, prescripteur):
    proconnect.utilisateur("sub-camille", **claims(prescripteur.email.upper()))
    client = Client()
    retour = se_connecter(client, proconnect, "sub-camille")
    assert retour.status_code == 302 and retour["Location"] == "/"
    assert client.get("/")["Location"] == reverse("parcours:mes_signalements")
    assert int(client.session["_auth_user_id"]) == prescripteur.pk
    id_token = client.session["oidc_id_token"]

    sortie = client.post("/deconnexion/")
    fin = urlsplit(sortie["Location"])
    parametres = {cle: valeurs[0] for cle, valeurs in parse_qs(fin.query).items()}
    assert f"{fin.scheme}://{fin.netloc}{fin.path}" == f"{proconnect.base_url}/session/end"
    assert parametres["id_token_hint"] == id_token
    assert parametres["post_logout_redirect_uri"] == "http://testserver/connexion/proconnect/deconnecte/"
    assert len(parametres["state"]) >= 32
    assert "_auth_user_id" not in client.session
    # The provider sends back with the state: SAS says both sessions are over.
    revenu = client.get(f"/connexion/proconnect/deconnecte/?state={parametres['state']}", follow=True)
    assert "Vous êtes déconnecté de SAS et de ProConnect." in texte(revenu)


def test_the_email_alone_is_not_enough_the_siret_must_be_one_of_their_organisations(proconnect, prescripteur):
    proconnect.utilisateur("sub-camille", **claims(prescripteur.email, siret="99999999900011"))
    client = Client()
    retour = se_connecter(client, proconnect, "sub-camille")
    assert retour["Location"] == "/connexion/demande/"
    assert "_auth_user_id" not in client.session


def test_staff_still_give_their_second_factor_after_proconnect(proconnect):
    operateur = OrganisationFactory(kind=OrganisationKind.OPERATEUR, siret=SIRET)
    admin = member(Role.ADMIN, operateur)
    device = appareil(admin)
    proconnect.utilisateur("sub-admin", **claims(admin.email))
    client = Client()
    se_connecter(client, proconnect, "sub-admin")
    assert client.get("/admin/")["Location"].startswith("/connexion/code/")
    client.post("/connexion/code/", {"code": code_actuel(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("panne", ["nonce", "audience", "expire", "autre_cle"])
def test_an_id_token_that_does_not_prove_who_logs_in_is_refused(proconnect, prescripteur, panne):
    proconnect.utilisateur("sub-camille", **claims(prescripteur.email))
    proconnect.panne = panne
    client = Client()
    retour = se_connecter(client, proconnect, "sub-camille")
    assert retour.status_code == 400
    assert "ProConnect n'a pas pu confirmer votre identité" in texte(retour)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("panne", ["userinfo_json", "userinfo_autre_cle", "userinfo_autre_sujet"])
def test_userinfo_must_be_a_jwt_signed_by_the_provider_about_the_same_person(proconnect, prescripteur, panne):
    proconnect.utilisateur("sub-camille", **claims(prescripteur.email))
    proconnect.panne = panne
    client = Client()
    assert se_connecter(client, proconnect, "sub-camille").status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_missing_siret_is_refused_in_plain_french(proconnect, prescripteur):
    sans_siret = claims(prescripteur.email)
    del sans_siret["siret"]
    proconnect.utilisateur("sub-camille", **sans_siret)
    client = Client()
    retour = se_connecter(client, proconnect, "sub-camille")
    assert retour.status_code == 403
    assert "pas transmis le numéro SIRET" in texte(retour)
    assert "_auth_user_id" not in client.session
    assert SESSION_IDENTITE not in client.session


def test_a_state_the_session_never_issued_is_refused(proconnect):
    client = Client()
    client.get("/connexion/proconnect/")
    reponse = client.get("/connexion/proconnect/retour/?code=abc&state=" + "z" * 48)
    assert reponse.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_refusal_at_the_provider_logs_nobody_in(proconnect):
    client = Client()
    reponse = client.get("/connexion/proconnect/retour/?error=access_denied&state=x")
    assert reponse.status_code == 400 and "_auth_user_id" not in client.session


def test_an_unknown_professional_is_sent_to_the_join_request_and_nothing_is_created(proconnect):
    proconnect.utilisateur("sub-inconnu", **claims("nouvelle@mission-locale.example.org"))
    client = Client()
    avant = User.objects.count()
    retour = se_connecter(client, proconnect, "sub-inconnu")
    assert retour["Location"] == "/connexion/demande/"
    assert User.objects.count() == avant and not DemandeAcces.objects.exists()
    assert client.session[SESSION_IDENTITE]["siret"] == SIRET
    assert "_auth_user_id" not in client.session


def test_without_configuration_there_is_no_proconnect(settings):
    settings.PROCONNECT_BASE_URL = ""
    client = Client()
    assert client.get("/connexion/proconnect/").status_code == 404
    assert client.get("/connexion/proconnect/retour/?code=a&state=b").status_code == 404
    assert "S’identifier avec" not in texte(client.get("/connexion/"))


def test_the_login_page_shows_the_proconnect_button_once_configured(proconnect):
    page = texte(Client().get("/connexion/"))
    assert 'class="fr-connect"' in page and 'href="/connexion/proconnect/"' in page
    assert 'href="https://proconnect.gouv.fr/"' in page and "Qu’est-ce que ProConnect\xa0?" in page


def test_an_address_locked_by_django_axes_cannot_log_in_through_proconnect_either(proconnect, prescripteur, settings):
    proconnect.utilisateur("sub-camille", **claims(prescripteur.email))
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/connexion/", {"username": f"essai-{n}@example.org", "password": "mauvais"})
    retour = se_connecter(client, proconnect, "sub-camille")
    assert retour.status_code == 429 and "Trop de tentatives" in texte(retour)
    assert "_auth_user_id" not in client.session
