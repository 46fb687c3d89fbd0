"""The questionnaire is data: v1 validates against data·inclusion, bad definitions are refused, versions are
published once and never edited."""

import copy
import io
import json

import pytest
from data_inclusion.schema.v1 import Thematique
from django.core.management import call_command
from django.core.management.base import CommandError

from sas.diagnostic import definition as qdef
from sas.diagnostic.chargement import DOSSIER, publier
from sas.diagnostic.models import Questionnaire


@pytest.fixture
def v1():
    return json.loads((DOSSIER / "v1.json").read_text(encoding="utf-8"))


def test_v1_validates(v1):
    assert qdef.valider_definition(v1) == []


def test_v1_covers_the_outline_and_the_easy_to_forget_fields(v1):
    assert [s["code"] for s in v1["sections"]] == ["urgence", "personnel", "professionnel", "projection", "synthese"]
    questions = qdef.questions(v1)
    for code in (
        "aide_immediate",
        "secteurs_refuses",
        "points_forts",
        "suivi_social",
        "suivi_social_qui",
        "permis",
        "titre_sejour",
        "titre_sejour_fin",
        "francais",
        "heures_semaine",
        "disponible_le",
        "risque_decrochage",
        "priorites",
    ):
        assert code in questions, code
    assert questions["risque_decrochage"]["conseiller"] is True
    assert {q["type"] for q in questions.values()} == qdef.TYPES
    # The young person may pre-fill their situation, what they want and their ranked priorities.
    assert {"situation_actuelle", "souhaits", "priorites"} <= {c for c, q in questions.items() if q.get("jeune")}


def test_every_thematique_of_v1_is_a_data_inclusion_value(v1):
    used = {
        value
        for question in qdef.questions(v1).values()
        for value in question.get("thematiques", [])
        + [v for o in question.get("options", []) for v in o.get("thematiques", [])]
    }
    assert len(used) > 15
    assert used <= {t.value for t in Thematique}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sections"][1]["questions"].append(copy.deepcopy(d["sections"][0]["questions"][0])), "en double"),
        (lambda d: d["sections"][0]["questions"][1].update(type="curseur"), "type inconnu « curseur »"),
        (
            lambda d: d["sections"][0]["questions"][0]["options"][0].update(thematiques=["logement"]),
            "thématique inconnue de data·inclusion « logement »",
        ),
        (lambda d: d["sections"][1]["questions"][1].update(thematiques=["sante"]), "thématique inconnue"),
        (lambda d: d["sections"][3]["questions"][-1].update(prefill=["jeune.pointure"]), "source de pré-remplissage"),
        (lambda d: d["sections"][3]["questions"][6].update(rangs=99), "« rangs »"),
        (lambda d: d["sections"][0]["questions"][2].update(options=[]), "les options manquent"),
        (lambda d: d["sections"][0]["questions"][1].update(libelle="typo"), "clé inconnue « libelle »"),
        (lambda d: d.update(version="1"), "version"),
    ],
)
def test_invalid_definitions_are_refused_with_a_french_reason(v1, change, message):
    change(v1)
    errors = qdef.valider_definition(v1)
    assert any(message in error for error in errors), errors


@pytest.mark.django_db
def test_the_data_migrations_published_every_version_the_latest_current():
    for path in sorted(DOSSIER.glob("v*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        assert Questionnaire.objects.get(version=definition["version"]).definition == definition
    assert Questionnaire.courant().version == max(q.version for q in Questionnaire.objects.all())


@pytest.mark.django_db
def test_v2_adds_the_rights_inputs_and_keeps_every_v1_question(v1):
    v2 = json.loads((DOSSIER / "v2.json").read_text(encoding="utf-8"))
    assert qdef.valider_definition(v2) == []
    assert set(qdef.questions(v1)) < set(qdef.questions(v2))
    assert "droits" in [s["code"] for s in v2["sections"]]
    Questionnaire.objects.get(version=2).full_clean()


@pytest.mark.django_db
def test_a_published_version_is_never_edited():
    questionnaire = Questionnaire.objects.get(version=1)
    questionnaire.definition["sections"][0]["label"] = "Autre chose"
    with pytest.raises(ValueError, match="nouvelle version"):
        questionnaire.save()


@pytest.mark.django_db
def test_publishing_is_dry_run_by_default_and_idempotent(tmp_path, v1):
    v9 = copy.deepcopy(v1)
    v9.update(version=9, titre="Diagnostic SAS — version 9")
    (tmp_path / "v9.json").write_text(json.dumps(v9), encoding="utf-8")
    files = [DOSSIER / "v1.json", tmp_path / "v9.json"]

    assert publier(Questionnaire, files) == ["Version 1 déjà publiée.", "Version 9 publiée (v9.json)."]
    assert not Questionnaire.objects.filter(version=9).exists()
    publier(Questionnaire, files, wet_run=True)
    assert publier(Questionnaire, files, wet_run=True) == ["Version 1 déjà publiée.", "Version 9 déjà publiée."]
    assert Questionnaire.courant().version == 9

    v9["titre"] = "Modifié"
    (tmp_path / "v9.json").write_text(json.dumps(v9), encoding="utf-8")
    with pytest.raises(ValueError, match="déjà publiée"):
        publier(Questionnaire, files, wet_run=True)


@pytest.mark.django_db
def test_the_command_says_what_it_would_do():
    out = io.StringIO()
    call_command("publier_questionnaires", stdout=out)
    assert "[simulation" in out.getvalue() and "Version 1 déjà publiée." in out.getvalue()
    call_command("publier_questionnaires", "--wet-run", stdout=out)
    assert Questionnaire.objects.count() == len(list(DOSSIER.glob("v*.json")))


def test_a_broken_file_stops_the_command(tmp_path, v1, monkeypatch):
    v1["sections"][0]["questions"][0]["type"] = "inconnu"
    (tmp_path / "v9.json").write_text(json.dumps(v1), encoding="utf-8")
    monkeypatch.setattr("sas.diagnostic.chargement.DOSSIER", tmp_path)
    with pytest.raises(CommandError, match="type inconnu"):
        call_command("publier_questionnaires", stdout=io.StringIO())
