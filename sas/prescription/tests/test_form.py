import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.communes.factories import CommuneFactory
from sas.jeunes.models import Consent
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.models import Parcours, Signalement
from sas.parcours.status import Status
from sas.permissions.suivi import SORTIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    return TerritoryFactory(communes=[CommuneFactory(code_insee="69266", nom="Villeurbanne", codes_postaux="69100")])


@pytest.fixture
def prescriber(territory):
    return member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.ASE))


def minimal(**extra):
    birth = timezone.localdate() - datetime.timedelta(days=19 * 365)
    return {"prenom": "Yanis", "telephone": "06 12 34 56 78", "commune": "69100", "date_naissance": birth, **extra}


def test_four_fields_are_enough_and_the_young_person_is_in_the_territory_queue(client, prescriber, territory):
    aiguilleur = member(Role.AIGUILLEUR, territory=territory)
    client.force_login(prescriber)
    response = client.post(reverse("prescription:signaler"), minimal(), follow=True)
    assert "Signalement de Yanis enregistré" in response.content.decode()
    signalement = Signalement.objects.get()
    assert signalement.organisation == prescriber.memberships.get().organisation
    assert signalement.parcours.jeune.telephone == "+33612345678"
    assert signalement.parcours.territory == territory
    client.force_login(aiguilleur)
    assert "Yanis" in client.get(reverse("parcours:file_active")).content.decode()


def test_agreement_is_recorded_as_a_consent_collected_by_the_prescriber(client, prescriber):
    client.force_login(prescriber)
    client.post(reverse("prescription:signaler"), minimal(jeune_accord="on", jeune_informe="oui"))
    consent = Consent.objects.get()
    assert consent.collected_by == prescriber
    assert Signalement.objects.get().jeune_informe is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"telephone": "06 12"}, "Numéro de téléphone invalide."),
        ({"telephone": ""}, "Indiquez au moins un moyen de joindre le jeune"),
        ({"date_naissance": "1990-01-01"}, "cette date de naissance donne"),
        ({"commune": "Atlantide"}, "Aucune commune ne correspond à « Atlantide »."),
        ({"prenom": ""}, "Ce champ est obligatoire."),
    ],
)
def test_errors_are_shown_in_french_and_nothing_is_created(client, prescriber, changes, message):
    client.force_login(prescriber)
    response = client.post(reverse("prescription:signaler"), minimal(**changes))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Signalement.objects.exists()


def test_every_error_shows_at_once_in_a_summary_linked_to_the_fields(client, prescriber):
    client.force_login(prescriber)
    data = minimal(prenom="", telephone="", date_naissance="", commune="Atlantide")
    page = client.post(reverse("prescription:signaler"), data).content.decode()
    summary = html.unescape(page[page.index('id="formulaire-erreurs"') : page.index('<fieldset class="fr-fieldset">')])
    # The form's own errors and the service's rules (a way to reach them, an age) in the same answer.
    assert 'role="alert"' in page and "corrigez ce qui suit" in summary
    for field, message in [
        ("prenom", "Ce champ est obligatoire."),
        ("commune", "Aucune commune ne correspond à « Atlantide »."),
        ("telephone", "Indiquez au moins un moyen de joindre le jeune"),
        ("date_naissance", "Indiquez la date de naissance ou, à défaut, la tranche d'âge."),
    ]:
        assert f'<a href="#id_{field}">' in summary and message in summary
    assert not Signalement.objects.exists()


def test_the_ways_to_reach_the_young_person_are_one_group_not_four_optional_fields(client, prescriber):
    client.force_login(prescriber)
    page = client.get(reverse("prescription:signaler")).content.decode()
    start = page.index("Au moins un moyen de joindre le jeune</legend>")
    group = page[start : page.index("</fieldset>", start)]
    for label in ("Téléphone", "Adresse électronique", "Adresse postale", "Joignable uniquement par notre"):
        assert label in group
    assert "Optionnel" not in group and "Optionnel" in page  # the other optional fields keep their mention


def test_a_commune_outside_the_territories_is_refused_with_its_name(client, prescriber):
    CommuneFactory(code_insee="13201", nom="Marseille 1er Arrondissement", codes_postaux="13001")
    client.force_login(prescriber)
    response = client.post(reverse("prescription:signaler"), minimal(commune="13001"))
    assert "Marseille 1er Arrondissement n'est pas encore couverte par une équipe SAS." in html.unescape(
        response.content.decode()
    )


def test_a_lyon_prescriber_may_type_lyons_insee_code(client):
    lyon = CommuneFactory(code_insee="69123", nom="Lyon", codes_postaux="69001 69003")
    # The territory lists the arrondissements: Lyon itself belongs to it through them.
    lyon_3e = CommuneFactory(code_insee="69383", nom="Lyon 3e Arrondissement", codes_postaux="69003", parent=lyon)
    territory = TerritoryFactory(communes=[lyon_3e])
    client.force_login(member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)))

    response = client.post(reverse("prescription:signaler"), minimal(commune="69123"))

    assert response.status_code == 302, html.unescape(response.content.decode())
    signalement = Signalement.objects.get()
    assert (signalement.parcours.jeune.commune, signalement.parcours.territory) == (lyon, territory)
    # A postcode of Lyon names its arrondissement.
    client.post(reverse("prescription:signaler"), minimal(commune="69003", prenom="Lina", telephone="0698765432"))
    assert Signalement.objects.get(parcours__jeune__prenom="Lina").parcours.jeune.commune == lyon_3e


def test_only_prescribers_may_signal_and_only_for_their_organisation(client, prescriber, territory):
    client.force_login(member(Role.AIGUILLEUR, territory=territory))
    assert client.get(reverse("prescription:signaler")).status_code == 403
    client.force_login(prescriber)
    other = OrganisationFactory(territory=territory)
    response = client.post(reverse("prescription:signaler"), minimal(organisation=other.pk))
    assert Signalement.objects.get().organisation != other
    assert response.status_code == 302


def test_signalement_form_requires_csrf(prescriber):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prescriber)
    assert client.post(reverse("prescription:signaler"), minimal()).status_code == 403
    assert not Parcours.objects.exists()


def test_mes_signalements_shows_stage_dates_and_a_neutral_exit_label(client, prescriber):
    client.force_login(prescriber)
    client.post(reverse("prescription:signaler"), minimal())
    client.post(reverse("prescription:signaler"), minimal(prenom="Léa", telephone="06 11 22 33 44"))
    yanis, lea = Parcours.objects.order_by("jeune__prenom").reverse()
    transitions.transition(yanis, Status.A_CONTACTER)
    transitions.transition(yanis, Status.CONTACTE)
    transitions.transition(lea, Status.HORS_CIBLE, reason="A déménagé à Lille")
    page = client.get(reverse("parcours:mes_signalements")).content.decode()
    table = page[page.index("<tbody>") :]
    assert html.escape(SORTIES[Status.HORS_CIBLE]) in table and "Lille" not in table
    today = timezone.localdate().strftime("%d/%m/%Y")
    row = table[table.index("Yanis") : table.index("</tr>", table.index("Yanis"))]
    assert row.count(today) == 3  # signalé le, étape actuelle le, contacté le
    assert "Contacté" in row
