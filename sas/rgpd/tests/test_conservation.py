import datetime
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sas.aiguillage.indicators import indicateurs_h2
from sas.aiguillage.models import MessageJeune, ViaMessage
from sas.annuaire.factories import service
from sas.api import services as api
from sas.api.models import IdempotencyKey
from sas.audit.models import Action, AuditEntry, record
from sas.diagnostic.models import Diagnostic, Questionnaire
from sas.jeunes.models import Jeune, TrancheAge
from sas.organisations.factories import OrganisationFactory, TerritoryFactory
from sas.orientation.indicators import boucle, reactivite_du_territoire
from sas.orientation.models import ActorKind, Orientation, OrientationEvent, OrientationStatus, Reason
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.indicators import status_counts
from sas.parcours.models import EventKind, ParcoursEvent, Signalement
from sas.parcours.status import Status
from sas.prescription.models import ImportBatch
from sas.rgpd.anonymisation import anonymiser

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def jours(n):
    return NOW - datetime.timedelta(days=n)


def journey(territory, *, signale_il_y_a, derniere_activite_il_y_a, service_):
    """A young person signalled `signale_il_y_a` days ago, reached and referred, whose last contact was
    `derniere_activite_il_y_a` days ago; every free text the anonymisation must remove is filled."""
    parcours = ParcoursFactory(territory=territory, at=jours(signale_il_y_a))
    SignalementFactory(parcours=parcours, created_at=jours(signale_il_y_a), deja_essaye="Foyer à Vénissieux")
    transitions.transition(parcours, Status.A_CONTACTER, at=jours(signale_il_y_a - 1))
    transitions.transition(parcours, Status.CONTACT_EN_COURS, at=jours(signale_il_y_a - 2))
    transitions.record_fact(
        parcours,
        EventKind.CONTACT,
        reason="Appel à sa tante",
        at=jours(signale_il_y_a - 2),
        detail={"canal": "appel", "resultat": "joint", "note": "Vit chez sa tante rue Garibaldi"},
    )
    transitions.transition(parcours, Status.CONTACTE, reason="Joint au 06", at=jours(signale_il_y_a - 3))
    orientation = Orientation.objects.create(
        parcours=parcours,
        service=service_,
        structure=service_.structure,
        status=OrientationStatus.REFUSEE,
        status_changed_at=jours(signale_il_y_a - 5),
        envoyee_le=jours(signale_il_y_a - 4),
    )
    OrientationEvent.objects.create(
        orientation=orientation,
        to_status=OrientationStatus.ENVOYEE,
        actor_kind=ActorKind.JEUNE,
        occurred_at=jours(signale_il_y_a - 4),
    )
    OrientationEvent.objects.create(
        orientation=orientation,
        from_status=OrientationStatus.ENVOYEE,
        to_status=OrientationStatus.REFUSEE,
        actor_kind=ActorKind.STRUCTURE,
        reason=Reason.PAS_DE_PLACE,
        precision="Il a déjà un dossier chez nous au nom de Martin",
        occurred_at=jours(signale_il_y_a - 5),
    )
    Diagnostic.objects.create(
        parcours=parcours,
        questionnaire=Questionnaire.objects.order_by("pk").first() or Questionnaire.objects.create(titre="t"),
        reponses={"logement": "chez sa tante"},
        synthese="Besoin d'un logement",
    )
    MessageJeune.objects.create(
        parcours=parcours, texte="Je suis à la rue", via=ViaMessage.PAGE, recu_le=jours(derniere_activite_il_y_a)
    )
    return parcours


def figures(territory):
    return (
        status_counts(territory),
        indicateurs_h2(territory, now=NOW),
        boucle(orientation__parcours__territory=territory),
        reactivite_du_territoire(territory),
        # What those figures are computed from, row by row.
        sorted(ParcoursEvent.objects.values_list("pk", "kind", "from_status", "to_status", "occurred_at", "actor")),
        sorted(
            OrientationEvent.objects.values_list("pk", "to_status", "occurred_at", "actor_kind", "reason", "detail")
        ),
    )


def audit_du(moment):
    # Backdating an entry would be an UPDATE, refused: inserted with its date.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, action, jeune_ids, object_type, object_id, detail, ip_empreinte, "
            "session_empreinte) VALUES (%s, 'consultation', '[1]', 'ancienne', '', '{}', '', '')",
            [moment],
        )


def test_the_retention_command_anonymises_exactly_the_silent_people(settings):
    settings.SAS_RETENTION_DAYS, settings.SAS_AUDIT_RETENTION_DAYS = 730, 365
    territory = TerritoryFactory()
    service_ = service()
    # Silent for more than two years: anonymised. Signalled long ago but answered last month: kept. Recent: kept.
    anciens = [
        journey(territory, signale_il_y_a=900 + i, derniere_activite_il_y_a=800, service_=service_) for i in range(6)
    ]
    actifs = [journey(territory, signale_il_y_a=900, derniere_activite_il_y_a=30, service_=service_)] + [
        journey(territory, signale_il_y_a=100, derniere_activite_il_y_a=90, service_=service_) for _ in range(5)
    ]
    jeune = anciens[0].jeune
    age_au_signalement = (anciens[0].created_at.date() - jeune.date_naissance).days // 365
    departement = jeune.commune.departement_id
    gardes = {p.jeune_id: (p.jeune.prenom, p.jeune.telephone) for p in actifs}
    audit_du(jours(400))
    recente = record(None, Action.CONSULTATION, anciens[0], [jeune.pk])
    AccessAttempt.objects.create(username="a@b.fr", ip_address="10.0.0.1", failures_since_start=1)
    AccessAttempt.objects.filter(username="a@b.fr").update(attempt_time=jours(400))
    AccessAttempt.objects.create(username="c@d.fr", ip_address="10.0.0.2", failures_since_start=1)
    ancien_fichier = ImportBatch.objects.create(
        organisation=anciens[0].signalements.get().organisation, filename="a.csv", sha256="0" * 64, rows=[["Inès"]]
    )
    ImportBatch.objects.filter(pk=ancien_fichier.pk).update(created_at=jours(800))
    recent_fichier = ImportBatch.objects.create(
        organisation=ancien_fichier.organisation, filename="b.csv", sha256="1" * 64, rows=[["Léa"]]
    )
    avant = figures(territory)

    call_command("appliquer_conservation")
    assert not Jeune.objects.filter(anonymised_at__isnull=False).exists(), "a dry run by default"
    assert AuditEntry.objects.filter(object_type="ancienne").exists()

    call_command("appliquer_conservation", "--wet-run")

    anonymises = set(Jeune.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    assert anonymises == {p.jeune_id for p in anciens}
    for pk, (prenom, telephone) in gardes.items():
        assert (Jeune.objects.get(pk=pk).prenom, Jeune.objects.get(pk=pk).telephone) == (prenom, telephone)
    jeune.refresh_from_db()
    assert (jeune.prenom, jeune.nom, jeune.telephone, jeune.email, jeune.date_naissance, jeune.commune) == (
        "",
        "",
        "",
        "",
        None,
        None,
    )
    assert jeune.departement == departement
    # The age band at the signalement, not today's.
    assert 15 <= age_au_signalement <= 17
    assert jeune.tranche_age == TrancheAge.T15_17
    ids = [p.pk for p in anciens]
    assert (
        not Signalement.objects.filter(parcours__in=ids).exclude(prenom="", nom="", motif="", deja_essaye="").exists()
    )
    assert not MessageJeune.objects.filter(parcours__in=ids).exclude(texte="").exists()
    assert not Diagnostic.objects.filter(parcours__in=ids).exclude(reponses={}, synthese="").exists()
    assert not ParcoursEvent.objects.filter(parcours__in=ids).exclude(reason="").exists()
    assert not ParcoursEvent.objects.filter(parcours__in=ids, detail__has_key="note").exists()
    assert not OrientationEvent.objects.filter(orientation__parcours__in=ids).exclude(precision="").exists()
    # The journeys kept theirs.
    assert MessageJeune.objects.filter(parcours=actifs[0]).get().texte == "Je suis à la rue"
    assert ParcoursEvent.objects.filter(parcours=actifs[0], detail__has_key="note").exists()
    # The audit log keeps its recent entries (the person behind the id is gone), the old ones and old logins go.
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {recente.pk}
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["c@d.fr"]
    assert ImportBatch.objects.get(pk=ancien_fichier.pk).rows == []
    assert ImportBatch.objects.get(pk=recent_fichier.pk).rows == [["Léa"]]

    assert figures(territory) == avant
    apres = Jeune.objects.order_by("pk").values_list("pk", "anonymised_at", "prenom")
    premier_passage = list(apres)
    call_command("appliquer_conservation", "--wet-run")
    assert list(apres.all()) == premier_passage
    assert figures(territory) == avant


def test_anonymising_twice_changes_nothing():
    parcours = ParcoursFactory()
    assert anonymiser(parcours.jeune) is True
    assert anonymiser(parcours.jeune) is False


def test_idempotency_keys_go_once_past_the_delay_of_retries(settings):
    settings.SAS_IDEMPOTENCY_RETENTION_HOURS = 24
    organisation = OrganisationFactory()
    traites = []

    def creer():
        traites.append(1)
        return 201, {"prenom": "Inès", "telephone": "+33612345678"}

    for cle in ("hier", "ce-matin"):
        api.idempotent(organisation, cle, b"{}", creer)
    limite = timezone.now() - datetime.timedelta(hours=settings.SAS_IDEMPOTENCY_RETENTION_HOURS)
    IdempotencyKey.objects.filter(key="hier").update(created_at=limite - datetime.timedelta(minutes=5))
    IdempotencyKey.objects.filter(key="ce-matin").update(created_at=limite + datetime.timedelta(minutes=5))

    sortie = StringIO()
    call_command("appliquer_conservation", stdout=sortie)
    assert "1 clé(s) d'idempotence" in sortie.getvalue()
    assert IdempotencyKey.objects.count() == 2, "a dry run by default"

    sortie = StringIO()
    call_command("appliquer_conservation", "--wet-run", stdout=sortie)
    assert "1 clé(s) d'idempotence" in sortie.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["ce-matin"]
    # A retry within the delay is replayed; one after it is a new request.
    api.idempotent(organisation, "ce-matin", b"{}", creer)
    assert len(traites) == 2
    api.idempotent(organisation, "hier", b"{}", creer)
    assert len(traites) == 3

    sortie = StringIO()
    call_command("appliquer_conservation", "--wet-run", stdout=sortie)
    assert "0 clé(s) d'idempotence" in sortie.getvalue()
