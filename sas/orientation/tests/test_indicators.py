import datetime

import pytest
from django.utils import timezone

from sas.orientation import indicators
from sas.orientation.models import ActorKind, Orientation, OrientationEvent, OrientationStatus, Reason
from sas.orientation.services import classer

pytestmark = pytest.mark.django_db
T0 = timezone.now() - datetime.timedelta(days=60)


def referral(parcours, service, path, *, sent_at=T0):
    """A referral that went through `path`: [(statut, days after sending, par, motif)]."""
    orientation = Orientation.objects.create(
        parcours=parcours,
        service=service,
        structure=service.structure,
        status=path[-1][0] if path else OrientationStatus.ENVOYEE,
        status_changed_at=sent_at,
        envoyee_le=sent_at,
    )
    OrientationEvent.objects.create(
        orientation=orientation, to_status=OrientationStatus.ENVOYEE, actor_kind=ActorKind.JEUNE, occurred_at=sent_at
    )
    for status, days, actor_kind, reason in path:
        OrientationEvent.objects.create(
            orientation=orientation,
            to_status=status,
            actor_kind=actor_kind,
            reason=reason,
            occurred_at=sent_at + datetime.timedelta(days=days),
        )
    return orientation


ACCEPT = (OrientationStatus.ACCEPTEE, 2, ActorKind.STRUCTURE, "")
RDV = (OrientationStatus.RDV_FIXE, 3, ActorKind.STRUCTURE, "")
TAKE_UP = (OrientationStatus.PRISE_EN_CHARGE, 9, ActorKind.STRUCTURE, "")


def test_loop_figures_follow_the_closed_loop_definitions(parcours, catalogue):
    logement, mobilite = catalogue["logement"], catalogue["mobilite"]
    for _ in range(6):
        referral(parcours, logement, [ACCEPT, RDV, TAKE_UP])
    for _ in range(2):
        referral(parcours, logement, [(OrientationStatus.ACCEPTEE, 4, ActorKind.STRUCTURE, "")])  # still open
    referral(parcours, mobilite, [(OrientationStatus.REFUSEE, 1, ActorKind.STRUCTURE, Reason.PAS_DE_PLACE)])
    referral(parcours, mobilite, [(OrientationStatus.EXPIREE, 15, ActorKind.SYSTEME, Reason.SANS_REPONSE)])
    referral(parcours, mobilite, [ACCEPT, (OrientationStatus.ANNULEE, 5, ActorKind.JEUNE, Reason.PLUS_INTERESSE)])
    referral(parcours, mobilite, [])  # sent, no answer yet

    figures = indicators.boucle(orientation__parcours__territory=parcours.territory)

    assert figures.envoyees == 12
    assert (figures.bouclees.atteints, figures.bouclees.mesures) == (9, 12)
    assert (figures.aides.atteints, figures.aides.mesures) == (6, 12)
    # Acceptances after 2 days (×7) and 4 days (×2): median 2; take-ups after 9 days.
    assert figures.delai_acceptation_jours == 2.0
    assert figures.delai_prise_en_charge_jours == 9.0
    assert [(actor_kind, reason, str(n)) for actor_kind, reason, n in figures.fins] == [
        ("Automatique", "Pas de réponse de la structure", "< 11"),
        ("La structure", "Pas de place", "< 11"),
        ("Le jeune", "Le jeune n'est plus intéressé", "< 11"),
    ]
    assert str(figures.fins_total) == "< 11", "3 ends in all"


def test_medians_are_hidden_under_eleven_referrals(parcours, catalogue):
    referral(parcours, catalogue["logement"], [ACCEPT, RDV, TAKE_UP])
    figures = indicators.boucle(orientation__parcours__territory=parcours.territory)
    assert figures.envoyees == 1 and figures.effectif == "< 11"
    assert figures.delai_acceptation_jours is None and not figures.aides.affichable


def test_responsiveness_counts_silence_and_feeds_the_ranking(parcours, catalogue):
    logement, mobilite = catalogue["logement"], catalogue["mobilite"]
    referral(parcours, logement, [ACCEPT])
    referral(parcours, logement, [(OrientationStatus.ACCEPTEE, 4, ActorKind.STRUCTURE, "")])
    referral(parcours, mobilite, [(OrientationStatus.EXPIREE, 15, ActorKind.SYSTEME, Reason.SANS_REPONSE)])
    referral(parcours, mobilite, [(OrientationStatus.ACCEPTEE, 1, ActorKind.STRUCTURE, "")])
    referral(
        parcours,
        mobilite,
        [
            (OrientationStatus.ACCEPTEE, 2, ActorKind.STRUCTURE, ""),
            (OrientationStatus.ANNULEE, 5, ActorKind.JEUNE, "autre"),
        ],
    )
    referral(parcours, mobilite, [(OrientationStatus.REFUSEE, 6, ActorKind.STRUCTURE, Reason.NON_ELIGIBLE)])
    referral(parcours, mobilite, [])

    measured = indicators.reactivite([logement.structure_id, mobilite.structure_id])
    # Four answers, the silence included: 2 accepted, after (15 + 1 + 2 + 6) / 4 days.
    assert measured[mobilite.structure_id].taux_acceptation == 0.5
    assert measured[mobilite.structure_id].delai_jours == 6.0
    # Two answers only: not measured yet, nor before the third answer.
    assert logement.structure_id not in measured
    assert indicators.reactivite([mobilite.structure_id], at=T0 + datetime.timedelta(days=5)) == {}

    explanations = {p.service_nom: p.explication for p in classer(parcours)}
    assert explanations["Logement temporaire"].endswith("réactivité pas encore mesurée")
    assert explanations["Conseil mobilité"].endswith("répond en 6 jours en moyenne, accepte 50 % des orientations")

    structures, total = indicators.reactivite_du_territoire(parcours.territory)
    rows = {r.nom: r for r in structures}
    assert (rows["Plateforme mobilité"].reponses.atteints, rows["Plateforme mobilité"].reponses.mesures) == (2, 4)
    assert str(rows["Plateforme mobilité"].silences) == "< 11"
    assert str(total) == "< 11"
