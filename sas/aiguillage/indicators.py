"""The targets of DESIGN.md measured from journey events: badges in the queue and the H2 indicators for pilots.

The clock starts at the signalement, or, for a journey signalled before the end of a support ("sortie à venir"),
when it leaves that status. A first attempt is the first CONTACT (call, visit…) or MESSAGE (sent) event."""

import calendar
import dataclasses
import datetime
import itertools

from django.utils import timezone

from sas.parcours.indicators import suppress_small
from sas.parcours.models import ATTEMPT_KINDS, EventKind, ParcoursEvent
from sas.parcours.status import Status
from sas.secret_statistique import taux_publiable

DELAI_PREMIER_ESSAI = datetime.timedelta(hours=72)
DELAI_CONTACT = datetime.timedelta(days=15)
# Not the target public: left out of the rates.
HORS_MESURE = frozenset({Status.HORS_CIBLE, Status.DEJA_ACCOMPAGNE})


def un_mois_apres(moment):
    """Same day next month (the last day of that month when it is shorter), in local time."""
    local = timezone.localtime(moment)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def un_mois_avant(moment):
    """Same day the month before (the last day of that month when it is shorter), in local time: a clock started
    before it has run out its month, within a day at the ends of months."""
    local = timezone.localtime(moment)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


@dataclasses.dataclass(frozen=True)
class Jalons:
    """When the clock started and when each target was met (None: not yet)."""

    debut: datetime.datetime
    premier_essai: datetime.datetime | None
    contacte: datetime.datetime | None
    injoignable: datetime.datetime | None
    diagnostic: datetime.datetime | None

    @property
    def limite_premier_essai(self):
        return self.debut + DELAI_PREMIER_ESSAI

    @property
    def limite_contact(self):
        return self.debut + DELAI_CONTACT

    @property
    def limite_diagnostic(self):
        return un_mois_apres(self.debut)


def jalons(events):
    """Jalons of one journey from its events in date order, or None while its clock has not started."""
    debut = None
    first = {}
    for event in events:
        if event.kind == EventKind.TRANSITION:
            starts = not event.from_status and event.to_status != Status.SORTIE_A_VENIR
            if starts or (event.from_status == Status.SORTIE_A_VENIR and debut is None):
                debut = event.occurred_at
            first.setdefault(event.to_status, event.occurred_at)
        elif event.kind in ATTEMPT_KINDS:
            first.setdefault("essai", event.occurred_at)
    if debut is None:
        return None
    contacte = first.get(Status.CONTACTE)
    essais = [moment for moment in (first.get("essai"), contacte) if moment]
    return Jalons(
        debut=debut,
        premier_essai=min(essais, default=None),
        contacte=contacte,
        injoignable=first.get(Status.INJOIGNABLE),
        diagnostic=first.get(Status.DIAGNOSTIC_FAIT),
    )


def jalons_retenus(parcours):
    """Jalons of one journey from the milestones sas.parcours.transitions keeps on it (the same as jalons() of its
    events), or None while its clock has not started."""
    if parcours.objectifs_depuis is None:
        return None
    return Jalons(
        debut=parcours.objectifs_depuis,
        premier_essai=parcours.premier_essai_le,
        contacte=parcours.contacte_le,
        injoignable=parcours.injoignable_le,
        diagnostic=parcours.diagnostic_le,
    )


@dataclasses.dataclass(frozen=True)
class Badge:
    texte: str
    en_retard: bool

    @property
    def classe(self):
        return "fr-badge--error" if self.en_retard else "fr-badge--info"


def badges(parcours, now=None):
    """The targets still open for a journey: every overdue one, and the next one due."""
    now = now or timezone.now()
    j = jalons_retenus(parcours)
    if j is None or parcours.status in HORS_MESURE:
        return []
    targets = []
    if j.premier_essai is None:
        targets.append(("Premier contact", j.limite_premier_essai))
    if j.contacte is None and j.injoignable is None:
        targets.append(("Contact décidé", j.limite_contact))
    if j.diagnostic is None and j.injoignable is None:
        targets.append(("Diagnostic", j.limite_diagnostic))
    shown, upcoming_shown = [], False
    for label, limite in targets:
        if limite < now:
            shown.append(Badge(f"{label} : en retard depuis le {timezone.localtime(limite):%d/%m}", True))
        elif not upcoming_shown:
            shown.append(Badge(f"{label} avant le {timezone.localtime(limite):%d/%m à %H:%M}", False))
            upcoming_shown = True
    return shown


@dataclasses.dataclass(frozen=True)
class Part:
    """`atteints` out of `mesures`; the rate is shown only when neither those who reached the target nor the
    others are few enough to be singled out (DESIGN.md, RGPD)."""

    atteints: int
    mesures: int

    @property
    def taux(self):
        return self.atteints / self.mesures if self.mesures else None

    @property
    def affichable(self):
        return taux_publiable(self.atteints, self.mesures)

    @property
    def effectif(self):
        return suppress_small(self.mesures)


def _part(rows, now, limite, atteint):
    """Among journeys whose deadline passed or whose target was met, the share that met it in time."""
    atteints = mesures = 0
    for j in rows:
        moment = atteint(j)
        if moment is not None and moment <= limite(j):
            atteints += 1
            mesures += 1
        elif limite(j) < now:
            mesures += 1
    return Part(atteints, mesures)


def taux_absence_premiers_rdv(events):
    """Part of first appointments missed among those whose outcome is known: RENDEZ_VOUS events with detail
    {"premier": true, "issue": "honore"|"manque"}; the last outcome of an appointment counts."""
    issues = {}
    for event in events:
        detail = event.detail or {}
        if (
            event.kind == EventKind.RENDEZ_VOUS
            and detail.get("premier")
            and detail.get("issue") in ("honore", "manque")
        ):
            issues[detail.get("rdv", f"event-{event.pk}")] = detail["issue"]
    return Part(sum(1 for issue in issues.values() if issue == "manque"), len(issues))


def mesurer(events, now=None):
    """H2 indicators from the events of many journeys (sorted by journey, then date):
    {"premier_essai_72h", "contact_15j", "diagnostic_1_mois", "absence_premier_rdv"} → Part."""
    now = now or timezone.now()
    events = list(events)
    rows = []
    for _, journey_events in itertools.groupby(events, key=lambda e: e.parcours_id):
        j = jalons(journey_events)
        if j is not None:
            rows.append(j)
    return {
        "premier_essai_72h": _part(rows, now, lambda j: j.limite_premier_essai, lambda j: j.premier_essai),
        "contact_15j": _part(rows, now, lambda j: j.limite_contact, lambda j: j.contacte),
        "diagnostic_1_mois": _part(rows, now, lambda j: j.limite_diagnostic, lambda j: j.diagnostic),
        "absence_premier_rdv": taux_absence_premiers_rdv(events),
    }


def indicateurs_h2(territory, now=None):
    """mesurer() over the journeys of `territory` (those out of the target public left out). One query."""
    events = (
        ParcoursEvent.objects.filter(parcours__territory=territory)
        .exclude(parcours__status__in=HORS_MESURE)
        .filter(kind__in=[EventKind.TRANSITION, EventKind.CONTACT, EventKind.MESSAGE, EventKind.RENDEZ_VOUS])
        .only("parcours_id", "kind", "from_status", "to_status", "occurred_at", "detail")
        .order_by("parcours_id", "occurred_at", "pk")
    )
    return mesurer(events, now)
