"""The young person's probable rights on their page: folded, after the check that it is them, in plain words, never a
decision, never 0 € when the service did not answer."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from sas.droits import services
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier

pytestmark = pytest.mark.django_db

SEUL_LOCATAIRE = {"logement_statut": "locataire_vide", "loyer": "450", "foyer_fiscal_impot": "non_imposable"}


def texte(response):
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def section_droits(page):
    debut = page.index('id="droits"')
    return page[debut : page.index("</section>", debut)]


def test_the_rights_are_folded_after_the_main_action_and_shown_once_it_is_them(openfisca, diagnostic_de, maintenant):
    diagnostic = diagnostic_de(27, **SEUL_LOCATAIRE)
    estimation = services.estimer(diagnostic, at=maintenant)
    r = {x.droit.code: x for x in services.resultats(estimation)}
    assert r["rsa"].eligible and not r["cej"].eligible
    lien = LienJeune.creer(diagnostic.parcours)
    client = Client()
    page = texte(client.get(reverse("espace_jeune:page", args=[lien.token])))
    assert page.index('id="maintenant"') < page.index('id="droits"'), "below the one thing expected now"
    droits = section_droits(page)
    assert 'aria-expanded="false"' in droits and "fr-collapse" in droits
    # Amounts tell about income: not before the check.
    assert "€" not in droits and reverse("espace_jeune:droits", args=[lien.token]) in droits
    assert "Vérifions que c'est bien vous" in texte(client.get(reverse("espace_jeune:droits", args=[lien.token])))

    verifier(client, lien)
    for url in (reverse("espace_jeune:page", args=[lien.token]), reverse("espace_jeune:droits", args=[lien.token])):
        page = texte(client.get(url))
        assert "C'est une estimation, pas une décision" in page
        assert f"Revenu de solidarité active (RSA)</strong>, {r['rsa'].droit.explication}." in page
        assert f"Vous y avez probablement droit : environ {r['rsa'].montant:.0f} € par mois." in page
        assert "À vérifier auprès de la CAF (ou la MSA)." in page
        assert "Vous y avez probablement droit, gratuitement." in page, "the CSS, free with the RSA"
        autres = ", ".join(x.droit.label for x in r.values() if not x.eligible)
        assert "Allocation du contrat d'engagement jeune" in autres
        assert f"Probablement pas pour l'instant\xa0: {autres}." in page
        assert "0 €" not in page


def test_a_service_down_says_unavailable_to_the_young_person_never_zero(settings, diagnostic_de, maintenant):
    settings.SAS_OPENFISCA_URL = "http://127.0.0.1:9"  # nothing listens there
    diagnostic = diagnostic_de(27, **SEUL_LOCATAIRE)
    assert not services.estimer(diagnostic, at=maintenant).disponible
    lien = LienJeune.creer(diagnostic.parcours)
    client = verifier(Client(), lien)
    for url in (reverse("espace_jeune:page", args=[lien.token]), reverse("espace_jeune:droits", args=[lien.token])):
        page = texte(client.get(url))
        assert "Estimation indisponible" in page
        assert "0 €" not in page and "probablement droit" not in page


def test_nothing_screened_nothing_shown(diagnostic_de):
    diagnostic = diagnostic_de(20)
    lien = LienJeune.creer(diagnostic.parcours)
    client = verifier(Client(), lien)
    assert 'id="droits"' not in texte(client.get(reverse("espace_jeune:page", args=[lien.token])))
    page = texte(client.get(reverse("espace_jeune:droits", args=[lien.token])))
    assert "Nous n'avons pas encore fait ce calcul" in page


def test_a_right_already_received_is_not_announced(openfisca, diagnostic_de, maintenant):
    diagnostic = diagnostic_de(20, cej_en_cours="oui", **SEUL_LOCATAIRE)
    services.estimer(diagnostic, at=maintenant)
    lien = LienJeune.creer(diagnostic.parcours)
    page = texte(verifier(Client(), lien).get(reverse("espace_jeune:droits", args=[lien.token])))
    assert "Allocation du contrat d'engagement jeune" not in page
