"""Counsellor pages (scoped to the territory) and the young person's pages (scoped to their link)."""

import datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import Action, AuditEntry
from sas.diagnostic import services
from sas.diagnostic.models import Diagnostic, DiagnosticStatus, ValidationJeune
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.status import Status

from .conftest import contacte

pytestmark = pytest.mark.django_db


def logged(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def diagnostic(parcours, aiguilleur):
    return services.demarrer(parcours, conseiller=aiguilleur)


def section_post(**values):
    return {"action": "suivant", **values}


def test_the_counsellor_fills_section_by_section_and_completes(parcours, aiguilleur):
    client = logged(aiguilleur)
    response = client.get(reverse("diagnostic:parcours", args=[parcours.uuid]))
    assert "Commencer le diagnostic" in response.text

    response = client.post(reverse("diagnostic:demarrer", args=[parcours.uuid]))
    diagnostic = Diagnostic.objects.get(parcours=parcours)
    assert response.url == reverse("diagnostic:sommaire", args=[diagnostic.pk])

    url = reverse("diagnostic:section", args=[diagnostic.pk, "urgence"])
    page = client.get(url).text
    steps = len(diagnostic.questionnaire.definition["sections"]) + 1  # and the action plan
    assert "Avez-vous besoin d&#x27;une aide dès aujourd&#x27;hui ?" in page and f"Étape 1 sur {steps}" in page
    response = client.post(url, section_post(aide_immediate=["manger", "soins"], risque_decrochage="eleve"))
    assert response.url == reverse("diagnostic:section", args=[diagnostic.pk, "personnel"])

    personnel = reverse("diagnostic:section", args=[diagnostic.pk, "personnel"])
    page = client.get(personnel).text
    assert "Pré-rempli d&#x27;après le signalement" in page and "Arabe, anglais" in page
    response = client.post(
        personnel,
        {
            "action": "plus_tard",
            "logement__niveau": "bloquant",
            "logement__avis": "Je dors chez une amie",
            "titre_sejour_fin": "2027-01-31",
            "autres_langues": "Arabe, anglais",
        },
    )
    assert response.url == reverse("diagnostic:sommaire", args=[diagnostic.pk])
    sommaire = client.get(response.url).text
    assert "Reprendre l'entretien" in sommaire and "Orientation immédiate" in sommaire
    diagnostic.refresh_from_db()
    assert diagnostic.reponses["logement"] == {"niveau": "bloquant", "avis_jeune": "Je dors chez une amie"}
    assert diagnostic.reponses["titre_sejour_fin"] == "2027-01-31"
    assert diagnostic.derniere_section == "personnel"

    # Skipping a step saves nothing and moves on.
    projection = reverse("diagnostic:section", args=[diagnostic.pk, "projection"])
    response = client.post(
        reverse("diagnostic:section", args=[diagnostic.pk, "professionnel"]), {"action": "passer", "souhaits": "x"}
    )
    assert response.url == projection

    # Ranked priorities: one list per rank, no option twice.
    response = client.post(projection, section_post(priorites__1="emploi", priorites__2="emploi"))
    assert "Chaque priorité ne peut être choisie qu&#x27;une fois." in response.text
    response = client.post(projection, section_post(priorites__1="permis", priorites__2="emploi", heures_semaine="20"))
    assert response.url == reverse("diagnostic:section", args=[diagnostic.pk, "droits"])
    diagnostic.refresh_from_db()
    assert diagnostic.reponses["priorites"] == ["permis", "emploi"] and diagnostic.reponses["heures_semaine"] == 20

    plan = reverse("diagnostic:plan", args=[diagnostic.pk])
    page = client.get(plan).text
    assert "Priorité n°1 : Le permis de conduire" in page and "Préparer un permis" in page
    response = client.post(
        plan,
        {
            "besoins_retenus": ["priorites:permis", "aide_immediate:manger"],
            "objectifs": "Inscription au permis",
            "actions": "Le jeune : apporter sa pièce d'identité\nLa conseillère : appeler l'auto-école sociale",
            "prochain_rdv_le": "2030-03-09T14:30",
            "contact_conseiller": "Camille, 06 12 34 56 78",
        },
    )
    resume = reverse("diagnostic:resume", args=[diagnostic.pk])
    assert response.url == resume
    page = client.get(resume).text
    assert "Inscription au permis" in page and "La conseillère : appeler l&#x27;auto-école sociale" in page
    assert "Terminer le diagnostic" in page

    client.post(reverse("diagnostic:terminer", args=[diagnostic.pk]))
    diagnostic.refresh_from_db()
    parcours.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.TERMINE and parcours.status == Status.DIAGNOSTIC_FAIT
    assert services.thematiques(diagnostic) == [
        "equipement-et-alimentation--alimentation",
        "mobilite--preparer-un-permis",
    ]
    assert AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(diagnostic.pk)).count() == 1
    assert AuditEntry.objects.filter(action=Action.MODIFICATION, actor=aiguilleur).count() >= 4
    # Completed: the pages lead to the summary, which no longer offers to complete.
    assert client.get(reverse("diagnostic:section", args=[diagnostic.pk, "urgence"])).url == resume
    assert "Terminer le diagnostic" not in client.get(resume).text


def test_the_summary_sent_to_the_young_person_once(parcours, aiguilleur, diagnostic):
    services.enregistrer_plan(diagnostic, besoins_retenus=[], actor=aiguilleur, objectifs="Trouver un CAP")
    client = logged(aiguilleur)
    url = reverse("diagnostic:envoyer", args=[diagnostic.pk])
    response = client.post(url, follow=True)
    assert "Terminez le diagnostic" in response.text
    services.terminer(diagnostic, actor=aiguilleur)

    from sas.messagerie.models import Message

    client.post(url)
    client.post(url)
    message = Message.objects.get()
    assert message.gabarit == "plan_action" and message.cle == f"diagnostic-{diagnostic.pk}-plan"


@pytest.mark.parametrize("name", ["sommaire", "plan", "resume"])
def test_a_counsellor_of_another_territory_gets_404(diagnostic, name):
    other = member(Role.AIGUILLEUR)
    assert logged(other).get(reverse(f"diagnostic:{name}", args=[diagnostic.pk])).status_code == 404


def test_other_territory_and_wrong_role_get_404_everywhere(parcours, diagnostic):
    prescriber = member(Role.PRESCRIPTEUR, SignalementFactory._meta.model.objects.get(parcours=parcours).organisation)
    for user in (member(Role.AIGUILLEUR), prescriber, member(Role.PILOTE)):
        client = logged(user)
        assert client.get(reverse("diagnostic:parcours", args=[parcours.uuid])).status_code == 404
        assert client.post(reverse("diagnostic:demarrer", args=[parcours.uuid])).status_code == 404
        assert client.get(reverse("diagnostic:section", args=[diagnostic.pk, "urgence"])).status_code == 404
        assert client.post(reverse("diagnostic:section", args=[diagnostic.pk, "urgence"]), {}).status_code == 404
        assert client.post(reverse("diagnostic:terminer", args=[diagnostic.pk])).status_code == 404
        assert client.post(reverse("diagnostic:envoyer", args=[diagnostic.pk])).status_code == 404
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.BROUILLON
    assert Client().get(reverse("diagnostic:sommaire", args=[diagnostic.pk])).status_code == 302


def test_an_unknown_section_is_404(aiguilleur, diagnostic):
    response = logged(aiguilleur).get(reverse("diagnostic:section", args=[diagnostic.pk, "inconnue"]))
    assert response.status_code == 404


# The young person's pages.


def test_the_young_person_prepares_the_easy_parts(parcours):
    lien = LienJeune.creer(parcours)
    url = reverse("diagnostic:jeune_preparer", args=[lien.token])
    assert url == f"/diagnostic/j/{lien.token}/preparer/"
    client = verifier(Client(), lien)
    page = client.get(url).text
    assert "Que faites-vous en ce moment ?" in page and "Priorité n°3" in page
    assert "Risque de perdre" not in page

    response = client.post(
        url, {"situation_actuelle": "recherche", "souhaits": "Cuisinier", "priorites__1": "logement"}, follow=True
    )
    assert "Merci, c&#x27;est enregistré." in response.text
    diagnostic = Diagnostic.objects.get(parcours=parcours)
    assert diagnostic.reponses_jeune == {
        "situation_actuelle": "recherche",
        "souhaits": "Cuisinier",
        "priorites": ["logement"],
    }
    assert diagnostic.conseiller is None
    assert AuditEntry.objects.filter(action=Action.MODIFICATION, actor=None, jeune_ids=[parcours.jeune_id]).exists()


def test_preparing_is_an_answer_of_the_young_person(territory):
    parcours = ParcoursFactory(territory=territory)
    lien = LienJeune.creer(parcours)
    verifier(Client(), lien).post(reverse("diagnostic:jeune_preparer", args=[lien.token]), {"souhaits": "Cuisinier"})
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE


def test_expired_or_forged_links_get_a_french_error_page(parcours):
    lien = LienJeune.creer(parcours)
    for token in (lien.token[:-1] + ("a" if lien.token[-1] != "a" else "b"), "zz-abcdefghijkl", "nimportequoi"):
        response = Client().get(reverse("diagnostic:jeune_synthese", args=[token]))
        assert response.status_code == 404 and "Ce lien ne fonctionne plus" in response.text
    lien.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    lien.save()
    response = Client().get(reverse("diagnostic:jeune_preparer", args=[lien.token]))
    assert response.status_code == 404 and "Ce lien ne fonctionne plus" in response.text


def test_a_token_of_another_journey_cannot_read_this_diagnostic(parcours, aiguilleur, diagnostic, territory):
    services.enregistrer_plan(diagnostic, besoins_retenus=[], actor=aiguilleur, objectifs="Objectif secret d'Inès")
    services.terminer(diagnostic, actor=aiguilleur)
    other = contacte(ParcoursFactory(territory=territory))
    other_lien = LienJeune.creer(other)
    other_token = other_lien.token

    client = verifier(Client(), other_lien)
    page = client.get(reverse("diagnostic:jeune_synthese", args=[other_token])).text
    assert "Objectif secret" not in page and "sera ici après votre entretien" in page
    client.post(reverse("diagnostic:jeune_synthese", args=[other_token]), {"accord": "oui"})
    diagnostic.refresh_from_db()
    assert diagnostic.validation_jeune == ""

    # Verified for the other link only: this journey's link asks again.
    lien = LienJeune.creer(parcours)
    page = client.get(reverse("diagnostic:jeune_synthese", args=[lien.token])).text
    assert "Objectif secret" not in page and "Vérifions que c" in page
    page = verifier(client, lien).get(reverse("diagnostic:jeune_synthese", args=[lien.token])).text
    assert "Objectif secret d&#x27;Inès" in page


def test_the_young_person_annotates_and_both_texts_stay(parcours, aiguilleur, diagnostic):
    services.enregistrer(diagnostic, {"risque_decrochage": "eleve", "souhaits": "Cuisinier"}, actor=aiguilleur)
    services.enregistrer_plan(
        diagnostic, besoins_retenus=[], actor=aiguilleur, synthese="Projet cuisine réaliste", objectifs="CAP cuisine"
    )
    services.terminer(diagnostic, actor=aiguilleur)
    lien = LienJeune.creer(parcours)
    url = reverse("diagnostic:jeune_synthese", args=[lien.token])
    client = verifier(Client(), lien)
    page = client.get(url).text
    assert "CAP cuisine" in page and "Projet cuisine réaliste" in page
    # The counsellor's own judgement is not shown to the young person.
    assert "Risque de perdre" not in page

    response = client.post(url, {"accord": "non", "observation": ""})
    assert "Écrivez ce que vous voulez ajouter ou corriger." in response.text
    # In the summary at the top too, with a link to the field.
    summary = response.text[response.text.index('id="formulaire-erreurs"') :]
    assert '<a href="#id_observation">' in summary[: summary.index("</ul>")]
    response = client.post(url, {"accord": "non", "observation": "Je préfère la pâtisserie"}, follow=True)
    assert "Projet cuisine réaliste" in response.text and "Je préfère la pâtisserie" in response.text
    diagnostic.refresh_from_db()
    assert diagnostic.validation_jeune == ValidationJeune.ANNOTE
    assert diagnostic.synthese == "Projet cuisine réaliste"
    resume = logged(aiguilleur).get(reverse("diagnostic:resume", args=[diagnostic.pk])).text
    assert "Annoté par le jeune" in resume and "Je préfère la pâtisserie" in resume


# The journey page's section.

TAG = Template("{% load diagnostic_tags %}{% diagnostic_du_parcours parcours user %}")


def render_tag(parcours, user):
    return TAG.render(Context({"parcours": parcours, "user": user, "csrf_token": "jeton"}))


def test_the_tag_offers_start_resume_then_summary(parcours, aiguilleur):
    assert "Commencer le diagnostic" in render_tag(parcours, aiguilleur)
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(diagnostic, {"risque_decrochage": "eleve"}, actor=aiguilleur)
    html = render_tag(parcours, aiguilleur)
    assert "Reprendre le diagnostic" in html and "Orientation immédiate" in html
    assert reverse("diagnostic:sommaire", args=[diagnostic.pk]) in html
    services.terminer(diagnostic, actor=aiguilleur)
    html = render_tag(parcours, aiguilleur)
    assert reverse("diagnostic:resume", args=[diagnostic.pk]) in html and "Orientation immédiate" in html


def test_the_tag_shows_nothing_to_prescribers_or_other_territories(parcours, aiguilleur):
    services.demarrer(parcours, conseiller=aiguilleur)
    organisation = parcours.signalements.get().organisation
    for user in (member(Role.PRESCRIPTEUR, organisation), member(Role.AIGUILLEUR, OrganisationFactory())):
        assert render_tag(parcours, user).strip() == ""


def test_the_tag_makes_one_query(parcours, aiguilleur, django_assert_num_queries):
    for _ in range(3):
        services.terminer(services.demarrer(parcours, conseiller=aiguilleur), actor=aiguilleur)
    aiguilleur.active_memberships  # noqa: B018 — loaded once per request by the journey page already
    with django_assert_num_queries(1):
        render_tag(parcours, aiguilleur)
