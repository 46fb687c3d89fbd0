"""Loop figures, computed from the referrals' events with the definitions closed-loop platforms abroad use:

- closed-loop rate = referrals with a final status ÷ referrals sent;
- got-help rate = referrals with a confirmed take-up ÷ referrals sent;
- median delay from sending to acceptance, and from sending to take-up (days);
- who ended the referrals that did not lead to take-up, and why.

And each structure's responsiveness (acceptance rate, mean delay to answer), which the matching uses and pilots see:
silence counts, since an expired referral is an answer of "no" after 15 days.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from sas.aiguillage.indicators import Part
from sas.annuaire.matching import Reactivite
from sas.annuaire.models import Structure
from sas.parcours.indicators import SMALL_COUNT, suppress_small
from sas.secret_statistique import Cellule, proteger_liste

from .models import FINALS, ActorKind, OrientationEvent, OrientationStatus, Reason

JOUR = 86400.0


@dataclass
class Boucle:
    envoyees: int
    bouclees: Part  # referrals with a final status, out of those sent
    aides: Part  # referrals with a confirmed take-up, out of those sent
    delai_acceptation_jours: float | None
    delai_prise_en_charge_jours: float | None
    fins: list  # [(par label, motif label, Cellule)], protected with their total
    fins_total: Cellule | None = None

    @property
    def effectif(self):
        return suppress_small(self.envoyees)


def _events(orientations_filter):
    """{orientation id: {statut: (first date, event)}} for the transitions of the referrals selected."""
    reached = defaultdict(dict)
    rows = (
        OrientationEvent.objects.filter(kind="transition", **orientations_filter)
        .order_by("occurred_at", "pk")
        .values_list("orientation_id", "orientation__structure_id", "to_status", "occurred_at", "actor_kind", "reason")
    )
    for orientation_id, structure_id, status, at, actor_kind, reason in rows:
        reached[orientation_id].setdefault(status, (at, actor_kind, reason, structure_id))
    return reached


def _median_days(sent, status):
    """The median delay, in days, from sending to `status` over the referrals `sent` that reached it."""
    delays = [
        (r[status][0] - r[OrientationStatus.ENVOYEE][0]).total_seconds() / JOUR for r in sent.values() if status in r
    ]
    return round(statistics.median(delays), 1) if delays else None


def boucle(**orientations_filter):
    """The loop figures of the referrals selected by `orientations_filter` (OrientationEvent lookups, for example
    orientation__parcours__territory=…)."""
    reached = _events(orientations_filter)
    sent = {o: r for o, r in reached.items() if OrientationStatus.ENVOYEE in r}
    fins = Counter()
    for r in sent.values():
        for status in (OrientationStatus.REFUSEE, OrientationStatus.EXPIREE, OrientationStatus.ANNULEE):
            if status in r:
                _at, actor_kind, reason, _s = r[status]
                fins[(ActorKind(actor_kind).label, Reason(reason).label if reason else "")] += 1
    sent_count = len(sent)
    fins_shown, fins_total = proteger_liste(fins)
    # Medians of fewer than 11 referrals could single someone out: not shown (DESIGN.md, RGPD).
    shown = sent_count >= SMALL_COUNT
    return Boucle(
        envoyees=sent_count,
        bouclees=Part(sum(1 for r in sent.values() if FINALS & r.keys()), sent_count),
        aides=Part(sum(1 for r in sent.values() if OrientationStatus.PRISE_EN_CHARGE in r), sent_count),
        delai_acceptation_jours=_median_days(sent, OrientationStatus.ACCEPTEE) if shown else None,
        delai_prise_en_charge_jours=_median_days(sent, OrientationStatus.PRISE_EN_CHARGE) if shown else None,
        fins=[(actor_kind, reason, cellule) for (actor_kind, reason), cellule in sorted(fins_shown.items())],
        fins_total=fins_total,
    )


# An answer of the structure to a referral, with the statuses that make it.
REPONSES = {OrientationStatus.ACCEPTEE: True, OrientationStatus.REFUSEE: False, OrientationStatus.EXPIREE: False}
# Below this many answers a rate would say more about chance than about the structure.
MIN_REPONSES = 3


def _reponses(reached):
    """{structure id: [(days from sending to the first answer, accepted)]} of the referrals answered."""
    answers = defaultdict(list)
    for r in reached.values():
        given = [(r[s][0], accepted) for s, accepted in REPONSES.items() if s in r]
        if OrientationStatus.ENVOYEE not in r or not given:
            continue
        sent_at, _par, _motif, structure_id = r[OrientationStatus.ENVOYEE]
        answered_at, accepted = min(given)
        answers[structure_id].append(((answered_at - sent_at).total_seconds() / JOUR, accepted))
    return answers


def reactivite(structure_ids, at=None):
    """{structure id: Reactivite} measured from the referrals answered by `at`; structures with fewer than
    MIN_REPONSES answers are left out."""
    lookups = {"orientation__structure_id__in": list(structure_ids)}
    if at is not None:
        lookups["occurred_at__lte"] = at
    return {
        structure_id: Reactivite(
            taux_acceptation=sum(1 for _d, ok in items if ok) / len(items),
            delai_jours=statistics.fmean(d for d, _ok in items),
            mesuree=True,
        )
        for structure_id, items in _reponses(_events(lookups)).items()
        if len(items) >= MIN_REPONSES
    }


@dataclass
class ReactiviteStructure:
    nom: str
    reponses: Part  # accepted, out of the referrals answered (an expiry is an answer)
    delai_jours: float | None
    silences: Cellule  # expired referrals, protected with the other structures' and their total


def reactivite_du_territoire(territory):
    """What pilots see of each structure that received referrals of the territory: acceptance, delay, silence."""
    reached = _events({"orientation__parcours__territory": territory})
    silences = defaultdict(int)
    for r in reached.values():
        if OrientationStatus.ENVOYEE in r:
            silences[r[OrientationStatus.ENVOYEE][3]] += OrientationStatus.EXPIREE in r
    answers = _reponses(reached)
    names = dict(Structure.objects.filter(pk__in=silences).values_list("pk", "nom"))
    shown, total = proteger_liste(silences)
    rows = []
    for structure_id in silences:
        items = answers.get(structure_id, [])
        rows.append(
            ReactiviteStructure(
                nom=names[structure_id],
                reponses=Part(sum(1 for _d, ok in items if ok), len(items)),
                delai_jours=round(statistics.fmean(d for d, _ok in items), 1) if len(items) >= SMALL_COUNT else None,
                silences=shown[structure_id],
            )
        )
    return sorted(rows, key=lambda row: row.nom), total


@dataclass
class MaReactivite:
    nom: str
    mesure: Reactivite | None  # None below MIN_REPONSES answers
    expirees: int


def reactivite_des_organisations(organisations):
    """A receiving structure's own responsiveness, as the matching and the pilots measure it, for its members'
    page: [MaReactivite] of each structure of `organisations` that received referrals. Three queries."""
    structures = dict(
        Structure.objects.filter(organisation__in=organisations, orientations__isnull=False)
        .distinct()
        .values_list("pk", "nom")
    )
    mesures = reactivite(structures)
    expirees = Counter(
        OrientationEvent.objects.filter(
            orientation__structure_id__in=list(structures), kind="transition", to_status=OrientationStatus.EXPIREE
        ).values_list("orientation__structure_id", flat=True)
    )
    return [
        MaReactivite(nom, mesures.get(pk), expirees[pk]) for pk, nom in sorted(structures.items(), key=lambda i: i[1])
    ]
