import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sas.audit.models import Action, AuditEntry
from sas.communes.factories import CommuneFactory
from sas.jeunes.models import Consent, Jeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.models import EventKind, Parcours, Signalement, SignalementSource
from sas.parcours.status import Status
from sas.prescription.services import SignalementData, compare, normalise_phone, signaler, validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    return TerritoryFactory()


@pytest.fixture
def org(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.ASE)


def data(territory, **kwargs):
    values = {
        "prenom": "Inès",
        "nom": "Benali",
        "date_naissance": timezone.localdate() - datetime.timedelta(days=18 * 365 + 30),
        "telephone": "+33639981234",
        "commune": territory.communes.get(),
    }
    return SignalementData(**{**values, **kwargs})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("06 12 34 56 78", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"), ("0033612345678", "+33612345678")],
)
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["06 39", "bonjour", "01 00 00 00 00 00 00"])
def test_bad_phone_numbers_get_a_french_error(raw):
    with pytest.raises(ValueError, match="Numéro de téléphone"):
        normalise_phone(raw)


def test_a_new_young_person_gets_a_journey_its_event_and_a_consent(territory, org):
    sas_team = OrganisationFactory(territory=territory, kind=OrganisationKind.EQUIPE_SAS)
    user = member(Role.PRESCRIPTEUR, org)
    result = signaler(
        data(territory, jeune_accord=True), source=SignalementSource.PRESCRIPTEUR, organisation=org, created_by=user
    )
    parcours = result.signalement.parcours
    assert (result.known_jeune, result.new_parcours, parcours.status) == (False, True, Status.SIGNALE)
    assert parcours.events.get().actor == user
    consent = Consent.objects.get()
    assert list(consent.organisations.all()) == [sas_team] and consent.collected_by == user
    assert AuditEntry.objects.get(action=Action.CREATION).jeune_ids == [parcours.jeune_id]


def test_a_future_end_of_support_waits_as_an_upcoming_exit(territory, org):
    fin = timezone.localdate() + datetime.timedelta(days=60)
    result = signaler(
        data(territory, fin_accompagnement_le=fin), source=SignalementSource.PRESCRIPTEUR, organisation=org
    )
    assert result.signalement.parcours.status == Status.SORTIE_A_VENIR


@pytest.mark.parametrize(
    "same",
    [
        {"email": "", "nom": "Autre"},  # same phone
        {"telephone": "", "email": "ines@example.org", "nom": "Autre"},  # same email, any case
        {"telephone": "+33639980000", "email": ""},  # same name + birth date + commune
    ],
)
def test_a_known_person_is_attached_not_duplicated(territory, org, same):
    first = signaler(data(territory, email="Ines@Example.org"), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    other_org = OrganisationFactory(territory=territory)
    second = signaler(data(territory, **same), source=SignalementSource.PRESCRIPTEUR, organisation=other_org)
    assert second.known_jeune and not second.new_parcours
    assert Jeune.objects.count() == 1 and Parcours.objects.count() == 1
    assert second.signalement.parcours == first.signalement.parcours
    kinds = list(first.signalement.parcours.events.values_list("kind", flat=True))
    assert kinds == [EventKind.TRANSITION, EventKind.SIGNALEMENT]


def test_known_person_keeps_their_data_and_gains_what_was_missing(territory, org):
    first = signaler(data(territory, email=""), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    signaler(
        data(territory, email="new@example.org", nom="Changé"), source=SignalementSource.PRESCRIPTEUR, organisation=org
    )
    jeune = Jeune.objects.get(pk=first.signalement.parcours.jeune_id)
    assert (jeune.nom, jeune.email) == ("Benali", "new@example.org")


def test_a_closed_journey_is_not_reopened_a_new_one_starts(territory, org):
    from sas.parcours import transitions

    first = signaler(data(territory), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    transitions.transition(first.signalement.parcours, Status.HORS_CIBLE, reason="Déménagé")
    second = signaler(data(territory), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    assert second.known_jeune and second.new_parcours
    assert Jeune.objects.count() == 1 and Parcours.objects.count() == 2


def test_a_relative_signalement_starts_unverified(territory):
    result = signaler(
        data(territory, declarant_nom="Sa tante", declarant_lien="tante"), source=SignalementSource.PROCHE
    )
    assert result.signalement.verifie is False and result.signalement.organisation is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"prenom": " "}, "prenom", "prénom est obligatoire"),
        ({"telephone": ""}, "telephone", "au moins un moyen de joindre"),
        ({"date_naissance": datetime.date(1980, 1, 1)}, "date_naissance", "de 15 à 29 ans"),
        ({"date_naissance": None}, "date_naissance", "tranche d'âge"),
    ],
)
def test_invalid_signalements_are_refused_with_french_errors_and_write_nothing(territory, org, changes, field, message):
    with pytest.raises(ValidationError) as error:
        signaler(data(territory, **changes), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    assert message in error.value.message_dict[field][0]
    assert not Signalement.objects.exists() and not Jeune.objects.exists()


def test_a_commune_outside_every_territory_is_refused(territory):
    errors = validate(data(territory, commune=CommuneFactory(code_insee="13055", nom="Marseille")))
    assert errors == {"commune": "Marseille n'est pas encore couverte par une équipe SAS."}


def test_via_the_prescriber_is_a_way_to_reach_them(territory):
    assert validate(data(territory, telephone="", joignable_via_prescripteur=True)) == {}


def test_two_prescribers_signalling_the_same_person_share_one_journey_each_following_it(territory, org):
    first = signaler(data(territory), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    spip = OrganisationFactory(territory=territory, kind=OrganisationKind.SPIP)
    second = signaler(
        data(territory, nom="", email="ines@example.org"), source=SignalementSource.API, organisation=spip
    )
    parcours = first.signalement.parcours
    assert second.signalement.parcours == parcours and second.doublon is None
    assert list(Parcours.objects.signalled_by([org.pk])) == list(Parcours.objects.signalled_by([spip.pk])) == [parcours]


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({"telephone": "+33639981234", "nom": "", "commune": None}, "meme"),  # phone + birth date
        ({"telephone": "+33639981234", "email": "ines@example.org", "date_naissance": None}, "meme"),  # phone + email
        ({"telephone": "", "nom": ""}, "meme"),  # email + first name + birth date
        ({"telephone": ""}, "meme"),  # first name + name + birth date + commune
        ({"date_naissance": None, "email": ""}, "doublon"),  # the phone alone
        ({"prenom": "sarah"}, "doublon"),  # a twin: same phone, name and birth date, another first name
        ({"telephone": "+33600000000", "email": "", "commune": "ailleurs"}, "doublon"),  # name and birth date only
        ({"telephone": "+33600000000", "email": "", "nom": "Autre"}, None),
    ],
)
def test_two_independent_identifiers_designate_a_person_one_only_a_possible_duplicate(changes, verdict):
    known = {"telephone": "+33639981234", "email": "ines@example.org", "prenom": "inès", "nom": "benali"}
    known |= {"date_naissance": datetime.date(2007, 1, 5), "commune": "69266"}
    given = {key: value for key, value in {**known, **changes}.items() if value}  # as `_identifiers` gives them
    assert compare(given, known)[0] == verdict


def test_a_relative_never_fills_in_a_known_record(territory, org):
    known = signaler(data(territory, email=""), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    relative = signaler(
        data(territory, email="piege@example.org", nom="", jeune_accord=True), source=SignalementSource.PROCHE
    )
    assert relative.signalement.parcours == known.signalement.parcours  # phone and birth date agree
    jeune = Jeune.objects.get()
    assert (jeune.email, jeune.nom) == ("", "Benali")
    assert (relative.signalement.verifie, relative.signalement.email_propose) == (False, "piege@example.org")
    assert not Consent.objects.exists()


def test_a_known_person_of_another_territory_is_not_compared(territory, org):
    signaler(data(territory), source=SignalementSource.PRESCRIPTEUR, organisation=org)
    elsewhere = TerritoryFactory()
    other = signaler(data(elsewhere), source=SignalementSource.PRESCRIPTEUR)
    assert not other.known_jeune and other.doublon is None
    assert Jeune.objects.count() == 2
