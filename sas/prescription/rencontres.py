"""Joint meetings (prescriber + counsellor + young person) booked before a support ends, and their measured effect."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from sas.audit.models import Action, record
from sas.lieux import erreurs_de_lieu
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours, ParcoursEvent
from sas.parcours.status import Status
from sas.permissions import is_aiguilleur_of, may_act_on_rencontre

from .models import RencontreMode, RencontreTripartite

# A meeting may still be useful in the first days after the support has ended.
DELAI_APRES_FIN = datetime.timedelta(days=7)


def fin_accompagnement(parcours, organisation_ids=None):
    """The latest end of support announced by a signalement (of these organisations only, if given), or None."""
    dates = [
        s.fin_accompagnement_le
        for s in parcours.signalements.all()
        if s.fin_accompagnement_le and (organisation_ids is None or s.organisation_id in organisation_ids)
    ]
    return max(dates, default=None)


def _check_may_act(user, parcours, organisation):
    if not may_act_on_rencontre(user, parcours, organisation):
        raise ValidationError(
            "Seuls la structure qui a signalé ce jeune et l'équipe SAS du territoire peuvent organiser cette rencontre."
        )


def proposer_rencontre(parcours, *, organisation, proposed_by, starts_at, mode, lieu="", at=None):
    """Book a joint meeting for a journey waiting as "sortie à venir". Raises ValidationError (in French, by field
    when it is about one) and writes nothing otherwise."""
    at = at or timezone.now()
    _check_may_act(proposed_by, parcours, organisation)
    if parcours.status != Status.SORTIE_A_VENIR:
        raise ValidationError(
            "Une rencontre tripartite se prépare avant la fin de l'accompagnement : "
            f"ce parcours est au statut « {parcours.get_status_display()} »."
        )
    lieu = (lieu or "").strip()
    errors = erreurs_de_lieu(mode, lieu, RencontreMode, champ="mode", sans_adresse="Indiquez le lieu de la rencontre.")
    if starts_at <= at:
        errors["starts_at"] = "La rencontre doit avoir lieu dans le futur."
    # The end of this organisation's support: another organisation's dates are not theirs to be told.
    elif (fin := fin_accompagnement(parcours, [organisation.pk])) and timezone.localtime(
        starts_at
    ).date() > fin + DELAI_APRES_FIN:
        latest = fin + DELAI_APRES_FIN
        errors["starts_at"] = (
            f"La rencontre doit avoir lieu avant la fin de l'accompagnement (le {fin:%d/%m/%Y}), "
            f"ou au plus tard le {latest:%d/%m/%Y}."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rencontre = RencontreTripartite.objects.create(
            parcours=parcours,
            organisation=organisation,
            proposed_by=proposed_by,
            aiguilleur=proposed_by if is_aiguilleur_of(proposed_by, parcours) else None,
            starts_at=starts_at,
            mode=mode,
            lieu=lieu,
        )
        transitions.record_fact(
            parcours,
            EventKind.RENCONTRE,
            actor=proposed_by,
            reason=f"Rencontre tripartite proposée le {_when(starts_at)} ({rencontre.get_mode_display().lower()})",
            at=at,
        )
        record(proposed_by, Action.CREATION, rencontre, [parcours.jeune_id])
    return rencontre


def noter_issue(rencontre, took_place, actor, at=None):
    """Say, once the date has passed, whether the meeting took place."""
    at = at or timezone.now()
    parcours = rencontre.parcours
    _check_may_act(actor, parcours, rencontre.organisation)
    if rencontre.cancelled_at:
        raise ValidationError("Cette rencontre a été annulée.")
    if rencontre.took_place is not None:
        raise ValidationError("L'issue de cette rencontre est déjà enregistrée.")
    if at < rencontre.starts_at:
        raise ValidationError(f"Vous pourrez dire si la rencontre a eu lieu après le {_when(rencontre.starts_at)}.")
    return _consigner(
        rencontre,
        actor,
        at,
        encore={"took_place__isnull": True},
        changement={"took_place": took_place},
        deja="L'issue de cette rencontre est déjà enregistrée.",
        issue=" : a eu lieu" if took_place else " : n'a pas eu lieu",
    )


def annuler_rencontre(rencontre, actor, at=None):
    """Cancel a meeting that has not taken place yet; it then counts neither way in the contact rates."""
    at = at or timezone.now()
    parcours = rencontre.parcours
    _check_may_act(actor, parcours, rencontre.organisation)
    if rencontre.took_place is not None:
        raise ValidationError("L'issue de cette rencontre est déjà enregistrée : elle ne peut plus être annulée.")
    return _consigner(
        rencontre,
        actor,
        at,
        encore={"cancelled_at__isnull": True, "took_place__isnull": True},
        changement={"cancelled_at": at},
        deja="Cette rencontre a déjà été annulée ou renseignée.",
        issue=" annulée",
        cancelled=True,
    )


def _consigner(rencontre, actor, at, *, encore, changement, deja, issue, **detail):
    """Write `changement` on the meeting while it still matches `encore` (else someone else answered or cancelled it
    meanwhile: `deja`), with its RENCONTRE event saying the `issue` and its audit entry (`changement` or `detail`)."""
    parcours = rencontre.parcours
    with transaction.atomic():
        if not RencontreTripartite.objects.filter(pk=rencontre.pk, **encore).update(**changement):
            raise ValidationError(deja)
        transitions.record_fact(
            parcours,
            EventKind.RENCONTRE,
            actor=actor,
            reason=f"Rencontre tripartite du {_when(rencontre.starts_at)}{issue}",
            at=at,
        )
        record(actor, Action.MODIFICATION, rencontre, [parcours.jeune_id], **(detail or changement))
    for name, value in changement.items():
        setattr(rencontre, name, value)
    return rencontre


def _when(moment):
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}"


@dataclasses.dataclass(frozen=True)
class Taux:
    parcours: int
    contactes: int

    @property
    def taux(self):
        return self.contactes / self.parcours if self.parcours else None


def taux_contact_selon_rencontre(territory):
    """Among the journeys of `territory` that started as "sortie à venir", the share that reached "contacté"
    with a joint meeting that took place, and without one: {"avec": Taux, "sans": Taux}. One query."""
    events = ParcoursEvent.objects.filter(parcours=OuterRef("pk"), kind=EventKind.TRANSITION)
    journeys = Parcours.objects.filter(territory=territory).filter(
        Exists(events.filter(from_status="", to_status=Status.SORTIE_A_VENIR))
    )
    contacted = Q(Exists(events.filter(to_status=Status.CONTACTE)))
    met = Q(Exists(RencontreTripartite.objects.filter(parcours=OuterRef("pk"), took_place=True)))
    counts = journeys.aggregate(
        avec=Count("pk", filter=met),
        avec_contactes=Count("pk", filter=met & contacted),
        sans=Count("pk", filter=~met),
        sans_contactes=Count("pk", filter=~met & contacted),
    )
    return {
        "avec": Taux(counts["avec"], counts["avec_contactes"]),
        "sans": Taux(counts["sans"], counts["sans_contactes"]),
    }
