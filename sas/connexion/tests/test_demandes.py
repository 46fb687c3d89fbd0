"""Joining from ProConnect: the request, the one-click decision, who may take it, and that nothing exists before."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sas.connexion import demandes
from sas.connexion.models import DemandeAcces, EvenementDemande
from sas.connexion.proconnect import SESSION_IDENTITE
from sas.messagerie.models import Message
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Membership, Organisation, OrganisationKind, Role, User

pytestmark = pytest.mark.django_db

SIRET_ASE = "22690001700016"
SIRET_NOUVEAU = "77567146400110"


def ident(email="dominique.martin@example.org", siret=SIRET_ASE):
    return {
        "email": email,
        "prenom": "Dominique",
        "nom": "Martin",
        "siret": siret,
        "sub": f"sub-{email}",
        "uid": "42",
        "idp_id": "fia1v2",
    }


@pytest.fixture
def ase_siret(ase):
    ase.siret = SIRET_ASE
    ase.save()
    return ase


def test_a_request_for_a_known_siret_names_its_organisation_and_creates_nobody(ase_siret):
    utilisateurs = User.objects.count()
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    assert demande.organisation == ase_siret and demande.territory == ase_siret.territory
    assert demande.status == DemandeAcces.Status.EN_ATTENTE
    assert User.objects.count() == utilisateurs
    # Asking again while it is open gives the same request.
    assert demandes.demander(ident(), role=Role.STRUCTURE, organisation=ase_siret) == demande


def test_a_request_cannot_ask_to_be_administrator_nor_claim_another_siret(ase_siret):
    with pytest.raises(ValidationError):
        demandes.demander(ident(), role=Role.ADMIN, organisation=ase_siret)
    with pytest.raises(ValidationError):
        demandes.demander(ident(siret=SIRET_NOUVEAU), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    with pytest.raises(ValidationError):
        demandes.demander(ident(siret=SIRET_NOUVEAU), role=Role.PRESCRIPTEUR, nom_organisation="  ")
    assert not DemandeAcces.objects.exists()


def test_accepting_creates_the_account_without_password_and_its_membership(ase_siret, aiguilleur):
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    demandes.accepter(demande, aiguilleur)
    user = User.objects.get(email="dominique.martin@example.org")
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Dominique", "Martin")
    assert list(user.memberships.values_list("organisation", "role", "is_active")) == [
        (ase_siret.pk, Role.PRESCRIPTEUR, True)
    ]
    [evenement] = EvenementDemande.objects.filter(demande=demande)
    assert (evenement.from_status, evenement.to_status, evenement.actor) == ("en_attente", "acceptee", aiguilleur)
    demande.refresh_from_db()
    assert demande.status == "acceptee" and demande.decided_at is not None
    [courriel] = Message.objects.filter(destinataire="dominique.martin@example.org")
    assert courriel.gabarit == "demande_acces_acceptee" and "ASE du Rhône, prescripteur" in courriel.corps
    # Decided once: a second click changes nothing.
    with pytest.raises(demandes.DecisionImpossible):
        demandes.refuser(demande, aiguilleur)
    assert EvenementDemande.objects.count() == 1
    assert Message.objects.filter(destinataire="dominique.martin@example.org").count() == 1


def test_accepting_a_proposed_organisation_creates_it_with_its_siret(territory, aiguilleur):
    demande = demandes.demander(
        ident(siret=SIRET_NOUVEAU),
        role=Role.STRUCTURE,
        nom_organisation="Foyer des Lilas",
        kind=OrganisationKind.STRUCTURE_ACCUEIL,
        territory=territory,
    )
    assert not Organisation.objects.filter(siret=SIRET_NOUVEAU).exists()
    demandes.accepter(demande, aiguilleur)
    organisation = Organisation.objects.get(siret=SIRET_NOUVEAU)
    assert (organisation.nom, organisation.kind, organisation.territory) == (
        "Foyer des Lilas",
        OrganisationKind.STRUCTURE_ACCUEIL,
        territory,
    )
    assert demande.organisation == organisation
    assert Membership.objects.filter(organisation=organisation, role=Role.STRUCTURE).count() == 1


def test_an_existing_account_gets_the_new_membership_not_a_second_account(ase_siret, aiguilleur):
    ailleurs = member(Role.PRESCRIPTEUR)
    demande = demandes.demander(ident(email=ailleurs.email), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    demandes.accepter(demande, aiguilleur)
    assert User.objects.filter(email=ailleurs.email).count() == 1
    assert ailleurs.memberships.filter(organisation=ase_siret).exists()


def test_refusing_creates_nothing(ase_siret, aiguilleur):
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    demandes.refuser(demande, aiguilleur)
    assert not User.objects.filter(email="dominique.martin@example.org").exists()
    assert Message.objects.get(destinataire="dominique.martin@example.org").gabarit == "demande_acces_refusee"
    # Refused, they may ask again.
    assert demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret) != demande


def test_the_territory_team_and_the_organisation_admin_decide_nobody_else(client, ase_siret, aiguilleur):
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    url = reverse("connexion:decider_demande", args=[demande.pk])
    autre_equipe = member(Role.AIGUILLEUR, territory=TerritoryFactory())
    collegue = member(Role.PRESCRIPTEUR, ase_siret)
    for intrus, attendu in ((autre_equipe, 404), (collegue, 403)):
        client.force_login(intrus)
        assert client.post(url, {"decision": "accepter"}).status_code == attendu
    client.logout()
    assert client.post(url, {"decision": "accepter"})["Location"].startswith(reverse("login"))
    demande.refresh_from_db()
    assert demande.status == "en_attente"

    admin_ase = member(Role.ADMIN, ase_siret)
    client.force_login(admin_ase)
    assert "Dominique Martin" in client.get(reverse("connexion:demandes")).content.decode()
    client.post(url, {"decision": "refuser"})
    demande.refresh_from_db()
    assert demande.status == "refusee"


def test_one_click_accepts_from_the_list(client, ase_siret, aiguilleur):
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    client.force_login(aiguilleur)
    page = client.get(reverse("connexion:demandes")).content.decode()
    assert "Dominique Martin" in page and f'action="{reverse("connexion:decider_demande", args=[demande.pk])}"' in page
    suite = client.post(reverse("connexion:decider_demande", args=[demande.pk]), {"decision": "accepter"}, follow=True)
    assert "Dominique Martin a rejoint ASE du Rhône." in suite.content.decode()
    assert "Aucune demande en attente." in suite.content.decode()


def test_the_list_makes_a_fixed_number_of_queries(client, ase_siret, aiguilleur, count_queries):
    client.force_login(aiguilleur)
    demandes.demander(ident("a@example.org"), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    peu = count_queries(reverse("connexion:demandes"))
    nouvelle = OrganisationFactory(territory=ase_siret.territory, siret="")
    for n in range(5):
        demandes.demander(
            ident(f"p{n}@example.org", siret=f"1234567890{n:04d}"),
            role=Role.STRUCTURE,
            nom_organisation=f"Nouvelle {n}",
            kind=OrganisationKind.ASSOCIATION,
            territory=nouvelle.territory,
        )
    assert count_queries(reverse("connexion:demandes")) == peu


def test_the_join_form_proposes_an_organisation_when_the_siret_is_unknown(client, territory):
    session = client.session
    session[SESSION_IDENTITE] = ident(siret=SIRET_NOUVEAU)
    session.save()
    page = client.get(reverse("connexion:demande_acces")).content.decode()
    assert "Nom de votre organisation" in page
    vide = client.post(reverse("connexion:demande_acces"), {"role": "prescripteur"})
    assert vide.status_code == 400 and "Donnez le nom de votre organisation." in vide.content.decode()
    assert not DemandeAcces.objects.exists()
    envoi = client.post(
        reverse("connexion:demande_acces"),
        {
            "role": "prescripteur",
            "nom_organisation": "Mission locale Est",
            "kind": "mission_locale",
            "territory": territory.pk,
        },
    )
    assert envoi["Location"] == reverse("connexion:demande_envoyee")
    demande = DemandeAcces.objects.get()
    assert (demande.nom_organisation, demande.organisation, demande.territory) == (
        "Mission locale Est",
        None,
        territory,
    )
    assert "Mission locale Est" in client.get(reverse("connexion:demande_envoyee")).content.decode()
    # Until accepted, they are nobody: the home page shows nothing of a member.
    assert "_auth_user_id" not in client.session


def test_without_a_proconnect_identity_there_is_no_join_form(client):
    assert client.get(reverse("connexion:demande_acces"))["Location"] == reverse("login")
    assert client.post(reverse("connexion:demande_acces"), {"role": "prescripteur"})["Location"] == reverse("login")
    assert not DemandeAcces.objects.exists()


def test_operators_read_the_requests_in_the_admin_without_deciding_there(client, ase_siret):
    demande = demandes.demander(ident(), role=Role.PRESCRIPTEUR, organisation=ase_siret)
    client.force_login(member(Role.ADMIN))
    assert "dominique.martin@example.org" in client.get("/admin/connexion/demandeacces/").content.decode()
    client.post(f"/admin/connexion/demandeacces/{demande.pk}/change/", {"status": "acceptee"})
    demande.refresh_from_db()
    assert demande.status == "en_attente"


def test_the_join_requests_are_in_the_deciders_navigation_once(client, ase_siret, aiguilleur):
    lien = f'href="{reverse("connexion:demandes")}"'
    Membership.objects.create(user=aiguilleur, organisation=ase_siret, role=Role.ADMIN)
    client.force_login(User.objects.get(pk=aiguilleur.pk))
    assert client.get(reverse("connexion:demandes")).content.decode().count(lien) == 1
    client.force_login(member(Role.PRESCRIPTEUR, ase_siret))
    assert lien not in client.get(reverse("parcours:mes_signalements")).content.decode()
