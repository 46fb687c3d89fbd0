import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sas.api.models import ApiToken, IdempotencyKey
from sas.audit.models import Action, AuditEntry
from sas.communes.factories import CommuneFactory
from sas.jeunes.factories import JeuneFactory
from sas.jeunes.models import Jeune
from sas.organisations.factories import OrganisationFactory, TerritoryFactory
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Parcours, Signalement, SignalementSource
from sas.parcours.status import Status
from sas.prescription.models import DoublonPossible

from .utils import URL, payload

pytestmark = pytest.mark.django_db


def erreur(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"erreur"}
    assert set(body["erreur"]) == {"code", "message", "champs"}
    return body["erreur"]


def champs(response):
    return {c["chemin"]: c["message"] for c in erreur(response, 422)["champs"]}


# Schema


def test_the_openapi_schema_and_docs_are_served(client, settings):
    schema = client.get("/api/openapi.json").json()
    description = schema["info"]["description"]
    assert f"La clé est gardée {settings.SAS_IDEMPOTENCY_RETENTION_HOURS} heures" in description
    assert '`{"erreur": {"code", "message", "champs": [{"chemin", "message"}]}}`' in description
    assert schema["info"]["title"] == "SAS — API prescripteurs"
    assert schema["info"]["version"] == "1"
    assert set(schema["paths"]) == {"/api/v1/signalements", "/api/v1/signalements/{id}"}
    assert set(schema["paths"]["/api/v1/signalements"]) == {"get", "post"}
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert "Idempotency-Key" in str(schema["paths"]["/api/v1/signalements"]["post"]["parameters"])
    assert "/api/openapi.json" in client.get("/api/docs").content.decode()
    # The answer never tells whether the young person was known.
    assert set(schema["components"]["schemas"]["SignalementCree"]["properties"]) == {"id", "signalement_id", "etape"}


# Authentication


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "jeton_manquant"), ("Basic abc", "jeton_manquant"), ("Bearer sas_faux", "jeton_invalide")],
)
def test_requests_without_a_valid_token_get_401_in_the_api_error_shape(client, organisation, header, code):
    headers = {"Authorization": header} if header else {}
    for response in (
        client.get(URL, headers=headers),
        client.post(URL, payload(), content_type="application/json", headers=headers),
        client.get(f"{URL}/{uuid.uuid4()}", headers=headers),
    ):
        assert erreur(response, 401)["code"] == code
        assert response["WWW-Authenticate"] == "Bearer"
    assert not Jeune.objects.exists()


def test_a_revoked_token_is_refused(api, token):
    ApiToken.objects.get().revoke()
    assert erreur(api.get(URL), 401)["code"] == "jeton_invalide"
    assert erreur(api.post(payload()), 401)["code"] == "jeton_invalide"
    assert not Jeune.objects.exists()


def test_a_token_records_its_last_use(api):
    assert ApiToken.objects.get().last_used_at is None
    api.get(URL)
    assert ApiToken.objects.get().last_used_at is not None


# Creation


def test_create_records_a_signalement_of_the_token_organisation(api, organisation):
    response = api.post(payload())
    assert response.status_code == 201, response.content
    body = response.json()
    parcours = Parcours.objects.get(uuid=body["id"])
    signalement = Signalement.objects.get(pk=body["signalement_id"])
    assert signalement.parcours == parcours
    assert signalement.organisation == organisation
    assert signalement.source == SignalementSource.API
    assert signalement.motif == "Fin de prise en charge ASE à la majorité"
    assert parcours.jeune.telephone == "+33612345678"
    assert parcours.jeune.commune_id == "69123"
    assert body["etape"] == {"code": "signale", "libelle": "Signalé"}
    assert set(body) == {"id", "signalement_id", "etape"}
    assert AuditEntry.objects.filter(action=Action.CREATION, object_id=str(signalement.pk)).exists()


def test_a_young_person_already_known_is_attached_to_their_journey_and_the_answer_says_nothing_of_it(api):
    first = api.post(payload()).json()
    parcours = Parcours.objects.get(uuid=first["id"])
    transitions.transition(parcours, Status.A_CONTACTER)
    second = api.post(payload(telephone="+33612345678", nom="")).json()  # same phone and birth date
    assert second["id"] == first["id"]
    assert (Jeune.objects.count(), Signalement.objects.count()) == (1, 2)
    # As for a new person: the stage of a new journey, not the one already reached.
    assert set(second) == {"id", "signalement_id", "etape"}
    assert second["etape"] == first["etape"] == {"code": "signale", "libelle": "Signalé"}


def known_elsewhere(commune):
    """A young person followed on `commune`'s territory, signalled there by an organisation of that territory."""
    jeune = JeuneFactory(
        prenom="Yanis", nom="Amrani", telephone="+33698765432", email="yanis@example.org", commune=commune
    )
    parcours = ParcoursFactory(jeune=jeune, territory=commune.territories.get())
    SignalementFactory(parcours=parcours)
    return parcours


def test_another_territory_knowing_a_phone_or_email_gets_a_new_record_and_sees_nothing(api, organisation):
    # Finding 2: an organisation of another territory posts only an identifier of someone followed elsewhere.
    grenoble = CommuneFactory(code_insee="38185", nom="Grenoble")
    TerritoryFactory(communes=[grenoble])
    existing = known_elsewhere(grenoble)
    new_person = api.post(payload(prenom="Zoé", nom="", telephone="0611111111")).json()
    # In the young person's own commune: compared with the people followed there, one identifier is not enough.
    for identifier in [{"telephone": "06 98 76 54 32"}, {"telephone": "", "email": "yanis@example.org"}]:
        response = api.post(payload(prenom="Yanis", nom="", commune_insee="38185", **identifier))
        assert response.status_code == 201, response.content
        answer = response.json()
        assert set(answer) == set(new_person) and answer["etape"] == new_person["etape"]
        assert answer["id"] != str(existing.uuid)
        assert erreur(api.get(f"{URL}/{existing.uuid}"), 404)["code"] == "introuvable"
    assert list(DoublonPossible.objects.values_list("existant", "identifiants")) == [
        (existing.pk, ["telephone"]),
        (existing.pk, ["email"]),
    ]
    existing.jeune.refresh_from_db()
    assert (existing.jeune.nom, existing.jeune.telephone) == ("Amrani", "+33698765432")
    assert existing.signalements.count() == 1 and existing.events.count() == 1
    # In the prescriber's own territory, the person followed in Grenoble is not even compared.
    api.post(payload(prenom="Yanis", nom="Amrani", telephone="06 98 76 54 32"))
    assert DoublonPossible.objects.count() == 2
    assert Parcours.objects.filter(territory=organisation.territory).count() == 2


def test_the_same_territory_with_one_identifier_gets_a_possible_duplicate_and_sees_nothing(api, commune):
    existing = known_elsewhere(commune)
    answer = api.post(payload(prenom="Yanis", nom="", telephone="", email="YANIS@example.org")).json()
    assert set(answer) == {"id", "signalement_id", "etape"} and answer["etape"]["code"] == "signale"
    doublon = DoublonPossible.objects.get()
    assert (str(doublon.nouveau.uuid), doublon.existant, doublon.identifiants) == (answer["id"], existing, ["email"])
    assert erreur(api.get(f"{URL}/{existing.uuid}"), 404)["code"] == "introuvable"
    existing.jeune.refresh_from_db()
    assert existing.jeune.nom == "Amrani" and existing.signalements.count() == 1


def test_an_upcoming_end_of_support_starts_as_sortie_a_venir(api):
    body = payload()
    body["contexte"]["fin_accompagnement_le"] = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert api.post(body).json()["etape"]["code"] == Status.SORTIE_A_VENIR


# Validation errors


def birth_date_at_age(years):
    return (timezone.localdate() - datetime.timedelta(days=int(years * 365.25) + 30)).isoformat()


@pytest.mark.parametrize(
    ("jeune", "path", "message"),
    [
        ({"date_naissance": "2007-02-30"}, "jeune.date_naissance", "Date invalide"),
        ({"date_naissance": birth_date_at_age(12)}, "jeune.date_naissance", "de 15 à 29 ans"),
        ({"date_naissance": birth_date_at_age(31)}, "jeune.date_naissance", "31 ans"),
        ({"telephone": "06 39"}, "jeune.telephone", "Numéro de téléphone"),
        ({"email": "pas-une-adresse"}, "jeune.email", "Adresse électronique invalide"),
        ({"commune_insee": "75056"}, "jeune.commune_insee", "Aucune commune"),
        ({"commune_insee": "Lyon"}, "jeune.commune_insee", "Format invalide"),
        ({"prenom": None}, "jeune.prenom", "Texte attendu"),
        ({"prenom": " "}, "jeune.prenom", "prénom est obligatoire"),
        ({"prenom": "x" * 101}, "jeune.prenom", "100 caractères au plus"),
        ({"prenom": "In\x00ès"}, "jeune.prenom", "Format invalide"),
        ({"tranche_age": "30-35"}, "jeune.tranche_age", "valeurs possibles"),
        ({"date_naisance": "2007-01-01"}, "jeune.date_naisance", "Champ inconnu"),
    ],
)
def test_validation_errors_name_the_field_in_french(api, jeune, path, message):
    response = api.post(payload(**jeune))
    errors = champs(response)
    assert message in errors[path], errors
    assert erreur(response, 422)["code"] == "donnees_invalides"
    assert not Jeune.objects.exists()


def test_a_missing_first_name_is_reported_as_required(api):
    body = payload()
    del body["jeune"]["prenom"]
    assert champs(api.post(body)) == {"jeune.prenom": "Ce champ est obligatoire."}


def test_all_errors_are_reported_at_once(api):
    errors = champs(api.post(payload(telephone="bonjour", commune_insee="01001", date_naissance=None)))
    assert set(errors) == {"jeune.telephone", "jeune.commune_insee", "jeune.date_naissance"}
    assert "illisible" in errors["jeune.telephone"]


def test_a_commune_outside_any_sas_territory_is_refused(api):
    CommuneFactory(code_insee="13055", nom="Marseille")
    assert "pas encore couverte" in champs(api.post(payload(commune_insee="13055")))["jeune.commune_insee"]


def test_an_unreadable_body_gets_400_in_the_api_error_shape(client, token):
    response = client.post(URL, "{pas du json", content_type="application/json", headers=auth_header(token))
    assert erreur(response, 400)["code"] == "requete_illisible"


def test_an_unknown_api_address_gets_404_in_the_api_error_shape(client, token):
    assert erreur(client.get("/api/v1/inconnu", headers=auth_header(token)), 404)["code"] == "introuvable"
    assert erreur(client.post("/api/v1/inconnu"), 404)["code"] == "introuvable"


def auth_header(token):
    return {"Authorization": f"Bearer {token}"}


# Idempotency


def test_a_retry_with_the_same_key_replays_the_first_response(api):
    key = {"Idempotency-Key": "c8a1e0a4-7a8d-4a0b-9d51-2f1c1e0c3b11"}
    first = api.post(payload(), headers=key)
    retry = api.post(payload(), headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Jeune.objects.count() == 1
    assert Signalement.objects.count() == 1


def test_a_key_reused_with_another_body_is_refused(api):
    key = {"Idempotency-Key": "cle-1"}
    api.post(payload(), headers=key)
    response = api.post(payload(prenom="Sami", telephone="0612345699"), headers=key)
    assert erreur(response, 422)["code"] == "cle_idempotence_reutilisee"
    assert Jeune.objects.count() == 1


def test_keys_are_per_organisation(api, commune):
    other = OrganisationFactory(territory=TerritoryFactory(communes=[commune]))
    other_token = ApiToken.issue(other, "Autre")[1]
    key = {"Idempotency-Key": "cle-partagee"}
    api.post(payload(), headers=key)
    response = api.post(payload(), token=other_token, headers=key)
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Signalement.objects.filter(organisation=other).count() == 1


def test_an_overlong_key_is_refused(api):
    assert set(champs(api.post(payload(), headers={"Idempotency-Key": "k" * 256}))) == {"Idempotency-Key"}
    assert not Jeune.objects.exists()


def test_a_rejected_request_does_not_use_up_its_key(api):
    key = {"Idempotency-Key": "cle-2"}
    assert api.post(payload(telephone="06"), headers=key).status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert api.post(payload(), headers=key).status_code == 201


# Reading


@pytest.fixture
def mine(api):
    return api.post(payload()).json()["id"]


def test_the_stage_of_a_journey_is_readable_without_any_diagnostic_content(api, mine):
    parcours = Parcours.objects.get(uuid=mine)
    transitions.transition(parcours, Status.A_CONTACTER, reason="Motif interne confidentiel")
    body = api.get(f"{URL}/{mine}").json()
    assert body["id"] == mine
    assert body["etape"] == {"code": "a_contacter", "libelle": "À contacter"}
    signale_le = parcours.signalements.get().created_at
    assert parse_datetime(body["signale_le"]) == signale_le.replace(microsecond=signale_le.microsecond // 1000 * 1000)
    assert set(body) == {"id", "etape", "etape_depuis", "signale_le", "etapes", "structure_accueil"}
    assert [(e["code"], e["libelle"]) for e in body["etapes"]] == [
        ("signale", "Signalé"),
        ("a_contacter", "À contacter"),
    ]
    assert body["etapes"][-1]["le"] == body["etape_depuis"] and body["structure_accueil"] is None
    assert "confidentiel" not in str(body)
    assert AuditEntry.objects.filter(action=Action.CONSULTATION, object_id=str(parcours.pk)).exists()


def test_another_organisations_journey_is_404_like_a_missing_one(api, organisation):
    foreign = SignalementFactory(parcours__territory=organisation.territory).parcours
    missing = erreur(api.get(f"{URL}/{uuid.uuid4()}"), 404)
    assert erreur(api.get(f"{URL}/{foreign.uuid}"), 404) == missing
    assert not AuditEntry.objects.filter(action=Action.CONSULTATION).exists()


def test_a_malformed_id_is_a_validation_error(api):
    assert "id" in champs(api.get(f"{URL}/pas-un-uuid"))


def test_the_list_shows_my_journeys_newest_first_and_pages(api, organisation):
    other_org_journey = SignalementFactory(parcours__territory=organisation.territory).parcours
    ids = [api.post(payload(prenom=f"J{i}", nom="", telephone=f"+3361234560{i}")).json()["id"] for i in range(3)]
    body = api.get(URL).json()
    assert body["total"] == 3
    assert [p["id"] for p in body["resultats"]] == ids[::-1]
    assert str(other_org_journey.uuid) not in str(body)
    page = api.get(f"{URL}?limit=1&offset=1").json()
    assert [p["id"] for p in page["resultats"]] == [ids[1]]
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert champs(api.get(f"{URL}?limit=1000")) == {"limit": "Valeur maximale : 200."}
    assert set(champs(api.get(f"{URL}?offset={10**30}"))) == {"offset"}


def test_the_list_makes_a_fixed_number_of_queries(api, organisation):
    def queries():
        with CaptureQueriesContext(connection) as context:
            response = api.get(URL)
        assert response.status_code == 200
        return len(context.captured_queries), len(response.json()["resultats"])

    api.get(URL)  # records the token's first use: a write the next calls skip
    for _ in range(2):
        SignalementFactory(parcours__territory=organisation.territory, organisation=organisation)
    few, count = queries()
    assert count == 2
    for _ in range(18):
        SignalementFactory(parcours__territory=organisation.territory, organisation=organisation)
    many, count = queries()
    assert count == 20
    assert many == few
