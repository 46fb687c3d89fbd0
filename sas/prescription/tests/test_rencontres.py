import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import Action, AuditEntry
from sas.browser_testing import launch, needs_browser, serious_violations
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import EventKind, SignalementSource
from sas.parcours.status import Status
from sas.prescription.models import RencontreMode, RencontreTripartite
from sas.prescription.rencontres import (
    Taux,
    annuler_rencontre,
    noter_issue,
    proposer_rencontre,
    taux_contact_selon_rencontre,
)
from sas.prescription.services import SignalementData, signaler

pytestmark = pytest.mark.django_db

FIN = datetime.timedelta(days=30)


def sortie_a_venir(territory, org, prescripteur, prenom="Inès", telephone="+33612345678"):
    data = SignalementData(
        prenom=prenom,
        commune=territory.communes.get(),
        tranche_age="15-17",
        telephone=telephone,
        fin_accompagnement_le=timezone.localdate() + FIN,
    )
    return signaler(
        data, source=SignalementSource.PRESCRIPTEUR, organisation=org, created_by=prescripteur
    ).signalement.parcours


@pytest.fixture
def parcours(territory, ase, prescripteur):
    return sortie_a_venir(territory, ase, prescripteur)


def at_local(days, hour=14, minute=30):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def propose(parcours, org, user, **kwargs):
    values = {"starts_at": at_local(10), "mode": RencontreMode.PRESENTIEL, "lieu": "Foyer Les Tilleuls, Lyon 8e"}
    return proposer_rencontre(parcours, organisation=org, proposed_by=user, **{**values, **kwargs})


def rencontre_events(parcours):
    return list(parcours.events.filter(kind=EventKind.RENCONTRE).values_list("reason", flat=True))


# Services


def test_a_prescriber_books_a_joint_meeting_before_the_end_of_support(parcours, ase, prescripteur):
    rencontre = propose(parcours, ase, prescripteur)
    assert (rencontre.organisation, rencontre.proposed_by, rencontre.aiguilleur) == (ase, prescripteur, None)
    when = f"{at_local(10):%d/%m/%Y} à 14:30"
    assert rencontre_events(parcours) == [f"Rencontre tripartite proposée le {when} (en présentiel)"]
    event = parcours.events.get(kind=EventKind.RENCONTRE)
    assert (event.actor, event.from_status, event.to_status) == (
        prescripteur,
        Status.SORTIE_A_VENIR,
        Status.SORTIE_A_VENIR,
    )
    parcours.refresh_from_db()
    assert parcours.status == Status.SORTIE_A_VENIR
    assert (
        AuditEntry.objects.get(object_type="prescription.rencontretripartite", object_id=str(rencontre.pk)).actor
        == prescripteur
    )


def test_an_aiguilleur_of_the_territory_books_it_in_the_prescribers_name(parcours, ase, aiguilleur):
    rencontre = propose(parcours, ase, aiguilleur, mode=RencontreMode.TELEPHONE, lieu="")
    assert (rencontre.organisation, rencontre.aiguilleur) == (ase, aiguilleur)
    assert rencontre_events(parcours)[0].endswith("(par téléphone)")


@pytest.mark.parametrize("who", ["other_prescriber", "other_aiguilleur", "structure"])
def test_others_cannot_book_a_meeting(parcours, ase, who):
    user = {
        "other_prescriber": lambda: member(Role.PRESCRIPTEUR, territory=parcours.territory),
        "other_aiguilleur": lambda: member(Role.AIGUILLEUR),
        "structure": lambda: member(Role.STRUCTURE, territory=parcours.territory),
    }[who]()
    with pytest.raises(ValidationError, match="Seuls la structure qui a signalé ce jeune et l'équipe SAS"):
        propose(parcours, ase, user)
    assert not RencontreTripartite.objects.exists() and rencontre_events(parcours) == []


def test_a_prescriber_cannot_book_in_the_name_of_an_organisation_that_did_not_signal(parcours, prescripteur, territory):
    other = OrganisationFactory(territory=territory)
    prescripteur.memberships.create(organisation=other, role=Role.PRESCRIPTEUR)
    with pytest.raises(ValidationError, match="Seuls la structure"):
        propose(parcours, other, prescripteur)


def test_only_while_the_exit_is_upcoming(parcours, ase, prescripteur, aiguilleur):
    transitions.transition(parcours, Status.A_CONTACTER, actor=aiguilleur)
    with pytest.raises(
        ValidationError, match="avant la fin de l'accompagnement : ce parcours est au statut « À contacter »"
    ):
        propose(parcours, ase, prescripteur)
    assert not RencontreTripartite.objects.exists()


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (lambda: timezone.now() - datetime.timedelta(minutes=1), "La rencontre doit avoir lieu dans le futur."),
        (
            lambda: at_local(FIN.days + 8, hour=9),
            "La rencontre doit avoir lieu avant la fin de l'accompagnement (le {fin}), ou au plus tard le {latest}.",
        ),
    ],
    ids=["past", "too_late"],
)
def test_the_date_must_be_future_and_at_most_a_week_after_the_end(parcours, ase, prescripteur, starts_at, message):
    fin = timezone.localdate() + FIN
    expected = message.format(fin=f"{fin:%d/%m/%Y}", latest=f"{fin + datetime.timedelta(days=7):%d/%m/%Y}")
    with pytest.raises(ValidationError) as error:
        propose(parcours, ase, prescripteur, starts_at=starts_at())
    assert error.value.message_dict == {"starts_at": [expected]}
    assert not RencontreTripartite.objects.exists()


def test_a_week_after_the_end_is_still_possible(parcours, ase, prescripteur):
    assert propose(parcours, ase, prescripteur, starts_at=at_local(FIN.days + 7, hour=23, minute=0)).pk


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (RencontreMode.PRESENTIEL, "Indiquez le lieu de la rencontre."),
        (RencontreMode.VISIO, "Indiquez le lien de la visioconférence."),
    ],
)
def test_a_place_or_a_link_is_needed_except_by_phone(parcours, ase, prescripteur, mode, message):
    with pytest.raises(ValidationError) as error:
        propose(parcours, ase, prescripteur, mode=mode, lieu="  ")
    assert error.value.message_dict == {"lieu": [message]}


def test_the_outcome_is_noted_once_after_the_date(parcours, ase, prescripteur, aiguilleur):
    rencontre = propose(parcours, ase, prescripteur)
    with pytest.raises(ValidationError, match="Vous pourrez dire si la rencontre a eu lieu après le"):
        noter_issue(rencontre, True, prescripteur)
    after = rencontre.starts_at + datetime.timedelta(hours=1)
    noter_issue(rencontre, True, aiguilleur, at=after)
    rencontre.refresh_from_db()
    assert rencontre.took_place is True
    when = f"{at_local(10):%d/%m/%Y} à 14:30"
    assert rencontre_events(parcours)[-1] == f"Rencontre tripartite du {when} : a eu lieu"
    assert parcours.events.filter(kind=EventKind.RENCONTRE).last().actor == aiguilleur
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        noter_issue(rencontre, False, prescripteur, at=after)
    rencontre.refresh_from_db()
    assert rencontre.took_place is True and len(rencontre_events(parcours)) == 2


def test_another_organisation_cannot_note_the_outcome(parcours, ase, prescripteur):
    rencontre = propose(parcours, ase, prescripteur)
    with pytest.raises(ValidationError, match="Seuls la structure"):
        noter_issue(rencontre, False, member(Role.PRESCRIPTEUR), at=rencontre.starts_at + datetime.timedelta(hours=1))
    rencontre.refresh_from_db()
    assert rencontre.took_place is None


def test_a_meeting_is_cancelled_once_and_then_has_no_outcome(parcours, ase, prescripteur, aiguilleur):
    rencontre = propose(parcours, ase, prescripteur)
    with pytest.raises(ValidationError, match="Seuls la structure"):
        annuler_rencontre(rencontre, member(Role.PRESCRIPTEUR))
    annuler_rencontre(rencontre, aiguilleur)
    rencontre.refresh_from_db()
    assert rencontre.cancelled_at is not None
    assert rencontre_events(parcours)[-1] == f"Rencontre tripartite du {at_local(10):%d/%m/%Y} à 14:30 annulée"
    with pytest.raises(ValidationError, match="déjà été annulée"):
        annuler_rencontre(rencontre, prescripteur)
    with pytest.raises(ValidationError, match="a été annulée"):
        noter_issue(rencontre, True, prescripteur, at=rencontre.starts_at + datetime.timedelta(hours=1))
    assert len(rencontre_events(parcours)) == 2


def test_a_meeting_whose_outcome_is_known_cannot_be_cancelled(parcours, ase, prescripteur):
    rencontre = propose(parcours, ase, prescripteur)
    noter_issue(rencontre, True, prescripteur, at=rencontre.starts_at + datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="ne peut plus être annulée"):
        annuler_rencontre(rencontre, prescripteur)
    rencontre.refresh_from_db()
    assert rencontre.cancelled_at is None


def test_contact_rate_with_and_without_a_joint_meeting_that_took_place(territory, ase, prescripteur, aiguilleur):
    def journey(n, *, met=None, contacted=False, start=Status.SORTIE_A_VENIR, where=territory):
        parcours = ParcoursFactory(territory=where, status=start)
        SignalementFactory(parcours=parcours, organisation=ase, fin_accompagnement_le=timezone.localdate() + FIN)
        if met is not None:
            rencontre = propose(parcours, ase, prescripteur, starts_at=at_local(n + 1))
            noter_issue(rencontre, met, prescripteur, at=rencontre.starts_at + datetime.timedelta(hours=2))
        if contacted:
            later = at_local(n + 2)
            if start == Status.SIGNALE:
                transitions.transition(parcours, Status.A_CONTACTER, at=later)
            transitions.transition(parcours, Status.CONTACTE, at=later)

    journey(1, met=True, contacted=True)
    journey(2, met=True)
    journey(3, contacted=True)
    journey(4)
    journey(5)
    journey(6, met=False)  # booked but did not take place: counts as without
    journey(7, contacted=True, start=Status.SIGNALE)  # never an upcoming exit
    journey(8, met=True, contacted=True, where=TerritoryFactory())  # another territory
    # Contact through a_contacter then contact_en_cours counts as well.
    p = ParcoursFactory(territory=territory, status=Status.SORTIE_A_VENIR)
    for status in (Status.A_CONTACTER, Status.CONTACT_EN_COURS, Status.CONTACTE):
        transitions.transition(p, status)

    result = taux_contact_selon_rencontre(territory)
    assert result == {"avec": Taux(parcours=2, contactes=1), "sans": Taux(parcours=5, contactes=2)}
    assert (result["avec"].taux, result["sans"].taux) == (0.5, 0.4)
    assert taux_contact_selon_rencontre(TerritoryFactory())["avec"].taux is None


# Views


def url(name, parcours, **kwargs):
    return reverse(f"prescription:{name}", kwargs={"uuid": parcours.uuid, **kwargs})


def form(days=10, **overrides):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return {"date": day.isoformat(), "heure": "14:30", "mode": "presentiel", "lieu": "Foyer Les Tilleuls", **overrides}


def test_the_prescriber_proposes_from_the_page_and_sees_it_listed(client, parcours, prescripteur):
    client.force_login(prescripteur)
    listing = client.get(url("rencontre_liste", parcours)).content.decode()
    assert url("rencontre_proposer", parcours) in listing and "Aucune rencontre" in listing
    response = client.post(url("rencontre_proposer", parcours), form())
    assert response.status_code == 302 and response["Location"] == url("rencontre_liste", parcours)
    rencontre = RencontreTripartite.objects.get()
    assert timezone.localtime(rencontre.starts_at).replace(tzinfo=None) == datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=10), datetime.time(14, 30)
    )
    listing = client.get(url("rencontre_liste", parcours)).content.decode()
    assert f"{timezone.localdate() + datetime.timedelta(days=10):%d/%m/%Y} à 14:30" in listing
    assert "Foyer Les Tilleuls" in listing and "À venir" in listing and "A eu lieu<span" not in listing


def test_service_errors_come_back_on_the_form_in_french(client, parcours, prescripteur):
    client.force_login(prescripteur)
    response = client.post(url("rencontre_proposer", parcours), form(days=-1))
    assert response.context["form"].errors["date"] == ["La rencontre doit avoir lieu dans le futur."]
    response = client.post(url("rencontre_proposer", parcours), form(lieu=""))
    assert response.context["form"].errors["lieu"] == ["Indiquez le lieu de la rencontre."]
    response = client.post(url("rencontre_proposer", parcours), form(heure="25:00", mode="fax"))
    assert set(response.context["form"].errors) == {"heure", "mode"}
    assert 'value="Foyer Les Tilleuls"' in response.content.decode()
    assert not RencontreTripartite.objects.exists()


def test_an_aiguilleur_chooses_among_the_organisations_that_signalled(client, parcours, territory, aiguilleur):
    spip = OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP, nom="SPIP du Rhône")
    SignalementFactory(parcours=parcours, organisation=spip)
    stranger = OrganisationFactory(territory=territory)
    client.force_login(aiguilleur)
    page = client.get(url("rencontre_proposer", parcours)).content.decode()
    assert "ASE du Rhône" in page and "SPIP du Rhône" in page and stranger.nom not in page
    response = client.post(url("rencontre_proposer", parcours), form(organisation=stranger.pk))
    assert "organisation" in response.context["form"].errors
    client.post(url("rencontre_proposer", parcours), form(organisation=spip.pk))
    assert (RencontreTripartite.objects.get().organisation, RencontreTripartite.objects.get().aiguilleur) == (
        spip,
        aiguilleur,
    )


def test_once_the_exit_has_passed_the_page_says_so(client, parcours, prescripteur, aiguilleur):
    transitions.transition(parcours, Status.A_CONTACTER, actor=aiguilleur)
    client.force_login(prescripteur)
    response = client.post(url("rencontre_proposer", parcours), form(), follow=True)
    assert "tant que la sortie est à venir" in response.content.decode()
    assert url("rencontre_proposer", parcours) not in response.content.decode()
    assert not RencontreTripartite.objects.exists()


def test_after_the_date_buttons_record_whether_it_took_place(client, parcours, ase, prescripteur):
    rencontre = propose(parcours, ase, prescripteur, starts_at=timezone.now() + datetime.timedelta(seconds=1))
    RencontreTripartite.objects.filter(pk=rencontre.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(prescripteur)
    assert "N'a pas eu lieu<span" in client.get(url("rencontre_liste", parcours)).content.decode()
    response = client.post(url("rencontre_issue", parcours, pk=rencontre.pk), {"a_eu_lieu": "non"}, follow=True)
    assert "est noté, merci" in response.content.decode()
    rencontre.refresh_from_db()
    assert rencontre.took_place is False
    assert rencontre_events(parcours)[-1].endswith(": n'a pas eu lieu")


def test_an_upcoming_meeting_is_cancelled_from_the_list(client, parcours, ase, prescripteur):
    rencontre = propose(parcours, ase, prescripteur)
    client.force_login(prescripteur)
    assert "Annuler<span" in client.get(url("rencontre_liste", parcours)).content.decode()
    response = client.post(url("rencontre_annuler", parcours, pk=rencontre.pk), follow=True)
    assert "La rencontre est annulée." in response.content.decode()
    assert "Annulée" in response.content.decode()
    rencontre.refresh_from_db()
    assert rencontre.cancelled_at is not None


@pytest.mark.parametrize("who", ["other_prescriber", "other_aiguilleur", "pilote"])
def test_another_organisation_gets_404_everywhere(client, parcours, ase, prescripteur, who):
    rencontre = propose(parcours, ase, prescripteur, starts_at=timezone.now() + datetime.timedelta(seconds=1))
    RencontreTripartite.objects.filter(pk=rencontre.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    user = {
        "other_prescriber": lambda: member(Role.PRESCRIPTEUR, territory=parcours.territory),
        "other_aiguilleur": lambda: member(Role.AIGUILLEUR),
        "pilote": lambda: member(Role.PILOTE, territory=parcours.territory),
    }[who]()
    client.force_login(user)
    assert client.get(url("rencontre_liste", parcours)).status_code == 404
    assert client.get(url("rencontre_proposer", parcours)).status_code == 404
    assert client.post(url("rencontre_proposer", parcours), form()).status_code == 404
    assert client.post(url("rencontre_issue", parcours, pk=rencontre.pk), {"a_eu_lieu": "oui"}).status_code == 404
    assert client.post(url("rencontre_annuler", parcours, pk=rencontre.pk)).status_code == 404
    assert RencontreTripartite.objects.count() == 1
    rencontre.refresh_from_db()
    assert rencontre.took_place is None and rencontre.cancelled_at is None


def test_guessing_a_meeting_id_through_ones_own_journey_gets_404(client, parcours, ase, prescripteur, territory):
    rencontre = propose(parcours, ase, prescripteur, starts_at=timezone.now() + datetime.timedelta(seconds=1))
    RencontreTripartite.objects.filter(pk=rencontre.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    other_org = OrganisationFactory(territory=territory)
    intruder = member(Role.PRESCRIPTEUR, other_org)
    own = sortie_a_venir(territory, other_org, intruder, prenom="Léo", telephone="+33698765432")
    client.force_login(intruder)
    assert client.post(url("rencontre_issue", own, pk=rencontre.pk), {"a_eu_lieu": "oui"}).status_code == 404
    assert client.post(url("rencontre_annuler", own, pk=rencontre.pk)).status_code == 404
    rencontre.refresh_from_db()
    assert rencontre.took_place is None and rencontre.cancelled_at is None


def test_anonymous_people_are_sent_to_the_login_page(client, parcours):
    response = client.get(url("rencontre_liste", parcours))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_csrf_stays_on(parcours, prescripteur):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prescripteur)
    assert client.post(url("rencontre_proposer", parcours), form()).status_code == 403
    assert not RencontreTripartite.objects.exists() and rencontre_events(parcours) == []


def test_the_list_page_makes_the_same_number_of_queries_with_few_or_many_meetings(
    client, parcours, ase, prescripteur, count_queries
):
    client.force_login(prescripteur)
    propose(parcours, ase, prescripteur, starts_at=at_local(3))
    few = count_queries(url("rencontre_liste", parcours))
    for days in range(4, 9):
        propose(parcours, ase, prescripteur, starts_at=at_local(days), mode=RencontreMode.TELEPHONE)
    assert count_queries(url("rencontre_liste", parcours)) == few
    assert AuditEntry.objects.filter(action=Action.CONSULTATION, actor=prescripteur).count() == 2


def test_viewing_the_meetings_is_audited(client, parcours, prescripteur):
    client.force_login(prescripteur)
    client.get(url("rencontre_liste", parcours))
    entry = AuditEntry.objects.get(action=Action.CONSULTATION)
    assert (entry.actor, entry.jeune_ids, entry.object_id) == (prescripteur, [parcours.jeune_id], str(parcours.pk))


# Browser


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_prescriber_books_a_joint_meeting_in_a_browser(log_in, live_server, territory, ase, prescripteur):
    from playwright.sync_api import sync_playwright

    parcours = sortie_a_venir(territory, ase, prescripteur)
    day = timezone.localdate() + datetime.timedelta(days=12)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(locale="fr-FR").new_page()
        log_in(page, prescripteur)
        page.get_by_role("heading", level=1, name="Mes signalements").wait_for(timeout=5000)

        page.goto(live_server.url + url("rencontre_proposer", parcours))
        assert serious_violations(page) == []
        page.get_by_label("Date", exact=True).fill(day.isoformat())
        page.get_by_label("Heure").fill("14:30")
        page.get_by_role("radio", name="En présentiel").check(force=True)  # DSFR draws the radio on its label
        page.get_by_label("Lieu ou lien de visioconférence").fill("Foyer Les Tilleuls, Lyon 8e")
        page.get_by_role("button", name="Enregistrer la rencontre").click()

        page.get_by_role("heading", level=1, name="Rencontres tripartites").wait_for(timeout=5000)
        row = page.get_by_role("row").filter(has_text=f"{day:%d/%m/%Y} à 14:30")
        assert "Foyer Les Tilleuls, Lyon 8e" in row.inner_text() and "ASE du Rhône" in row.inner_text()
        assert serious_violations(page) == []
        browser.close()
    assert RencontreTripartite.objects.get().proposed_by == prescripteur
