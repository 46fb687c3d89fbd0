"""Start pre-filled, save in part and resume, complete, map to data·inclusion, read old versions, validate."""

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sas.diagnostic import services
from sas.diagnostic.models import Diagnostic, DiagnosticStatus, Questionnaire, ValidationJeune
from sas.parcours.models import EventKind
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db

# After the fixtures (journey, published v1), which use the real clock.
NOW = timezone.now() + datetime.timedelta(hours=1)


def at(minutes):
    return NOW + datetime.timedelta(minutes=minutes)


def test_start_prefills_what_the_prescriber_and_the_young_person_already_said(parcours, aiguilleur):
    services.preparer_par_le_jeune(
        parcours, {"situation_actuelle": "recherche", "souhaits": "Cuisinier", "priorites": ["logement", "emploi"]}
    )
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)

    r = diagnostic.reponses
    assert r["motif_fin"] == "Fin de prise en charge ASE à la majorité"
    assert r["deja_essaye"] == "Deux inscriptions en mission locale"
    assert r["difficultes"] == "Pas de logement stable"
    assert r["autres_langues"] == "Arabe, anglais"
    # The young person's own choice wins over the prescriber's guess.
    assert r["canal_prefere"] == "sms"
    assert r["moment_prefere"] == "Le matin"
    assert r["souhaits"] == "Cuisinier" and r["priorites"] == ["logement", "emploi"]
    assert diagnostic.prerempli["souhaits"] == "jeune" and diagnostic.prerempli["motif_fin"] == "prescripteur"
    assert diagnostic.conseiller == aiguilleur and diagnostic.questionnaire == Questionnaire.courant()
    # Starting again resumes the same diagnostic.
    assert services.demarrer(parcours, conseiller=aiguilleur).pk == diagnostic.pk
    assert Diagnostic.objects.count() == 1


def test_prefill_never_overwrites_an_answer(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(diagnostic, {"motif_fin": "Corrigé en entretien"}, actor=aiguilleur)
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    assert diagnostic.reponses["motif_fin"] == "Corrigé en entretien"
    assert "motif_fin" not in diagnostic.prerempli


def test_partial_save_and_resume(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur, at=at(0))
    services.enregistrer(
        diagnostic,
        {"aide_immediate": ["manger"], "risque_decrochage": "moyen", "aide_immediate_precision": ""},
        actor=aiguilleur,
        section="urgence",
        at=at(5),
    )
    resumed = Diagnostic.objects.get(pk=diagnostic.pk)
    assert resumed.status == DiagnosticStatus.BROUILLON and resumed.derniere_section == "urgence"
    assert resumed.reponses["aide_immediate"] == ["manger"]
    assert "aide_immediate_precision" not in resumed.reponses
    assert resumed.updated_at == at(5)

    services.enregistrer(resumed, {"logement": {"niveau": "bloquant", "avis_jeune": "Ça urge"}}, actor=aiguilleur)
    services.enregistrer(resumed, {"aide_immediate": []}, actor=aiguilleur, section="personnel")
    resumed = Diagnostic.objects.get(pk=diagnostic.pk)
    assert "aide_immediate" not in resumed.reponses
    assert resumed.reponses["logement"] == {"niveau": "bloquant", "avis_jeune": "Ça urge"}
    assert resumed.reponses["risque_decrochage"] == "moyen"

    with pytest.raises(ValueError, match="inconnues"):
        services.enregistrer(resumed, {"pointure": "42"}, actor=aiguilleur)


def test_high_dropout_risk_marks_immediate_orientation(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(diagnostic, {"risque_decrochage": "eleve"}, actor=aiguilleur)
    assert Diagnostic.objects.get(pk=diagnostic.pk).orientation_immediate is True
    services.enregistrer(diagnostic, {"risque_decrochage": "faible"}, actor=aiguilleur)
    assert Diagnostic.objects.get(pk=diagnostic.pk).orientation_immediate is False


def test_thematiques_come_from_the_mapping_of_the_retained_needs(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(
        diagnostic,
        {
            "aide_immediate": ["dormir"],
            "logement": {"niveau": "aucun", "avis_jeune": ""},
            "mobilite": {"niveau": "a_surveiller", "avis_jeune": "Je prends le bus"},
            "compte_bancaire": "non",
            "etranger": "non",
            "priorites": ["formation", "permis"],
            "francais": "aise",
        },
        actor=aiguilleur,
    )
    found = services.besoins(diagnostic)
    assert [b.code for b in found] == [
        "aide_immediate:dormir",
        "compte_bancaire",
        "mobilite",
        "priorites:formation",
        "priorites:permis",
    ]
    assert services.thematiques(diagnostic) == [
        "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
        "difficultes-financieres--acquerir-une-autonomie-budgetaire",
        "mobilite--etre-accompagne-dans-son-parcours-mobilite",
        "se-former--trouver-sa-formation",
        "mobilite--preparer-un-permis",
    ]
    services.enregistrer_plan(
        diagnostic, besoins_retenus=["priorites:permis", "mobilite", "inconnu"], actor=aiguilleur, objectifs="Permis"
    )
    assert diagnostic.besoins_retenus == ["priorites:permis", "mobilite"]
    assert services.thematiques(diagnostic) == [
        "mobilite--etre-accompagne-dans-son-parcours-mobilite",
        "mobilite--preparer-un-permis",
    ]


def test_terminer_moves_the_journey_and_writes_one_diagnostic_event(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur, at=at(0))
    services.enregistrer(diagnostic, {"priorites": ["emploi"], "risque_decrochage": "eleve"}, actor=aiguilleur)
    events_before = parcours.events.count()

    services.terminer(diagnostic, actor=aiguilleur, at=at(60))

    parcours.refresh_from_db()
    assert parcours.status == Status.DIAGNOSTIC_FAIT and parcours.status_changed_at == at(60)
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.TERMINE and diagnostic.completed_at == at(60)
    assert diagnostic.contact_conseiller.endswith(aiguilleur.email)
    new = list(parcours.events.order_by("pk"))[events_before:]
    assert [(e.kind, e.to_status) for e in new] == [
        (EventKind.TRANSITION, Status.DIAGNOSTIC_FAIT),
        (EventKind.DIAGNOSTIC, Status.DIAGNOSTIC_FAIT),
    ]
    assert new[1].actor == aiguilleur and new[1].occurred_at == at(60)
    assert new[1].detail == {
        "etape": "termine",
        "diagnostic": diagnostic.pk,
        "questionnaire": diagnostic.questionnaire.version,
        "thematiques": ["remobilisation--lien-social", "trouver-un-emploi--repondre-a-des-offres-demploi"],
        "orientation_immediate": True,
    }
    with pytest.raises(ValidationError, match="déjà terminé"):
        services.terminer(diagnostic, actor=aiguilleur)
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        services.enregistrer(diagnostic, {"souhaits": "x"}, actor=aiguilleur)
    assert parcours.events.filter(kind=EventKind.DIAGNOSTIC).count() == 1


def test_terminer_refuses_a_closed_journey(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    from sas.parcours import transitions

    transitions.transition(parcours, Status.HORS_CIBLE, reason="Déjà en emploi durable")
    with pytest.raises(ValidationError, match="Hors cible"):
        services.terminer(diagnostic, actor=aiguilleur)
    diagnostic.refresh_from_db()
    assert diagnostic.status == DiagnosticStatus.BROUILLON
    assert not parcours.events.filter(kind=EventKind.DIAGNOSTIC).exists()


def _v2_from_v1():
    """A new version of the current one: a question renamed, one removed, one added."""
    definition = copy.deepcopy(Questionnaire.courant().definition)
    version = definition["version"] + 1
    definition.update(version=version, titre=f"Diagnostic SAS — version {version}")
    projection = next(s for s in definition["sections"] if s["code"] == "projection")
    projection["questions"] = [q for q in projection["questions"] if q["code"] != "secteurs_refuses"]
    next(q for q in projection["questions"] if q["code"] == "souhaits")["label"] = "Le métier de vos rêves"
    projection["questions"].append({"code": "benevolat", "label": "Envie de bénévolat ?", "type": "oui_non"})
    return Questionnaire.objects.create(
        version=version, titre=definition["titre"], definition=definition, published_at=timezone.now()
    )


def test_a_new_version_leaves_earlier_answers_readable(parcours, aiguilleur):
    old = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(
        old, {"souhaits": "Cuisinier", "secteurs_refuses": "Le bâtiment", "permis": "en_cours"}, actor=aiguilleur
    )
    services.terminer(old, actor=aiguilleur)

    v2 = _v2_from_v1()
    v2.full_clean()
    assert Questionnaire.courant() == v2

    old = Diagnostic.objects.get(pk=old.pk)
    lines = {line["code"]: line for s in services.resume(old)["sections"] for line in s["lignes"]}
    assert lines["souhaits"]["label"] == "Quel métier ou quel secteur vous attire ?"
    assert lines["secteurs_refuses"] == {
        "code": "secteurs_refuses",
        "label": "Les métiers ou secteurs dont vous ne voulez pas",
        "valeur": "Le bâtiment",
        "origine": "",
    }
    assert lines["permis"]["valeur"] == "En cours"
    assert services.thematiques(old) == ["mobilite--preparer-un-permis"]

    # The next diagnostic of the journey uses v2.
    new = services.demarrer(parcours, conseiller=aiguilleur)
    assert new.questionnaire == v2
    services.enregistrer(new, {"souhaits": "Boulanger", "benevolat": "oui"}, actor=aiguilleur)
    lines = {line["code"]: line for s in services.resume(new)["sections"] for line in s["lignes"]}
    assert lines["souhaits"]["label"] == "Le métier de vos rêves" and lines["benevolat"]["valeur"] == "Oui"
    with pytest.raises(ValueError, match="secteurs_refuses"):
        services.enregistrer(new, {"secteurs_refuses": "x"}, actor=aiguilleur)


def test_the_young_persons_annotation_is_kept_beside_the_counsellors_synthesis(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    with pytest.raises(ValidationError, match="pas encore prête"):
        services.valider_par_le_jeune(diagnostic, accord=True)
    services.enregistrer_plan(
        diagnostic, besoins_retenus=[], actor=aiguilleur, synthese="Projet cuisine réaliste", objectifs="CAP"
    )
    services.terminer(diagnostic, actor=aiguilleur)
    with pytest.raises(ValidationError, match="Écrivez"):
        services.valider_par_le_jeune(diagnostic, accord=False, observation="  ")

    services.valider_par_le_jeune(diagnostic, accord=False, observation="Je préfère la pâtisserie", at=at(10))

    diagnostic.refresh_from_db()
    assert diagnostic.validation_jeune == ValidationJeune.ANNOTE
    assert diagnostic.observation_jeune == "Je préfère la pâtisserie"
    assert diagnostic.synthese == "Projet cuisine réaliste"
    assert diagnostic.valide_le == at(10)
    event = parcours.events.filter(kind=EventKind.DIAGNOSTIC).last()
    assert event.detail == {"etape": "validation_jeune", "diagnostic": diagnostic.pk, "validation": "annote"}


def test_the_young_person_prepares_before_the_counsellor_starts(parcours):
    diagnostic = services.preparer_par_le_jeune(parcours, {"souhaits": "Cuisinier", "heures_semaine": 20})
    assert diagnostic.conseiller is None and diagnostic.reponses_jeune == {
        "souhaits": "Cuisinier",
        "heures_semaine": 20,
    }
    with pytest.raises(ValueError, match="risque_decrochage"):
        services.preparer_par_le_jeune(parcours, {"risque_decrochage": "faible"})
    # Removing their answer removes it from the counsellor's pre-fill too.
    diagnostic = services.preparer_par_le_jeune(parcours, {"souhaits": ""})
    assert "souhaits" not in diagnostic.reponses and diagnostic.reponses["heures_semaine"] == 20


def test_the_summary_text_for_the_message(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    rdv = timezone.make_aware(datetime.datetime(2026, 3, 9, 14, 30))
    services.enregistrer_plan(
        diagnostic,
        besoins_retenus=[],
        actor=aiguilleur,
        objectifs="Trouver un CAP",
        prochain_rdv_le=rdv,
        contact_conseiller="Camille, 06 12 34 56 78",
    )
    assert services.resume_texte(diagnostic) == (
        "Objectifs : Trouver un CAP. Prochain RDV le 09/03 à 14h30. Contact : Camille, 06 12 34 56 78"
    )


def test_a_diagnostic_opens_and_completes_through_its_transitions_with_one_event_each(parcours, aiguilleur):
    from sas.diagnostic import transitions as diagnostic_transitions
    from sas.diagnostic.models import DiagnosticEvent

    diagnostic = services.demarrer(parcours, conseiller=aiguilleur, at=at(0))
    services.demarrer(parcours, conseiller=aiguilleur, at=at(5))  # resumes the same draft: no new event
    assert [(e.from_status, e.to_status, e.actor, e.occurred_at) for e in diagnostic.events.all()] == [
        ("", DiagnosticStatus.BROUILLON, aiguilleur, at(0))
    ]
    services.terminer(diagnostic, actor=aiguilleur, at=at(60))
    assert [(e.from_status, e.to_status) for e in diagnostic.events.all()] == [
        ("", DiagnosticStatus.BROUILLON),
        (DiagnosticStatus.BROUILLON, DiagnosticStatus.TERMINE),
    ]
    assert diagnostic.events.last().occurred_at == at(60)

    # A stale copy (a second tab) cannot complete it again: the row is re-read under lock.
    stale = Diagnostic.objects.get(pk=diagnostic.pk)
    stale.status = DiagnosticStatus.BROUILLON
    with pytest.raises(diagnostic_transitions.TransitionError, match="déjà terminé"):
        diagnostic_transitions.terminer(stale, actor=aiguilleur, at=at(90))
    diagnostic.refresh_from_db()
    assert diagnostic.completed_at == at(60) and DiagnosticEvent.objects.count() == 2
    with pytest.raises(ValueError, match="déjà ouvert"):
        diagnostic_transitions.start(diagnostic)


def test_the_young_person_opening_the_diagnostic_writes_its_first_event(parcours):
    diagnostic = services.preparer_par_le_jeune(parcours, {}, at=at(0))
    assert [(e.from_status, e.to_status, e.actor) for e in diagnostic.events.all()] == [
        ("", DiagnosticStatus.BROUILLON, None)
    ]


def test_needs_of_the_urgent_section_are_urgent_and_say_what_was_asked(parcours, aiguilleur):
    diagnostic = services.demarrer(parcours, conseiller=aiguilleur)
    services.enregistrer(
        diagnostic,
        {
            "aide_immediate": ["dormir", "manger"],
            "risque_decrochage": "eleve",
            "mobilite": {"niveau": "bloquant", "avis_jeune": ""},
        },
        actor=aiguilleur,
    )

    urgent = {b.code: b.quoi for b in services.besoins(diagnostic) if b.urgent}
    # A high dropout risk calls for a quick referral, not for one kind of service.
    assert urgent == {"aide_immediate:dormir": "un endroit où dormir ce soir", "aide_immediate:manger": "manger"}
    assert services.urgences(diagnostic)[0] == (
        "un endroit où dormir ce soir",
        ("logement-hebergement--rechercher-une-solution-dhebergement-temporaire",),
    )
