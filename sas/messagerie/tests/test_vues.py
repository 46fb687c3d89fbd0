import io

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from sas.audit.models import AuditEntry
from sas.espace_jeune.models import LienJeune
from sas.messagerie.envoi import envoyer, expedier
from sas.messagerie.models import CanalInvalide, MessageStatus
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.models import EventKind, ParcoursEvent

from .conftest import MARDI, nouveau_parcours


@pytest.fixture
def autre_aiguilleur(db):
    return member(Role.AIGUILLEUR, OrganisationFactory(kind=OrganisationKind.EQUIPE_SAS, territory=TerritoryFactory()))


@pytest.fixture
def lettre(territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, telephone="", email="", adresse="3 rue des Lilas\n69003 Lyon")
    return envoyer(parcours, "premier_contact", at=MARDI)


def test_the_sent_messages_page_lists_the_territory_only(client, parcours, aiguilleur, autre_aiguilleur):
    mien = envoyer(parcours, "premier_contact", at=MARDI)
    expedier(mien.pk, at=MARDI)
    ailleurs = nouveau_parcours(autre_aiguilleur.active_memberships[0].organisation.territory, prenom="Zoé")
    envoyer(ailleurs, "premier_contact", at=MARDI)
    client.force_login(aiguilleur)
    html = client.get(reverse("messagerie:envoyes")).content.decode()
    assert "Mission locale de Lyon nous a parlé de vous" in html and "Inès" in html
    assert "Zoé" not in html
    assert "Mode démonstration" in html and "1 message du territoire" in html
    assert AuditEntry.objects.get(object_type="messages_envoyes").jeune_ids == [parcours.jeune_id]


def test_the_sent_messages_page_filters(client, parcours, aiguilleur):
    envoyer(parcours, "premier_contact", at=MARDI)
    envoyer(parcours, "relance", canal="email", at=MARDI)
    client.force_login(aiguilleur)
    html = client.get(reverse("messagerie:envoyes"), {"canal": "email"}).content.decode()
    assert "attend de vos nouvelles" in html and "nous a parlé de vous" not in html
    html = client.get(reverse("messagerie:envoyes"), {"statut": "envoye"}).content.decode()
    assert "Aucun message pour ces critères" in html


@pytest.mark.parametrize("role", [Role.PRESCRIPTEUR, Role.PILOTE, Role.STRUCTURE])
def test_other_roles_cannot_see_messages_or_letters(client, territory, lettre, role):
    client.force_login(member(role, territory=territory))
    assert client.get(reverse("messagerie:envoyes")).status_code == 403
    assert client.get(reverse("messagerie:lettre", args=[lettre.pk])).status_code == 403
    assert client.post(reverse("messagerie:lettre_postee", args=[lettre.pk])).status_code == 403


def test_anonymous_users_are_sent_to_login(client, lettre):
    for url in [reverse("messagerie:envoyes"), reverse("messagerie:lettre", args=[lettre.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_sent_messages_page_has_a_fixed_number_of_queries(client, territory, aiguilleur, count_queries):
    client.force_login(aiguilleur)
    url = reverse("messagerie:envoyes")
    envoyer(nouveau_parcours(territory, aiguilleur), "premier_contact", at=MARDI)
    few = count_queries(url)
    for n in range(8):
        parcours = nouveau_parcours(territory, aiguilleur, telephone=f"+3361111110{n}", prenom=f"Jeune{n}")
        envoyer(parcours, "premier_contact", at=MARDI)
        envoyer(parcours, "relance", canal="email", at=MARDI)
    assert count_queries(url) == few
    assert "Jeune7" in client.get(url).content.decode()


def test_the_letter_is_a_pdf_with_the_code(client, aiguilleur, lettre):
    client.force_login(aiguilleur)
    response = client.get(reverse("messagerie:lettre", args=[lettre.pk]))
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    texte = " ".join(" ".join(page.extract_text() for page in pages).split())
    lien = LienJeune.objects.get(parcours=lettre.parcours)
    assert lien.token in texte
    assert "https://sas.beta.gouv.fr/j/" in texte
    assert "3 rue des Lilas" in texte and "Mission locale de Lyon" in texte
    assert AuditEntry.objects.filter(action="export", object_id=str(lettre.pk)).exists()


def test_another_territory_gets_404_for_the_letter(client, autre_aiguilleur, lettre):
    client.force_login(autre_aiguilleur)
    assert client.get(reverse("messagerie:lettre", args=[lettre.pk])).status_code == 404
    assert client.post(reverse("messagerie:lettre_postee", args=[lettre.pk])).status_code == 404
    assert client.get(reverse("messagerie:lettre", args=[lettre.pk + 1000])).status_code == 404


def test_an_sms_has_no_letter(client, aiguilleur, parcours):
    message = envoyer(parcours, "premier_contact", at=MARDI)
    client.force_login(aiguilleur)
    assert client.get(reverse("messagerie:lettre", args=[message.pk])).status_code == 404


def test_a_posted_letter_counts_as_sent_once(client, aiguilleur, lettre):
    client.force_login(aiguilleur)
    url = reverse("messagerie:lettre_postee", args=[lettre.pk])
    response = client.post(url)
    assert response.url == reverse("parcours:detail", args=[lettre.parcours.uuid])
    client.post(url)
    lettre.refresh_from_db()
    assert lettre.status == MessageStatus.ENVOYE
    event = ParcoursEvent.objects.get(kind=EventKind.MESSAGE)
    assert event.detail["canal"] == "courrier" and event.actor == aiguilleur


def _rendre(user, parcours):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load messagerie_tags %}{% messages_du_parcours parcours %}")
    return template.render(RequestContext(request, {"parcours": parcours}))


def test_the_journey_section_shows_messages_failures_and_letters(aiguilleur, territory, lettre, parcours):
    message = envoyer(parcours, "premier_contact", at=MARDI)
    CanalInvalide.objects.create(jeune=parcours.jeune, canal="sms", valeur="+33612345678", raison="hardBounce")
    html = _rendre(aiguilleur, parcours)
    assert "SMS à corriger" in html and "Nouveau numéro de téléphone" in html
    assert "Mission locale de Lyon nous a parlé de vous" in html and message.get_status_display() in html
    html = _rendre(aiguilleur, lettre.parcours)
    assert reverse("messagerie:lettre", args=[lettre.pk]) in html and "Noter comme envoyé" in html


def test_the_journey_section_is_for_the_territory_team_only(territory, parcours, autre_aiguilleur):
    envoyer(parcours, "premier_contact", at=MARDI)
    assert _rendre(member(Role.PRESCRIPTEUR, territory=territory), parcours).strip() == ""
    assert _rendre(autre_aiguilleur, parcours).strip() == ""


def test_the_counsellor_corrects_a_wrong_number(client, aiguilleur, parcours, autre_aiguilleur):
    invalide = CanalInvalide.objects.create(jeune=parcours.jeune, canal="sms", valeur="+33612345678", raison="x")
    url = reverse("messagerie:corriger", args=[invalide.pk])
    client.force_login(autre_aiguilleur)
    assert client.post(url, {"parcours": parcours.uuid, "valeur": "0698765432"}).status_code == 404
    client.force_login(aiguilleur)
    client.post(url, {"parcours": parcours.uuid, "valeur": "pas un numéro"})
    invalide.refresh_from_db()
    assert invalide.corrige_le is None
    response = client.post(url, {"parcours": parcours.uuid, "valeur": "06 98 76 54 32"})
    assert response.url == reverse("parcours:detail", args=[parcours.uuid])
    invalide.refresh_from_db()
    parcours.jeune.refresh_from_db()
    assert invalide.corrige_le is not None and parcours.jeune.telephone == "+33698765432"
