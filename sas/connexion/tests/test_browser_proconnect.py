"""ProConnect in a real browser against the local provider, under the production CSP: log in and out, and an unknown
professional who asks to join, is accepted by the SAS team, then reaches their home page."""

import pytest

from sas.browser_testing import needs_browser, serious_violations
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIRET = "22690001700016"


def claims(email):
    return {"email": email, "given_name": "Alix", "usual_name": "Bernard", "uid": "7", "siret": SIRET, "idp_id": "fia"}


def nouvelle_page(browser, largeur=1280):
    context = browser.new_context(locale="fr-FR", viewport={"width": largeur, "height": 800})
    # The provider's own pages ask for a stylesheet on a CDN: no network here.
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    return context.new_page()


def par_proconnect(page, live_server, sub):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="S’identifier avec ProConnect").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


def test_log_in_and_out_through_proconnect(live_server, browser, proconnect):
    ase = OrganisationFactory(kind=OrganisationKind.ASE, siret=SIRET, nom="ASE du Rhône")
    prescripteur = member(Role.PRESCRIPTEUR, ase)
    proconnect.utilisateur("sub-alix", **claims(prescripteur.email))
    page = nouvelle_page(browser)
    page.goto(f"{live_server.url}/connexion/")
    assert serious_violations(page) == []
    par_proconnect(page, live_server, "sub-alix")
    page.get_by_role("heading", level=1, name="Mes signalements").wait_for(timeout=10000)

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="End session").click()
    page.get_by_text("Vous êtes déconnecté de SAS et de ProConnect.").wait_for(timeout=10000)
    page.goto(f"{live_server.url}/parcours/signalements/")
    assert "/connexion/" in page.url
    page.context.close()


def test_an_unknown_professional_asks_to_join_is_accepted_then_reaches_home(live_server, browser, proconnect, log_in):
    ase = OrganisationFactory(kind=OrganisationKind.ASE, siret=SIRET, nom="ASE du Rhône")
    equipe = OrganisationFactory(kind=OrganisationKind.EQUIPE_SAS, territory=ase.territory, nom="Équipe SAS")
    aiguilleur = member(Role.AIGUILLEUR, equipe)
    proconnect.utilisateur("sub-nouvelle", **claims("alix.bernard@ase.example.org"))

    pro = nouvelle_page(browser, largeur=360)
    par_proconnect(pro, live_server, "sub-nouvelle")
    pro.get_by_role("heading", level=1, name="Demander à rejoindre SAS").wait_for(timeout=10000)
    assert "ASE du Rhône" in pro.content()
    assert serious_violations(pro) == []
    pro.get_by_role("radio", name="Prescripteur").check(force=True)  # DSFR draws the radio on its label
    pro.get_by_role("button", name="Envoyer ma demande").click()
    pro.get_by_role("heading", level=1, name="Demande envoyée").wait_for(timeout=10000)
    assert serious_violations(pro) == []
    # Until accepted, they see nothing: the prescribers' list sends to the login page.
    pro.goto(f"{live_server.url}/parcours/signalements/")
    assert "/connexion/" in pro.url

    equipe_sas = nouvelle_page(browser)
    log_in(equipe_sas, aiguilleur)
    equipe_sas.get_by_role("link", name="Demandes d'accès").click()
    equipe_sas.get_by_role("heading", level=1, name="Demandes d'accès").wait_for(timeout=10000)
    assert serious_violations(equipe_sas) == []
    equipe_sas.get_by_role("button", name="Accepter la demande de Alix Bernard").click()
    equipe_sas.get_by_text("Alix Bernard a rejoint ASE du Rhône.").wait_for(timeout=10000)

    par_proconnect(pro, live_server, "sub-nouvelle")
    pro.get_by_role("heading", level=1, name="Mes signalements").wait_for(timeout=10000)
    pro.context.close()
    equipe_sas.context.close()
