import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.annuaire.factories import create_catalogue, service_row
from sas.audit.models import AuditEntry
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation import services
from sas.orientation.models import ActorKind, EventKind, Orientation, OrientationStatus
from sas.parcours.status import Status

from .conftest import IN_PERSON, LOGEMENT, envoyer, token_from

pytestmark = pytest.mark.django_db


def test_the_counsellor_sees_the_ranking_with_its_reasons_and_proposes(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    url = reverse("orientation:parcours", args=[parcours.uuid])
    html = client.get(url).content.decode()
    assert "1. Logement temporaire — Foyer jeunes travailleurs" in html
    assert "couvre logement et hébergement (pas mobilité) · à 0,0 km, en présentiel · gratuit" in html

    service_id = services.classer(parcours)[0].service_id
    response = client.post(reverse("orientation:proposer", args=[parcours.uuid]), {"services": [service_id]})
    assert response.status_code == 302
    (proposition,) = parcours.propositions.all()
    assert proposition.service_id == service_id
    assert proposition.explication.startswith("couvre logement")


def test_filters_change_the_ranking(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    url = reverse("orientation:parcours", args=[parcours.uuid])
    html = client.get(url, {"modes": "a-distance"}).content.decode()
    assert "Aucun service de l'annuaire ne répond" in html
    # What each filter hides: both services are in person.
    assert "<li>2 services avec un autre mode d&#x27;accueil</li>" in html


def test_a_service_waiting_for_the_young_persons_choice_is_marked_and_cannot_be_ticked(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    first = services.classer(parcours)[0]
    services.proposer(parcours, [first], actor=aiguilleur)

    html = client.get(reverse("orientation:parcours", args=[parcours.uuid])).content.decode()
    checkbox = html[html.index(f'id="service-{first.service_id}"') :].split(">", 1)[0]
    assert "disabled" in checkbox
    assert "Déjà proposé" in html


def test_the_counsellor_records_a_choice_made_with_them_only_with_oral_consent(client, parcours, aiguilleur):
    client.force_login(aiguilleur)
    (proposition, _other) = services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    url = reverse("orientation:choisir", args=[parcours.uuid, proposition.pk])

    client.post(url, {})
    assert not Orientation.objects.exists()
    client.post(url, {"accord_oral": "on", "partager_diagnostic": "on"})
    orientation = Orientation.objects.get()
    assert "diagnostic" in orientation.partage
    assert orientation.parcours.jeune.consents.get(purpose="transmission").collected_via == "oral"


def test_the_young_person_chooses_from_their_link(client, parcours, aiguilleur):
    services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    lien = LienJeune.creer(parcours)
    token = lien.token
    page = client.get(reverse("espace_jeune:page", args=[token])).content.decode()
    assert f"Votre conseiller vous propose {parcours.propositions.count()} endroits" in page
    assert reverse("orientation:jeune", args=[token]) in page

    # The services proposed say something of the situation: the link alone does not show them.
    html = client.get(reverse("orientation:jeune", args=[token])).content.decode()
    assert "Vérifions que c'est bien vous" in html and "Plateforme mobilité" not in html
    verifier(client, lien)
    html = client.get(reverse("orientation:jeune", args=[token])).content.decode()
    assert "Plateforme mobilité" in html
    # The card says what, where, when and how to reach it; the counsellor's ranking reasons are their jargon.
    assert "réactivité" not in html and "couvre logement" not in html
    proposition = parcours.propositions.get(service__identifiant="test--mobilite")
    response = client.post(reverse("orientation:jeune_choisir", args=[token, proposition.pk]), {})
    assert response.status_code == 302
    orientation = Orientation.objects.get()
    assert orientation.structure.nom == "Plateforme mobilité"
    assert set(orientation.partage) == {"identite", "coordonnees"}
    assert "Plateforme mobilité" in client.get(reverse("orientation:jeune", args=[token])).content.decode()
    # The first screen, seen by whoever holds the link, names no structure.
    page = Client().get(reverse("espace_jeune:page", args=[token])).content.decode()
    assert "Votre demande à une structure&nbsp;: elle est envoyée" in page and "Plateforme mobilité" not in page


def test_a_young_persons_link_cannot_choose_for_another_journey(client, parcours, aiguilleur, territory):
    services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    other = LienJeune.creer(
        type(parcours).objects.create(
            jeune=parcours.jeune, territory=territory, status=Status.SIGNALE, status_changed_at=timezone.now()
        )
    )
    proposition = parcours.propositions.first()
    response = client.post(reverse("orientation:jeune_choisir", args=[other.token, proposition.pk]), {})
    assert response.status_code == 403 and not Orientation.objects.exists()
    verifier(client, other)
    response = client.post(reverse("orientation:jeune_choisir", args=[other.token, proposition.pk]), {})
    assert response.status_code == 404
    assert not Orientation.objects.exists()


def test_a_receiver_without_account_answers_through_the_magic_link(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur)
    token = token_from(smtp_server[0])
    url = reverse("orientation:lien", args=[token])

    html = client.get(url).content.decode()
    assert "Orientation de Inès" in html and "+33612345678" in html
    assert "Logement (bloquant)" not in html, "the diagnostic was not consented"
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ENVOYEE, (
        "opening the link is not reading it: scanners open links too"
    )

    accept = reverse("orientation:lien_agir", args=[token, "accepter"])
    client.post(accept)
    client.post(accept)  # a double click
    assert orientation.events.filter(to_status=OrientationStatus.ACCEPTEE, kind=EventKind.TRANSITION).count() == 1
    assert list(orientation.events.filter(kind=EventKind.TRANSITION).values_list("to_status", flat=True)) == [
        OrientationStatus.ENVOYEE,
        OrientationStatus.VUE,
        OrientationStatus.ACCEPTEE,
    ], "the first answer records the referral as read"

    response = client.post(reverse("orientation:lien_agir", args=[token, "rdv"]), {"le": "pas une date"})
    assert response.status_code == 400
    assert "Saisissez une date et une heure valides" in response.content.decode()
    at = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("orientation:lien_agir", args=[token, "rdv"]), {"le": at})
    response = client.post(reverse("orientation:lien_agir", args=[token, "prise_en_charge"]))
    assert "Orientation terminée" in response.content.decode()
    parcours.refresh_from_db()
    assert parcours.status == Status.PRIS_EN_CHARGE

    # Reused after the end: refused.
    assert client.get(url).status_code == 410
    assert client.post(accept).status_code == 410


def test_a_refusal_needs_a_reason_from_the_list(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur)
    token = token_from(smtp_server[0])
    refuse = reverse("orientation:lien_agir", args=[token, "refuser"])

    assert client.post(refuse, {"motif": "n_importe_quoi"}).status_code == 400
    client.post(refuse, {"motif": "non_eligible", "precision": "Plus de 25 ans"})
    event = orientation.events.get(to_status=OrientationStatus.REFUSEE)
    assert (event.actor_kind, event.reason, event.precision) == (ActorKind.STRUCTURE, "non_eligible", "Plus de 25 ans")


def test_unknown_or_tampered_links_are_refused_and_counted(client, parcours, aiguilleur, smtp_server):
    envoyer(parcours, aiguilleur)
    token = token_from(smtp_server[0])
    assert client.get(reverse("orientation:lien", args=[token + "x"])).status_code == 410
    assert client.get(reverse("orientation:lien", args=["devine"])).status_code == 410
    assert client.post(reverse("orientation:lien_agir", args=[token, "supprimer"])).status_code == 403


def test_a_structure_with_an_account_sees_only_its_own_referrals(client, parcours, aiguilleur, accueil):
    orientation = envoyer(parcours, aiguilleur)
    user = member(Role.STRUCTURE, accueil)
    client.force_login(user)
    html = client.get(reverse("orientation:recues")).content.decode()
    assert "FJT Villeurbanne" in html and "Inès" in html
    client.post(reverse("orientation:recue_agir", args=[orientation.pk, "accepter"]))
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ACCEPTEE
    assert orientation.events.get(to_status=OrientationStatus.ACCEPTEE).actor == user


@pytest.mark.parametrize(
    "who",
    [
        lambda t: member(Role.STRUCTURE, OrganisationFactory(territory=t, kind=OrganisationKind.STRUCTURE_ACCUEIL)),
        lambda t: member(Role.AIGUILLEUR, territory=TerritoryFactory()),
        lambda t: member(Role.PRESCRIPTEUR, territory=t),
        lambda t: member(Role.PILOTE, territory=t),
    ],
    ids=["other-structure", "other-territory-aiguilleur", "prescriber", "pilot"],
)
def test_others_get_404_or_403_everywhere(client, parcours, aiguilleur, territory, who):
    orientation = envoyer(parcours, aiguilleur)
    proposition_pk = parcours.propositions.first().pk
    user = who(territory)
    client.force_login(user)
    gets = [
        reverse("orientation:parcours", args=[parcours.uuid]),
        reverse("orientation:recue", args=[orientation.pk]),
    ]
    posts = [
        reverse("orientation:proposer", args=[parcours.uuid]),
        reverse("orientation:choisir", args=[parcours.uuid, proposition_pk]),
        reverse("orientation:annuler", args=[orientation.pk]),
        reverse("orientation:renvoyer", args=[orientation.pk]),
        reverse("orientation:recue_agir", args=[orientation.pk, "accepter"]),
    ]
    for url in gets:
        assert client.get(url).status_code in (403, 404), url
    for url in posts:
        assert client.post(url, {"motif": "autre", "precision": "x", "accord_oral": "on"}).status_code in (403, 404)
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ENVOYEE
    if Role.STRUCTURE in user.roles:
        assert "Inès" not in client.get(reverse("orientation:recues")).content.decode()


def test_the_received_list_makes_the_same_number_of_queries_with_one_or_three(
    client, parcours, aiguilleur, accueil, count_queries
):
    client.force_login(member(Role.STRUCTURE, accueil))
    url = reverse("orientation:recues")
    orientation = envoyer(parcours, aiguilleur)
    one = count_queries(url)
    # A service is not proposed twice: the structure's other services.
    create_catalogue(
        [], [service_row(f"logement{n}", structure="fjt", thematiques=[LOGEMENT], **IN_PERSON) for n in (2, 3)]
    )
    for n in (2, 3):
        services.annuler(orientation, actor_kind=ActorKind.CONSEILLER, reason="autre", precision="test")
        orientation = envoyer(parcours, aiguilleur, f"logement{n}")
    assert Orientation.objects.count() == 3
    assert count_queries(url) == one


def test_the_counsellor_page_makes_the_same_number_of_queries_with_one_or_three(
    client, parcours, aiguilleur, count_queries
):
    client.force_login(aiguilleur)
    url = reverse("orientation:parcours", args=[parcours.uuid])
    orientation = envoyer(parcours, aiguilleur)
    services.annuler(orientation, actor_kind=ActorKind.CONSEILLER, reason="autre", precision="test")
    one = count_queries(url)
    create_catalogue([], [service_row("logement2", structure="fjt", thematiques=[LOGEMENT], **IN_PERSON)])
    for cle in ("mobilite", "logement2"):
        orientation = envoyer(parcours, aiguilleur, cle)
        services.annuler(orientation, actor_kind=ActorKind.CONSEILLER, reason="autre", precision="test")
    assert count_queries(url) == one


def test_csrf_stays_on_for_the_magic_link(parcours, aiguilleur, smtp_server):
    envoyer(parcours, aiguilleur)
    token = token_from(smtp_server[0])
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("orientation:lien_agir", args=[token, "accepter"])).status_code == 403


def test_reading_a_referral_is_audited(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur)
    client.get(reverse("orientation:lien", args=[token_from(smtp_server[0])]))
    entry = AuditEntry.objects.filter(object_type="orientation.orientation", action="consultation").get()
    assert entry.jeune_ids == [parcours.jeune_id] and entry.object_id == str(orientation.pk)


def test_the_prescriber_sees_the_stage_reached(client, parcours, aiguilleur, prescripteur, smtp_server):
    orientation = envoyer(parcours, aiguilleur)
    client.force_login(prescripteur)
    assert "Orientation envoyée" in client.get(reverse("parcours:mes_signalements")).content.decode()
    services.accepter(orientation)
    services.fixer_rdv(orientation, timezone.now() - datetime.timedelta(hours=1))
    services.confirmer_prise_en_charge(orientation)
    html = client.get(reverse("parcours:mes_signalements")).content.decode()
    assert "Pris en charge" in html
    assert "Logement temporaire" not in html, "prescribers see stages, not where or why"


def test_a_consent_withdrawn_after_sending_hides_what_it_covered(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur)
    url = reverse("orientation:lien", args=[token_from(smtp_server[0])])
    assert "+33612345678" in client.get(url).content.decode()

    parcours.jeune.consents.get(purpose="transmission", structures=orientation.structure).withdraw()
    html = client.get(url).content.decode()
    assert "+33612345678" not in html and "Perrin" not in html
    assert "Le jeune a retiré son accord" in html


def test_a_choice_recorded_by_the_counsellor_with_the_young_person_is_the_counsellors(client, parcours, aiguilleur):
    """Issue #10: what a counsellor does for the young person is recorded as done by the counsellor, never as the
    young person acting through their link."""
    client.force_login(aiguilleur)
    (proposition, _other) = services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    client.post(reverse("orientation:choisir", args=[parcours.uuid, proposition.pk]), {"accord_oral": "on"})
    orientation = Orientation.objects.get()
    consent = parcours.jeune.consents.get(purpose="transmission")
    assert (consent.collected_via, consent.collected_by) == ("oral", aiguilleur)
    assert orientation.envoyee_par == aiguilleur
    envoi = orientation.events.filter(to_status=OrientationStatus.ENVOYEE).first()
    assert (envoi.actor_kind, envoi.actor) == (ActorKind.CONSEILLER, aiguilleur)
    event = parcours.events.get(to_status=Status.ORIENTATION_ENVOYEE)
    assert event.actor == aiguilleur
    assert AuditEntry.objects.filter(actor=aiguilleur, object_id=str(orientation.pk)).exists()


def test_each_proposed_service_says_what_where_when_and_how_to_reach_it(client, parcours, aiguilleur, catalogue):
    logement = catalogue["logement"]
    type(logement).objects.filter(pk=logement.pk).update(
        description="Un logement pour quelques mois, le temps de trouver mieux. Détails sur place.",
        adresse="3 rue du Foyer",
        code_postal="69100",
        commune="Villeurbanne",
        horaires_accueil="Mo-Fr 09:00-12:00",
        telephone="04 72 00 00 00",
    )
    services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    lien = LienJeune.creer(parcours)
    verifier(client, lien)
    html = client.get(reverse("orientation:jeune", args=[lien.token])).content.decode()
    card = html[html.index("Logement temporaire</h3>") :]
    card = card[: card.index("Je choisis ce service")]
    for said in (
        "Un logement pour quelques mois, le temps de trouver mieux.",
        "3 rue du Foyer, 69100 Villeurbanne",
        "À moins d&#x27;1 km de Villeurbanne",
        "Voir sur une carte",
        "Du lundi au vendredi, de 9 h à 12 h.",
        'href="tel:0472000000"',
        "accueil@fjt.example.org",
        "Gratuit.",
    ):
        assert said in card, said
    assert "Détails sur place" not in card


def test_the_follow_up_question_comes_first_on_the_young_persons_page(client, parcours, aiguilleur):
    orientation = envoyer(parcours, aiguilleur)
    services.accepter(orientation)
    services.fixer_rdv(orientation, timezone.now() - datetime.timedelta(days=1))
    lien = LienJeune.creer(parcours)
    html = Client().get(reverse("espace_jeune:page", args=[lien.token])).content.decode()
    first = html[html.index('id="maintenant"') : html.index('class="fr-accordions-group')]
    assert "Une question pour vous" in first and ">Répondre</a>" in first
    assert reverse("orientation:jeune", args=[lien.token]) in first
    # The first screen, for whoever holds the link, does not name the structure.
    assert "Foyer jeunes travailleurs" not in html
    verifier(client, lien)
    client.post(reverse("orientation:jeune_rencontre", args=[lien.token]), {"rencontre": "oui"})
    html = client.get(reverse("espace_jeune:page", args=[lien.token])).content.decode()
    assert "Une question pour vous" not in html
