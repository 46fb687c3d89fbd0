import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sas.annuaire.factories import create_catalogue, service_row
from sas.jeunes.models import CollectionMethod, Consent, DataCategory
from sas.messagerie.envoi import expedier
from sas.messagerie.models import MASQUE, Destinataire, Message, MessageStatus
from sas.orientation import services
from sas.orientation.models import (
    ActorKind,
    EventKind,
    LienStructure,
    Orientation,
    OrientationEvent,
    OrientationStatus,
    Proposition,
    Reason,
)
from sas.orientation.transitions import TransitionError
from sas.parcours.models import Parcours
from sas.parcours.status import Status

from .conftest import IN_PERSON, LOGEMENT

pytestmark = pytest.mark.django_db


def proposer_tout(parcours, aiguilleur, at=None):
    parcours.refresh_from_db()
    ranking = [p for p in services.classer(parcours) if not p.deja_propose]
    return services.proposer(parcours, ranking, actor=aiguilleur, at=at)


def choisir(parcours, aiguilleur, cle="logement", *, diagnostic=False, at=None):
    propositions = {p.service.identifiant.removeprefix("test--"): p for p in proposer_tout(parcours, aiguilleur, at)}
    return services.choisir(propositions[cle], partager_diagnostic=diagnostic, actor_kind=ActorKind.JEUNE, at=at)


def token_du_courriel(message):
    return re.search(r"/orientation/s/([\w-]+)/", message.get_content()).group(1)


def test_proposing_keeps_the_explanations_and_moves_the_journey(parcours, aiguilleur):
    created = proposer_tout(parcours, aiguilleur)

    assert [p.service.nom for p in created] == ["Logement temporaire", "Conseil mobilité"]
    assert created[0].explication.startswith("couvre logement et hébergement (pas mobilité) · à 0,0 km")
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_PROPOSEE
    assert Message.objects.get(parcours=parcours, gabarit="orientation_proposee")


def test_proposing_needs_a_diagnostic_and_at_most_three_services(parcours, aiguilleur):
    fresh = Parcours.objects.create(
        jeune=parcours.jeune, territory=parcours.territory, status=Status.CONTACTE, status_changed_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="après le diagnostic"):
        services.proposer(fresh, services.classer(parcours), actor=aiguilleur)
    with pytest.raises(ValidationError, match="au moins un"):
        services.proposer(parcours, [], actor=aiguilleur)
    more = [service_row(f"autre{n}", structure="fjt", thematiques=[LOGEMENT], **IN_PERSON) for n in range(2)]
    create_catalogue([], more)
    with pytest.raises(ValidationError, match="au plus 3"):
        services.proposer(parcours, services.classer(parcours), actor=aiguilleur)
    assert not Proposition.objects.exists()


def test_the_choice_records_consent_for_that_structure_and_sends_the_referral(parcours, aiguilleur, smtp_server):
    orientation = choisir(parcours, aiguilleur)

    consent = Consent.objects.get(jeune=parcours.jeune, purpose="transmission")
    assert list(consent.structures.all()) == [orientation.structure]
    assert consent.categories == [DataCategory.IDENTITE, DataCategory.COORDONNEES]
    assert consent.collected_via == CollectionMethod.LIEN_SIGNE
    assert orientation.status == OrientationStatus.ENVOYEE
    assert not services.propositions_ouvertes(parcours).exists()
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_ENVOYEE
    # The structure got a magic link by real e-mail; only its hash is stored.
    (mail,) = smtp_server
    assert mail["To"] == "accueil@fjt.example.org"
    token = token_du_courriel(mail)
    assert LienStructure.trouver(token) == orientation
    assert not LienStructure.objects.filter(token_hash=token).exists()
    assert Message.objects.get(parcours=parcours, gabarit="orientation_envoyee")


def test_only_the_consented_part_of_the_diagnostic_is_shared(parcours, aiguilleur):
    sans = choisir(parcours, aiguilleur)
    assert set(sans.partage) == {"identite", "coordonnees"}
    assert sans.partage["identite"]["prenom"] == "Inès"
    assert sans.partage["coordonnees"]["telephone"] == "+33612345678"

    services.annuler(sans, actor_kind=ActorKind.CONSEILLER, reason=Reason.PLUS_INTERESSE)
    avec = choisir(parcours, aiguilleur, "mobilite", diagnostic=True)
    assert avec.partage["diagnostic"]["objectifs"] == "Un logement stable"
    assert "Logement (bloquant)" in avec.partage["diagnostic"]["besoins"]


def test_no_transfer_without_a_consent_that_covers_that_structure(parcours, aiguilleur, catalogue):
    proposer_tout(parcours, aiguilleur)
    # A consent naming another structure does not count, nor a withdrawn one for this structure.
    services.consentir(parcours, catalogue["mobilite"].structure, diagnostic=True, via=CollectionMethod.ORAL)
    services.consentir(parcours, catalogue["logement"].structure, diagnostic=False, via=CollectionMethod.ORAL)
    Consent.objects.filter(structures=catalogue["logement"].structure).get().withdraw()

    with pytest.raises(ValidationError, match="Aucun accord du jeune ne couvre la transmission"):
        services.envoyer(parcours, catalogue["logement"], actor_kind=ActorKind.CONSEILLER, actor=aiguilleur)
    assert not Orientation.objects.exists()
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_PROPOSEE


def test_a_magic_link_opens_its_own_referral_only_and_not_after_it_is_over(parcours, aiguilleur, smtp_server):
    orientation = choisir(parcours, aiguilleur)
    token = token_du_courriel(smtp_server[0])

    assert LienStructure.trouver(token) == orientation
    assert LienStructure.trouver(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert LienStructure.trouver(token, at=timezone.now() + datetime.timedelta(days=46)) is None
    services.refuser(orientation, reason=Reason.PAS_DE_PLACE)
    # Reused after the referral ended: refused, and every link of it is revoked.
    assert LienStructure.trouver(token) is None
    assert not orientation.liens.filter(revoked_at__isnull=True).exists()


def test_a_double_click_on_accept_writes_one_event(parcours, aiguilleur):
    orientation = choisir(parcours, aiguilleur)
    services.accepter(orientation)
    with pytest.raises(TransitionError):
        services.accepter(Orientation.objects.get(pk=orientation.pk))

    assert orientation.events.filter(to_status=OrientationStatus.ACCEPTEE, kind=EventKind.TRANSITION).count() == 1
    assert parcours.events.filter(to_status=Status.ACCEPTEE_PAR_STRUCTURE).count() == 1


def test_the_whole_loop_up_to_take_up(parcours, aiguilleur):
    t0 = timezone.now() - datetime.timedelta(days=10)
    orientation = choisir(parcours, aiguilleur, at=t0)
    services.voir(orientation, at=t0 + datetime.timedelta(hours=2))
    services.voir(orientation, at=t0 + datetime.timedelta(hours=3))
    services.accepter(orientation, at=t0 + datetime.timedelta(days=1))
    services.fixer_rdv(orientation, t0 + datetime.timedelta(days=5), at=t0 + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="n'a pas encore eu lieu"):
        services.confirmer_prise_en_charge(orientation, at=t0 + datetime.timedelta(days=2))
    services.confirmer_prise_en_charge(orientation, at=t0 + datetime.timedelta(days=6))

    statuts = list(orientation.events.filter(kind=EventKind.TRANSITION).values_list("to_status", flat=True))
    assert statuts == [
        OrientationStatus.ENVOYEE,
        OrientationStatus.VUE,
        OrientationStatus.ACCEPTEE,
        OrientationStatus.RDV_FIXE,
        OrientationStatus.PRISE_EN_CHARGE,
    ]
    parcours.refresh_from_db()
    assert parcours.status == Status.PRIS_EN_CHARGE
    gabarits = set(Message.objects.filter(parcours=parcours).values_list("gabarit", flat=True))
    assert {"orientation_envoyee", "orientation_acceptee", "orientation_rdv"} <= gabarits


def test_the_young_person_confirms_the_meeting_separately(parcours, aiguilleur):
    t0 = timezone.now() - datetime.timedelta(days=10)
    orientation = choisir(parcours, aiguilleur, at=t0)
    services.accepter(orientation, at=t0 + datetime.timedelta(days=1))
    assert services.a_demander_au_jeune(parcours) is None
    services.fixer_rdv(orientation, t0 + datetime.timedelta(days=3), at=t0 + datetime.timedelta(days=1))

    assert services.a_demander_au_jeune(parcours) == orientation
    services.rencontre_confirmee_par_jeune(orientation, rencontre=False)
    answer = orientation.events.get(kind=EventKind.RENCONTRE_JEUNE)
    assert (answer.actor_kind, answer.detail) == (ActorKind.JEUNE, {"rencontre": False})
    assert services.a_demander_au_jeune(parcours) is None, "asked once"
    # The structure's own confirmation is a separate fact.
    assert orientation.status == OrientationStatus.RDV_FIXE


def test_a_refusal_sends_the_person_back_to_the_counsellor_with_the_next_service(parcours, aiguilleur):
    orientation = choisir(parcours, aiguilleur)
    with pytest.raises(TransitionError, match="motif"):
        services.refuser(orientation, reason="")
    with pytest.raises(TransitionError, match="Précisez"):
        services.refuser(orientation, reason=Reason.AUTRE)
    services.refuser(orientation, reason=Reason.PAS_DE_PLACE, precision="Complet jusqu'en mars")

    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_REFUSEE
    assert parcours.events.last().reason == "Foyer jeunes travailleurs : Pas de place (Complet jusqu'en mars)"
    event = orientation.events.get(to_status=OrientationStatus.REFUSEE)
    assert (event.actor_kind, event.reason) == (ActorKind.STRUCTURE, Reason.PAS_DE_PLACE)
    assert services.suggestion(parcours).service_nom == "Conseil mobilité"
    assert Message.objects.get(parcours=parcours, gabarit="orientation_fermee")
    # Back in aiguillage: another referral can go out.
    assert choisir(parcours, aiguilleur, "mobilite").status == OrientationStatus.ENVOYEE


def test_reminders_after_3_and_7_days_never_more_then_expiry(parcours, aiguilleur, smtp_server):
    t0 = timezone.now() - datetime.timedelta(days=20)
    orientation = choisir(parcours, aiguilleur, at=t0)

    def day(n):
        return t0 + datetime.timedelta(days=n, minutes=1)

    assert services.relancer(at=day(2)) == []
    assert services.relancer(at=day(3)) == [
        f"Orientation {orientation.pk} vers Foyer jeunes travailleurs : relance n°1."
    ]
    assert orientation.events.filter(kind=EventKind.RELANCE).count() == 0, "dry run by default"
    services.relancer(wet_run=True, at=day(3))
    assert services.relancer(wet_run=True, at=day(4)) == [], "idempotent"
    services.relancer(wet_run=True, at=day(7))
    services.relancer(wet_run=True, at=day(10))
    assert orientation.events.filter(kind=EventKind.RELANCE).count() == 2
    assert [m["Subject"].strip().startswith("Relance") for m in smtp_server] == [False, True, True]

    services.relancer(wet_run=True, at=day(15))
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.EXPIREE
    event = orientation.events.get(to_status=OrientationStatus.EXPIREE)
    assert (event.actor_kind, event.reason) == (ActorKind.SYSTEME, Reason.SANS_REPONSE)
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_REFUSEE
    assert services.relancer(wet_run=True, at=day(16)) == []


def test_a_failed_email_is_noted_and_retried_by_the_next_reminder(parcours, aiguilleur, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    orientation = choisir(parcours, aiguilleur)

    failure = orientation.events.get(kind=EventKind.ECHEC_COURRIEL)
    assert failure.precision
    assert not orientation.liens.filter(revoked_at__isnull=True).exists(), "an unsent link is revoked"
    assert orientation.status == OrientationStatus.ENVOYEE


def test_events_are_append_only(parcours, aiguilleur):
    event = OrientationEvent.objects.filter(orientation=choisir(parcours, aiguilleur)).first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_the_structure_email_goes_through_messagerie_masked_and_is_retried(parcours, aiguilleur, smtp_server, settings):
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 9  # nothing listens there
    orientation = choisir(parcours, aiguilleur)
    message = Message.objects.get(nature=Destinataire.STRUCTURE)
    assert (message.destinataire, message.lien_objet, message.parcours_id) == (
        orientation.destinataire,
        orientation.pk,
        None,
    )
    assert (message.status, message.tentatives) == (MessageStatus.PROGRAMME, 1)
    assert f"/orientation/s/{MASQUE}/" in message.corps
    assert orientation.events.filter(kind=EventKind.ECHEC_COURRIEL).count() == 1
    assert not orientation.liens.filter(revoked_at__isnull=True).exists(), "the failed attempt's link is revoked"

    settings.EMAIL_PORT = port
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    (mail,) = smtp_server
    assert mail["Message-ID"] == f"<{message.uuid}@sas>"
    token = token_du_courriel(mail)
    assert LienStructure.trouver(token) == orientation
    assert orientation.liens.filter(revoked_at__isnull=True).count() == 1
    assert orientation.events.filter(kind=EventKind.COURRIEL).count() == 1
    # The token is stored nowhere readable: not in the message, not in its events.
    message.refresh_from_db()
    assert token not in message.corps and MASQUE in message.corps
    assert not Message.objects.filter(corps__contains=token).exists()


def test_a_retry_after_the_referral_ended_sends_nothing(parcours, aiguilleur, smtp_server, settings):
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 9
    orientation = choisir(parcours, aiguilleur)
    message = Message.objects.get(nature=Destinataire.STRUCTURE)
    services.annuler(orientation, actor_kind=ActorKind.CONSEILLER, reason=Reason.PLUS_INTERESSE)
    settings.EMAIL_PORT = port
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ANNULE
    assert smtp_server == []
    assert not orientation.liens.filter(revoked_at__isnull=True).exists()


def test_a_service_already_sent_is_marked_and_not_proposed_again(parcours, aiguilleur):
    orientation = choisir(parcours, aiguilleur)
    services.annuler(orientation, actor_kind=ActorKind.CONSEILLER, reason=Reason.PLUS_INTERESSE)
    parcours.refresh_from_db()

    ranking = {p.service_nom: p for p in services.classer(parcours)}
    assert ranking["Logement temporaire"].deja_propose and not ranking["Conseil mobilité"].deja_propose
    with pytest.raises(ValidationError, match="Déjà proposé à ce jeune : Logement temporaire"):
        services.proposer(parcours, [ranking["Logement temporaire"]], actor=aiguilleur)
    created = services.proposer(parcours, [ranking["Conseil mobilité"]], actor=aiguilleur)
    assert services.classer(parcours)[created[0].rang - 1].deja_propose  # waiting for the young person's choice


def test_an_urgent_need_of_the_diagnostic_ranks_its_service_first(parcours, aiguilleur, catalogue):
    abri = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
    create_catalogue(
        [],
        [
            service_row(
                "abri", structure="fjt", nom="Mise à l'abri", thematiques=[abri], **{**IN_PERSON, "frais": "payant"}
            )
        ],
    )
    diagnostic = parcours.diagnostics.get()
    reponses = {**diagnostic.reponses, "aide_immediate": ["dormir"]}
    type(diagnostic).objects.filter(pk=diagnostic.pk).update(reponses=reponses, besoins_retenus=None)

    first = services.classer(parcours)[0]
    assert first.service_nom == "Mise à l'abri"
    assert first.raisons[0] == "répond à l'urgence : un endroit où dormir ce soir"


def test_a_suspended_service_cannot_be_sent(parcours, aiguilleur, catalogue):
    proposition = {p.service.identifiant: p for p in proposer_tout(parcours, aiguilleur)}["test--logement"]
    type(catalogue["logement"]).objects.filter(pk=catalogue["logement"].pk).update(date_suspension=timezone.localdate())
    with pytest.raises(ValidationError, match="« Logement temporaire » est suspendu"):
        services.choisir(proposition, partager_diagnostic=False, actor_kind=ActorKind.JEUNE)
    assert not Orientation.objects.exists()
    assert "Logement temporaire" not in {p.service_nom for p in services.classer(parcours)}
