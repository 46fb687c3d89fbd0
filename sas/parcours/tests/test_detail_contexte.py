"""The counsellor's journey page: the signalement's context and the one next action."""

import datetime

import pytest
from django.urls import reverse

from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours import transitions
from sas.parcours.actions import prochaine_action
from sas.parcours.factories import SignalementFactory
from sas.parcours.status import CLOSED, Status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "commence", "label", "target"),
    [
        (Status.SIGNALE, False, "Envoyer le premier message", "#contact"),
        (Status.CONTACT_EN_COURS, False, "Noter un appel", "#contact"),
        (Status.CONTACTE, False, "Commencer le diagnostic", "diagnostic:parcours"),
        (Status.CONTACTE, True, "Reprendre le diagnostic", "diagnostic:parcours"),
        (Status.DIAGNOSTIC_FAIT, False, "Proposer des structures", "orientation:parcours"),
        (Status.ORIENTATION_REFUSEE, False, "Proposer des structures", "orientation:parcours"),
        (Status.PRIS_EN_CHARGE, False, "Noter le suivi", "#statut"),
    ],
)
def test_the_next_action_follows_the_status(status, commence, label, target):
    action = prochaine_action(status, diagnostic_commence=commence)
    assert action.label == label
    assert (action.url_name or f"#{action.ancre}") == target


@pytest.mark.parametrize("status", [Status.SORTI_POSITIF, Status.HORS_CIBLE, Status.CONSENTEMENT_RETIRE])
def test_nothing_is_expected_on_a_closed_journey(status):
    assert prochaine_action(status) is None


def test_every_open_status_has_a_next_action():
    assert [status for status in Status if status not in CLOSED and prochaine_action(status) is None] == []


@pytest.fixture
def signalement():
    territory = TerritoryFactory()
    return SignalementFactory(
        parcours__territory=territory,
        parcours__jeune__prenom="Inès",
        organisation=OrganisationFactory(territory=territory, nom="ASE du Rhône"),
        motif="Fin du contrat jeune majeur",
        fin_accompagnement_le=datetime.date(2026, 3, 31),
        freins_connus="Pas de logement stable",
        deja_essaye="Inscription à la mission locale, jamais venue",
        canal_prefere="sms",
        moment_prefere="le soir après 18 h",
        langues="français, arabe",
    )


CONTEXT = [
    "ASE du Rhône",
    "Fin du contrat jeune majeur",
    "31/03/2026",
    "Pas de logement stable",
    "Inscription à la mission locale, jamais venue",
    "le soir après 18 h",
    "français, arabe",
]


def test_the_counsellor_sees_the_context_and_the_next_action(client, signalement):
    parcours = signalement.parcours
    transitions.transition(parcours, Status.A_CONTACTER)
    transitions.transition(parcours, Status.CONTACTE)
    client.force_login(member(Role.AIGUILLEUR, territory=parcours.territory))
    html = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert all(text in html for text in CONTEXT)
    diagnostic = reverse("diagnostic:parcours", args=[parcours.uuid])
    assert f'<a class="fr-btn" href="{diagnostic}">Commencer le diagnostic</a>' in html
    assert html.count('class="fr-btn"') == 1 + html.count('class="fr-btn" type="submit"')
    for anchor in ("contexte", "contact", "diagnostic", "orientation", "historique"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_the_prescriber_sees_none_of_the_context(client, signalement):
    parcours = signalement.parcours
    client.force_login(member(Role.PRESCRIPTEUR, signalement.organisation))
    html = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert "Fin du contrat jeune majeur" in html  # their own motif, as before
    hidden = [text for text in CONTEXT[3:] if text in html]
    assert hidden == []
    assert "Envoyer le premier message" not in html and 'id="contexte"' not in html
