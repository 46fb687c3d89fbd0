"""Every main page of each role, in the demo territory, on a 360 px phone and a 1280 px screen: none scrolls sideways.

With SAS_CAPTURES=/a/folder the pages are also saved there as PNG (role-page-width.png), for a person to look at
each one: `SAS_CAPTURES=/tmp/shots pytest sas/accueil/tests/test_captures.py`."""

import datetime
import os
from pathlib import Path

import pytest
from django.urls import reverse

from sas.accueil.demo import DEMO_PASSWORD, seed
from sas.browser_testing import needs_browser
from sas.diagnostic import services as diagnostics
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier_dans_le_navigateur
from sas.organisations.models import OrganisationKind, Role, User
from sas.orientation import services as orientations
from sas.orientation.models import LienStructure
from sas.parcours.models import Parcours
from sas.parcours.status import Status

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 1280)
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo(communes_reference, questionnaire_publie, settings):
    """The demo territory, one journey taken as far as the choice of a service and one diagnostic under way (the
    demo's histories have no diagnostic nor proposals to show)."""
    settings.SAS_DEMO = True
    seed(wet_run=True, people=40)
    aiguilleur = User.objects.get(email="aiguilleur@demo.sas.localhost")
    # The first contacted young person for whom the demo catalogue has services after their diagnostic (its
    # services do not reach every demo commune).
    for parcours in Parcours.objects.filter(status=Status.CONTACTE).select_related("jeune").order_by("pk"):
        diagnostic = diagnostics.demarrer(parcours, conseiller=aiguilleur)
        diagnostics.enregistrer(diagnostic, {"aide_immediate": ["dormir"]}, actor=aiguilleur, section="urgence")
        diagnostics.enregistrer_plan(
            diagnostic,
            besoins_retenus=[besoin.code for besoin in diagnostics.besoins(diagnostic)],
            actor=aiguilleur,
            objectifs="Trouver un hébergement",
        )
        diagnostics.terminer(diagnostic, actor=aiguilleur)
        if orientations.classer(parcours):
            break
    orientations.proposer(parcours, orientations.classer(parcours)[:2], actor=aiguilleur)
    en_cours = Parcours.objects.filter(status=Status.CONTACT_EN_COURS).first()
    envoyee = Parcours.objects.filter(status=Status.ORIENTATION_ENVOYEE).first().orientations.order_by("-pk").first()
    recue = Parcours.objects.filter(
        orientations__structure__organisation__kind=OrganisationKind.STRUCTURE_ACCUEIL
    ).first()
    return {
        "parcours": parcours,
        "diagnostic": diagnostic,
        "diagnostic_en_cours": diagnostics.demarrer(en_cours, conseiller=aiguilleur),
        "lien": LienJeune.creer(parcours),
        "lien_structure": LienStructure.creer(envoyee, duree=datetime.timedelta(days=1))[1],
        "recue": recue.orientations.order_by("-pk").first(),
        "sortie": Parcours.objects.filter(status=Status.SORTIE_A_VENIR).first(),
        "signale": Parcours.objects.filter(signalements__organisation__kind=OrganisationKind.MISSION_LOCALE)
        .order_by("-pk")
        .first(),
    }


def pages_by_role(demo):
    parcours, diagnostic, token = demo["parcours"], demo["diagnostic"], demo["lien"].token
    en_cours = demo["diagnostic_en_cours"]
    return {
        "public": {
            "accueil": reverse("accueil:home"),
            "connexion": reverse("login"),
            "formulaire-public": reverse("public:formulaire"),
            "code-jeune": reverse("espace_jeune:code"),
            "lien-structure": reverse("orientation:lien", args=[demo["lien_structure"]]),
            "boite-demo": reverse("demo_messages"),
        },
        "jeune": {
            "page": reverse("espace_jeune:page", args=[token]),
            "verification": reverse("espace_jeune:pourquoi", args=[token]),
            "pourquoi": reverse("espace_jeune:pourquoi", args=[token]),
            "choix-service": reverse("orientation:jeune", args=[token]),
            "preparer": reverse("diagnostic:jeune_preparer", args=[token]),
            "plan-action": reverse("diagnostic:jeune_synthese", args=[token]),
            "refuser": reverse("espace_jeune:refuser", args=[token]),
            "stop": reverse("espace_jeune:stop", args=[token]),
            "retrait": reverse("orientation:jeune_retrait", args=[token]),
        },
        Role.PRESCRIPTEUR: {
            "mes-signalements": reverse("parcours:mes_signalements"),
            "signaler": reverse("prescription:signaler"),
            "fichier": reverse("prescription:import_upload"),
            "statistiques": reverse("prescription:statistiques"),
            "jetons": reverse("api:jetons"),
            "parcours": reverse("parcours:detail", args=[demo["signale"].uuid]),
        },
        Role.AIGUILLEUR: {
            "file-active": reverse("parcours:file_active"),
            "taches": reverse("aiguillage:taches"),
            "parcours": reverse("parcours:detail", args=[parcours.uuid]),
            "diagnostic": reverse("diagnostic:sommaire", args=[en_cours.pk]),
            "diagnostic-section": reverse("diagnostic:section", args=[en_cours.pk, "personnel"]),
            "diagnostic-plan": reverse("diagnostic:plan", args=[en_cours.pk]),
            "diagnostic-synthese": reverse("diagnostic:resume", args=[diagnostic.pk]),
            "orientation": reverse("orientation:parcours", args=[parcours.uuid]),
            "rencontres": reverse("prescription:rencontre_liste", args=[demo["sortie"].uuid]),
            "agenda": reverse("rendezvous:agenda"),
            "publier-creneaux": reverse("rendezvous:publier"),
            "messages-envoyes": reverse("messagerie:envoyes"),
            "retrait": reverse("orientation:retrait", args=[parcours.uuid]),
        },
        Role.STRUCTURE: {
            "orientations-recues": reverse("orientation:recues"),
            "orientation": reverse("orientation:recue", args=[demo["recue"].pk]),
        },
        Role.PILOTE: {"indicateurs": reverse("parcours:indicateurs")},
    }


def sign_in(page, base, role):
    page.goto(f"{base}/connexion/")
    page.get_by_label("Adresse électronique").fill(f"{role}@demo.sas.localhost")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_every_main_page_of_each_role_fits_a_phone_and_a_desktop(demo, live_server, browser):
    # `demo` first: its queries run before Playwright starts, on the connection pytest-django closes at the end.
    # The journey shown is the one the page names claim: the young person has services to choose from.
    assert orientations.propositions_ouvertes(demo["parcours"]).exists()
    assert demo["recue"].structure.organisation.kind == OrganisationKind.STRUCTURE_ACCUEIL
    folder = os.environ.get("SAS_CAPTURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    too_wide, failed, seen = {}, {}, 0
    for role, pages in pages_by_role(demo).items():
        for width in WIDTHS:
            context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
            page = context.new_page()
            if role not in ("public", "jeune"):
                sign_in(page, live_server.url, role)
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                if name == "pourquoi":
                    verifier_dans_le_navigateur(page, demo["parcours"].jeune)
                    page.wait_for_load_state()
                seen += 1
                if response.status != 200:
                    failed[f"{role}-{name}-{width}"] = response.status
                if not page.evaluate(FITS):
                    too_wide[f"{role}-{name}-{width}"] = page.evaluate("document.documentElement.scrollWidth")
                if folder:
                    page.screenshot(path=f"{folder}/{role}-{name}-{width}.png", full_page=True)
            context.close()
    assert seen == 2 * sum(len(pages) for pages in pages_by_role(demo).values())
    assert failed == {}
    assert too_wide == {}
