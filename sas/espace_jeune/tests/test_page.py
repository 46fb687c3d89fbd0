import datetime
import html as htmllib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage.models import CadenceContact, TacheContact
from sas.audit.models import Action, AuditEntry
from sas.espace_jeune import services
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.services import REFUS
from sas.espace_jeune.testing import verifier
from sas.espace_jeune.tests.liens import forged, inutilisable
from sas.jeunes.models import CollectionMethod, Consent, DataCategory, Purpose
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import MessageStatus
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import EventKind, Parcours, ParcoursEvent, SignalementSource
from sas.parcours.status import Status
from sas.parcours.transitions import transition
from sas.rendezvous.models import Creneau, RendezVous, RendezVousStatus

pytestmark = pytest.mark.django_db


def url(lien_or_token, name="page"):
    token = getattr(lien_or_token, "token", lien_or_token)
    return reverse(f"espace_jeune:{name}", args=[token])


def events(parcours, kind):
    return list(ParcoursEvent.objects.filter(parcours=parcours, kind=kind))


def text(response):
    return htmllib.unescape(response.content.decode())


def audits(action):
    return list(AuditEntry.objects.filter(action=action, detail__via="page"))


# Opening the page


def test_the_page_says_who_sees_what_and_keeps_who_signalled_why_behind_the_check(client, lien, parcours):
    events_before = ParcoursEvent.objects.count()
    response = client.get(url(lien))
    assert response.status_code == 200
    html = text(response)
    assert "Bonjour Inès" in html
    # A personal page: never cached, never indexed, and its title does not name the young person.
    assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]
    assert "<title>Mon espace SAS" in html
    # Whoever holds the link alone learns neither who signalled nor why.
    assert "ASE du Rhône" not in html and "Fin de prise en charge" not in html
    assert url(lien, "pourquoi") in html
    # Who sees what, by name.
    assert "Équipe SAS Lyon" in html and "Métropole de Lyon — pilotage" in html
    assert "seulement des chiffres anonymes" in html and "seulement l'étape où vous en êtes" in html
    # Opening writes nothing on the journey, but is audited.
    assert ParcoursEvent.objects.count() == events_before
    assert Parcours.objects.get(pk=parcours.pk).status == Status.SIGNALE
    [entry] = audits(Action.CONSULTATION)
    assert (entry.actor, entry.jeune_ids, entry.detail["action_jeune"]) == (None, [parcours.jeune_id], "ouverture")

    html = text(verifier(client, lien).get(url(lien, "pourquoi")))
    assert "ASE du Rhône" in html and "Fin de prise en charge ASE à la majorité" in html


def test_a_relative_who_signalled_stays_anonymous(client, territory, equipe):
    parcours = ParcoursFactory(territory=territory, jeune__prenom="Yanis")
    SignalementFactory(
        parcours=parcours,
        organisation=None,
        source=SignalementSource.PROCHE,
        verifie=False,
        declarant_nom="Samia Benali",
        declarant_contact="samia@example.org",
        declarant_lien="Frère ou sœur",
        motif="Il ne sort plus de sa chambre depuis des mois.",
    )
    lien = LienJeune.creer(parcours)
    html = text(client.get(url(lien))) + text(verifier(client, lien).get(url(lien, "pourquoi")))
    assert "Un proche" in html
    for secret in ("Samia", "samia@example.org", "Frère ou sœur", "sa chambre"):
        assert secret not in html


def test_the_page_shows_only_its_own_journey(client, lien, territory):
    other = ParcoursFactory(territory=territory, jeune__prenom="Zoé", jeune__nom="Martin")
    SignalementFactory(parcours=other, motif="Motif d'un autre jeune")
    html = text(client.get(url(lien)))
    assert "Zoé" not in html and "Motif d'un autre jeune" not in html


@pytest.mark.parametrize("case", ["expired", "revoked", "forged", "unknown", "garbage", "anonymised", "withdrawn"])
def test_an_unusable_link_explains_how_to_get_a_new_one(client, lien, parcours, case):
    token = inutilisable(lien, parcours, case)
    response = client.get(f"/j/{token}/")
    assert response.status_code == 410
    html = text(response)
    assert "Ce lien n'est plus valable" in html and "Inès" not in html and "ASE du Rhône" not in html
    assert reverse("espace_jeune:code") in html
    assert not AuditEntry.objects.exists()
    # Nor can it act.
    assert client.post(url(token, "accepter")).status_code == 410
    assert not Consent.objects.exists()


def test_the_page_links_to_preparing_the_interview_then_to_its_summary(client, lien, parcours):
    preparer = reverse("diagnostic:jeune_preparer", args=[lien.token])
    synthese = reverse("diagnostic:jeune_synthese", args=[lien.token])
    html = text(client.get(url(lien)))
    assert preparer in html and synthese not in html
    for status in (Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT):
        transition(parcours, status)
    html = text(client.get(url(lien)))
    assert synthese in html and preparer not in html


# The code printed on a letter


def test_the_code_from_a_letter_opens_the_page(client, lien):
    typed = " " + lien.token.upper().replace("-", " - ") + " "
    response = client.post(reverse("espace_jeune:code"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == url(lien)


def test_a_wrong_code_gets_a_clear_message(client, lien):
    response = client.post(reverse("espace_jeune:code"), {"code": forged(lien.token)})
    assert response.status_code == 200
    assert "Ce code n'est pas valable ou a expiré" in text(response)


def test_wrong_codes_and_links_are_rate_limited_per_ip(client, lien):
    limite = services.liens_errones_ip.limit
    # Wrong tokens aimed at many links, so that only the address's count can lock.
    for n in range(limite // 2):
        client.post(reverse("espace_jeune:code"), {"code": f"{n + 1000}-abcdefabcdef"}, REMOTE_ADDR="203.0.113.7")
    for n in range(limite - limite // 2):
        client.get(f"/j/{n + 5000}-abcdefabcdef/", REMOTE_ADDR="203.0.113.7")
    # Even a right code is refused from that address now, so guessing cannot go on.
    blocked = client.post(reverse("espace_jeune:code"), {"code": lien.token}, REMOTE_ADDR="203.0.113.7")
    assert blocked.status_code == 429 and "Trop d'essais" in text(blocked)
    assert client.get(url(lien), REMOTE_ADDR="203.0.113.7").status_code == 429
    # Other addresses are not affected; right codes do not count.
    for _ in range(limite + 1):
        assert client.get(url(lien), REMOTE_ADDR="198.51.100.1").status_code == 200


def test_wrong_codes_for_one_link_lock_that_link_only(client, lien, territory):
    autre = LienJeune.creer(ParcoursFactory(territory=territory))
    # From as many addresses as tries: the link's own count locks it.
    for n in range(services.liens_errones.limit):
        assert client.get(url(forged(lien.token)), REMOTE_ADDR=f"198.51.100.{n}").status_code == 410
    assert client.get(url(lien), REMOTE_ADDR="192.0.2.50").status_code == 429
    # The attacker's addresses, and everyone else, still open the other young person's link.
    assert client.get(url(autre), REMOTE_ADDR="198.51.100.0").status_code == 200
    assert client.get(url(autre), REMOTE_ADDR="192.0.2.50").status_code == 200


# Actions


def test_accepting_records_consent_for_the_territory_team_and_the_answer(client, lien, parcours, equipe):
    response = client.post(url(lien, "accepter"))
    assert response.status_code == 302 and response["Location"].startswith(url(lien))
    consent = Consent.objects.get()
    assert consent.jeune == parcours.jeune
    assert (consent.purpose, consent.collected_via, consent.collected_by) == (
        Purpose.ACCOMPAGNEMENT,
        CollectionMethod.LIEN_SIGNE,
        None,
    )
    assert consent.categories == [c.value for c in DataCategory]
    assert list(consent.organisations.all()) == [equipe]
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE
    [reponse] = events(parcours, EventKind.REPONSE)
    assert reponse.detail == {"via": "page"}
    [entry] = audits(Action.CREATION)
    assert entry.object_id == str(consent.pk) and entry.detail["action_jeune"] == "accepter"
    # A second click changes nothing.
    client.post(url(lien, "accepter"))
    assert Consent.objects.count() == 1 and len(events(parcours, EventKind.REPONSE)) == 1
    assert "Vous avez accepté le" in text(client.get(url(lien)))


def test_accepting_verifies_a_signalement_made_by_a_relative(client, territory, equipe):
    parcours = ParcoursFactory(territory=territory)
    relative = SignalementFactory(parcours=parcours, organisation=None, source=SignalementSource.PROCHE, verifie=False)
    client.post(url(LienJeune.creer(parcours), "accepter"))
    relative.refresh_from_db()
    assert relative.verifie is True


def test_refusing_asks_for_confirmation_then_closes_the_journey(client, lien, parcours, creneaux):
    services.accepter(parcours)
    rdv = services.choisir_creneau(parcours, creneaux[0])
    confirmation = client.get(url(lien, "refuser"))
    assert confirmation.status_code == 200 and Parcours.objects.get(pk=parcours.pk).status == Status.CONTACTE
    client.post(url(lien, "refuser"))
    parcours.refresh_from_db()
    assert parcours.status == Status.REFUS_DU_JEUNE
    assert parcours.events.filter(kind=EventKind.TRANSITION, to_status=Status.REFUS_DU_JEUNE).get().reason == REFUS
    assert not Consent.objects.active().exists()
    rdv.refresh_from_db()
    assert rdv.status == RendezVousStatus.ANNULE
    [entry] = audits(Action.TRANSITION)
    assert entry.detail["action_jeune"] == "refuser"
    # They may change their mind.
    assert "Vous avez dit non" in text(client.get(url(lien)))
    client.post(url(lien, "accepter"))
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE and Consent.objects.active().count() == 1


def test_refusing_cancels_the_messages_waiting_for_this_journey(client, lien, parcours):
    services.accepter(parcours)
    later = timezone.now() + datetime.timedelta(days=2)
    relance = messagerie.envoyer(parcours, "relance", at=later, cle=f"cadence-{parcours.pk}-1-2-sms")
    assert relance.status == MessageStatus.PROGRAMME
    client.post(url(lien, "refuser"))
    relance.refresh_from_db()
    assert relance.status == MessageStatus.ANNULE
    # Not a STOP: the young person may still come back.
    assert type(parcours.jeune).objects.get(pk=parcours.jeune_id).messages_arretes_le is None


def test_refusing_once_the_support_has_gone_further_is_explained(client, lien, parcours):
    for status in (Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT):
        transition(parcours, status)
    transition(parcours, Status.ORIENTATION_PROPOSEE)
    transition(parcours, Status.ORIENTATION_ENVOYEE)
    response = client.post(url(lien, "refuser"), follow=True)
    assert "déjà en cours" in text(response)
    assert Parcours.objects.get(pk=parcours.pk).status == Status.ORIENTATION_ENVOYEE


def test_asking_for_a_call_creates_a_task_with_the_preferred_times(client, lien, parcours):
    client.post(url(lien, "appel"), {"moments_preferes": ["soir", "samedi"]})
    tache = TacheContact.objects.get()
    assert (tache.parcours, tache.nature) == (parcours, "appel")
    assert "En fin de journée (18 h – 20 h), Le samedi" in tache.motif
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE
    assert parcours.jeune.moments_preferes == "En fin de journée (18 h – 20 h), Le samedi"
    assert audits(Action.CREATION)[0].detail["action_jeune"] == "appel"


def test_preferences_are_saved_on_the_young_person(client, lien, parcours):
    client.post(url(lien, "preferences"), {"canal_prefere": "email", "moments_preferes": ["matin"]})
    jeune = type(parcours.jeune).objects.get(pk=parcours.jeune_id)
    assert (jeune.canal_prefere, jeune.moments_preferes) == ("email", "Le matin (8 h – 12 h)")
    assert audits(Action.MODIFICATION)[0].detail["action_jeune"] == "preferences"
    # The form shows them back.
    html = text(client.get(url(lien)))
    assert re.search(r'value="email"[^>]*checked', html)


def test_invalid_preferences_change_nothing(client, lien, parcours):
    response = client.post(url(lien, "preferences"), {"canal_prefere": "pigeon"}, follow=True)
    assert "Choisissez comment vous préférez" in text(response)
    assert type(parcours.jeune).objects.get(pk=parcours.jeune_id).canal_prefere == ""
    assert not events(parcours, EventKind.REPONSE)


@pytest.mark.parametrize(("mois", "months"), [("1", 1), ("3", 3), ("6", 6)])
def test_not_now_defers_contact_by_the_chosen_months(client, lien, parcours, mois, months):
    client.post(url(lien, "plus_tard"), {"mois": mois})
    expected = services.ajouter_mois(timezone.localdate(), months)
    [report] = events(parcours, EventKind.REPORT)
    assert report.detail == {"jusqu_au": expected.isoformat(), "via": "page"}
    assert CadenceContact.objects.get(parcours=parcours).reporte_jusqu_au == expected
    assert Parcours.objects.get(pk=parcours.pk).status == Status.SIGNALE
    assert f"à partir du {expected.day}" in text(client.get(url(lien)))


def test_adding_months_keeps_to_the_end_of_short_months():
    assert services.ajouter_mois(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert services.ajouter_mois(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert services.ajouter_mois(datetime.date(2026, 8, 15), 6) == datetime.date(2027, 2, 15)


def test_booking_a_slot_then_moving_then_cancelling_it(client, lien, parcours, creneaux):
    html = text(client.get(url(lien)))
    assert "en personne, 12 rue de la République, Lyon" in html
    assert "par téléphone" in html and "en visio" in html
    client.post(url(lien, "rendez_vous"), {"creneau": creneaux[0].pk})
    rdv = RendezVous.objects.get()
    assert (rdv.parcours, rdv.creneau, rdv.pris_par, rdv.status) == (parcours, creneaux[0], "jeune", "confirme")
    assert Parcours.objects.get(pk=parcours.pk).status == Status.CONTACTE
    assert events(parcours, EventKind.RENDEZ_VOUS)
    assert "Votre rendez-vous" in text(client.get(url(lien)))
    # Moving it: the old one is cancelled, the new one confirmed.
    client.post(url(lien, "rendez_vous"), {"creneau": creneaux[1].pk})
    assert dict(RendezVous.objects.values_list("creneau_id", "status")) == {
        creneaux[0].pk: RendezVousStatus.ANNULE,
        creneaux[1].pk: RendezVousStatus.CONFIRME,
    }
    client.post(url(lien, "annuler_rendez_vous"))
    assert not RendezVous.objects.filter(status=RendezVousStatus.CONFIRME).exists()
    actions = AuditEntry.objects.filter(detail__via="page").exclude(detail__action_jeune="ouverture").order_by("pk")
    assert [e.detail["action_jeune"] for e in actions] == [
        "rendez_vous",
        "rendez_vous",
        "annuler_rendez_vous",
    ]


def test_a_slot_of_another_territory_or_already_taken_cannot_be_booked(client, lien, parcours, creneaux):
    other = ParcoursFactory()
    foreign = Creneau.objects.create(
        conseiller=creneaux[0].conseiller,
        organisation=type(creneaux[0].organisation).objects.create(
            nom="Équipe SAS ailleurs", kind="equipe_sas", territory=other.territory
        ),
        debut=creneaux[0].debut + datetime.timedelta(days=1),
        fin=creneaux[0].fin + datetime.timedelta(days=1),
        modalite="telephone",
        lieu="Appel",
    )
    response = client.post(url(lien, "rendez_vous"), {"creneau": foreign.pk}, follow=True)
    assert "plus disponible" in text(response)
    RendezVous.objects.create(creneau=creneaux[2], parcours=other, pris_par="conseiller")
    client.post(url(lien, "rendez_vous"), {"creneau": creneaux[2].pk})
    assert not RendezVous.objects.filter(parcours=parcours).exists()


def test_another_journeys_link_cannot_act_on_this_one(client, lien, parcours, territory, creneaux):
    other = ParcoursFactory(territory=territory)
    other_lien = LienJeune.creer(other)
    for name, data in [
        ("accepter", {}),
        ("appel", {}),
        ("preferences", {"canal_prefere": "sms"}),
        ("plus_tard", {"mois": "1"}),
        ("rendez_vous", {"creneau": creneaux[0].pk}),
        ("refuser", {}),
    ]:
        client.post(url(other_lien, name), data)
    parcours.refresh_from_db()
    assert parcours.status == Status.SIGNALE
    assert list(parcours.events.values_list("kind", flat=True)) == [EventKind.TRANSITION]
    assert not Consent.objects.filter(jeune=parcours.jeune).exists()
    assert not RendezVous.objects.filter(parcours=parcours).exists()
    assert not TacheContact.objects.filter(parcours=parcours).exists()
    assert type(parcours.jeune).objects.get(pk=parcours.jeune_id).canal_prefere == ""
    audited = AuditEntry.objects.filter(detail__via="page").values_list("jeune_ids", flat=True)
    assert audited and all(ids == [other.jeune_id] for ids in audited)


def test_stop_asks_for_confirmation_then_stops_messages(client, lien, parcours):
    assert client.get(url(lien, "stop")).status_code == 200
    assert type(parcours.jeune).objects.get(pk=parcours.jeune_id).messages_arretes_le is None
    client.post(url(lien, "stop"))
    assert type(parcours.jeune).objects.get(pk=parcours.jeune_id).messages_arretes_le is not None
    assert events(parcours, EventKind.OPPOSITION)
    assert "nous n'en envoyons plus" in text(client.get(url(lien)))


@pytest.mark.parametrize("name", ["accepter", "appel", "preferences", "plus_tard", "rendez_vous", "stop", "refuser"])
def test_csrf_stays_on(lien, parcours, name):
    response = Client(enforce_csrf_checks=True).post(url(lien, name), {"mois": "1", "canal_prefere": "sms"})
    assert response.status_code == 403
    assert list(Parcours.objects.get(pk=parcours.pk).events.values_list("kind", flat=True)) == [EventKind.TRANSITION]
    assert not Consent.objects.exists()


ACTIONS = ["accepter", "appel", "preferences", "plus_tard", "rendez_vous", "annuler_rendez_vous"]


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_are_post_only(client, lien, name):
    assert client.get(url(lien, name)).status_code == 405


def test_the_page_makes_a_fixed_number_of_queries(client, lien, parcours, territory, creneaux, ase, count_queries):
    baseline = count_queries(url(lien))
    for _ in range(4):
        SignalementFactory(parcours=parcours, organisation__territory=territory)
    for creneau in creneaux:
        Creneau.objects.create(
            conseiller=creneau.conseiller,
            organisation=creneau.organisation,
            debut=creneau.debut + datetime.timedelta(days=1),
            fin=creneau.fin + datetime.timedelta(days=1),
            modalite=creneau.modalite,
            lieu=creneau.lieu,
        )
    assert count_queries(url(lien)) == baseline


# What the first screen asks, and how it speaks


def maintenant(html):
    """The block of the one action expected now (first on the page)."""
    start = html.index('id="maintenant"')
    return html[start : html.index('class="fr-accordions-group', start)]


def test_a_prescribers_tick_box_is_not_the_young_persons_yes(client, lien, parcours, equipe, ase):
    declared = Consent.objects.create(
        jeune=parcours.jeune,
        purpose=Purpose.ACCOMPAGNEMENT,
        categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES],
        collected_via=CollectionMethod.FORMULAIRE_PRESCRIPTEUR,
    )
    declared.organisations.add(equipe)
    html = text(client.get(url(lien)))
    assert "Vous avez accepté" not in html and "avez dit oui" not in html
    first = maintenant(html)
    assert "On nous a dit que vous étiez d'accord" in first and url(lien, "accepter") in first
    # Their own yes is recorded beside the prescriber's declaration, then told as theirs.
    client.post(url(lien, "accepter"))
    mine = Consent.objects.exclude(pk=declared.pk).get()
    assert mine.collected_via == CollectionMethod.LIEN_SIGNE
    html = text(client.get(url(lien)))
    assert "Vous avez accepté le" in html and url(lien, "accepter") not in html


def test_an_oral_yes_is_told_as_said_to_the_counsellor(client, lien, parcours, equipe, aiguilleur):
    oral = Consent.objects.create(
        jeune=parcours.jeune,
        purpose=Purpose.ACCOMPAGNEMENT,
        categories=[DataCategory.IDENTITE],
        collected_via=CollectionMethod.ORAL,
        collected_by=aiguilleur,
    )
    oral.organisations.add(equipe)
    html = text(client.get(url(lien)))
    assert "Vous avez dit oui à votre conseiller ou conseillère le" in html and "Vous avez accepté" not in html
    assert url(lien, "accepter") not in html


def test_the_first_screen_asks_to_accept_then_to_pick_a_slot_then_shows_the_appointment(
    client, lien, parcours, aiguilleur, equipe
):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    creneaux = [
        Creneau.objects.create(
            conseiller=aiguilleur,
            organisation=equipe,
            debut=start + datetime.timedelta(days=i),
            fin=start + datetime.timedelta(days=i, minutes=30),
            modalite="telephone",
            lieu="Appel",
        )
        for i in range(5)
    ]
    first = maintenant(text(client.get(url(lien))))
    assert "J'accepte d'être accompagné ou accompagnée" in first and "Choisir ce rendez-vous" not in first

    services.accepter(parcours)
    first = maintenant(text(client.get(url(lien))))
    assert "Choisir ce rendez-vous" in first and url(lien, "accepter") not in first
    # Three slots at once, the others folded under them, all in the same form.
    folded = first.index("Voir d'autres moments")
    shown = [first.index(f'value="{c.pk}"') for c in creneaux]
    assert all(position < folded for position in shown[:3]) and all(position > folded for position in shown[3:])

    services.choisir_creneau(parcours, creneaux[0])
    first = maintenant(text(client.get(url(lien))))
    assert "Votre rendez-vous" in first and "Choisir ce rendez-vous" not in first


def test_after_saying_no_the_first_screen_offers_to_change_ones_mind(client, lien, parcours):
    services.refuser(parcours)
    first = maintenant(text(client.get(url(lien))))
    assert "Vous avez dit non" in first and url(lien, "accepter") in first


def test_the_pages_speak_without_acronyms(client, lien, parcours):
    for response in (client.get(url(lien)), verifier(client, lien).get(url(lien, "pourquoi"))):
        visible = re.sub(r"<[^>]+>", " ", text(response).split("<body", 1)[1])
        # The signaller's own name and words are quoted as they are; what it is is said in words beside it.
        visible = visible.replace("ASE du Rhône", "").replace(parcours.signalements.get().motif, "")
        assert not re.search(r"\b(ASE|SPIP|CEJ|RSA|ML)\b", visible), visible
    assert "l'aide sociale à l'enfance, qui protège les enfants" in text(response)
