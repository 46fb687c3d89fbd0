"""The records `indicateurs` reads, from the database: six queries whatever the number of journeys, no name read."""

import dataclasses
import datetime
import itertools
from collections import defaultdict

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from sas.droits import services as droits
from sas.droits.models import Estimation
from sas.jeunes.models import TrancheAge, age_on
from sas.organisations.models import Organisation
from sas.orientation.models import OrientationEvent
from sas.parcours.models import EventKind, Parcours, ParcoursEvent, Signalement, SignalementSource
from sas.prescription.models import RencontreTripartite
from sas.suivi.models import RecoursDroit, Suivi

from .indicateurs import PRESCRIPTEURS, Dossier, Envoi, Evenement

_SOURCE = {SignalementSource.PROCHE: "proche", SignalementSource.JEUNE: "jeune"}
_BORNES = [(17, TrancheAge.T15_17), (21, TrancheAge.T18_21), (25, TrancheAge.T22_25), (29, TrancheAge.T26_29)]


@dataclasses.dataclass(frozen=True)
class Filtre:
    """What the pilot chose: territories (already those they may see), months, where the young person lives,
    where the signalement came from ("", "prescripteur", "proche", "jeune", "type:<kind>", "organisation:<id>")."""

    territoires: tuple
    debut: datetime.date  # first day of the first month
    fin: datetime.date  # first day of the last month
    departement: str = ""
    epci: str = ""
    source: str = ""

    def bornes(self):
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.debut, datetime.time(), tzinfo=tz)
        year, month = (self.fin.year + 1, 1) if self.fin.month == 12 else (self.fin.year, self.fin.month + 1)
        return start, datetime.datetime(year, month, 1, tzinfo=tz)


def tranche(jeune_tranche, naissance, at):
    """The age band said, or the one of the birth date on the day of the signalement."""
    if jeune_tranche or not naissance:
        return jeune_tranche or ""
    age = age_on(naissance, at.date())
    return next((band for limite, band in _BORNES if age <= limite), "")


def parcours_du_filtre(filtre):
    start, end = filtre.bornes()
    parcours = Parcours.objects.filter(territory__in=filtre.territoires, created_at__gte=start, created_at__lt=end)
    if filtre.departement:
        parcours = parcours.filter(jeune__commune__departement_id=filtre.departement)
    if filtre.epci:
        parcours = parcours.filter(jeune__commune__epci_id=filtre.epci)
    return parcours


def dossiers(filtre):
    """[Dossier] of the journeys `filtre` selects."""
    premier = Signalement.objects.filter(parcours=OuterRef("pk")).order_by("created_at", "pk")
    rows = (
        parcours_du_filtre(filtre)
        .annotate(
            source=Subquery(premier.values("source")[:1]),
            organisation_id=Subquery(premier.values("organisation_id")[:1]),
            organisation_kind=Subquery(premier.values("organisation__kind")[:1]),
            rencontre=Exists(RencontreTripartite.objects.filter(parcours=OuterRef("pk"), took_place=True)),
            sortie_nature=Subquery(
                Suivi.objects.filter(parcours=OuterRef("pk"))
                .exclude(sortie_nature="")
                .order_by("-debut", "-pk")
                .values("sortie_nature")[:1]
            ),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "created_at",
            "source",
            "organisation_id",
            "organisation_kind",
            "jeune__tranche_age",
            "jeune__date_naissance",
            "jeune__sexe",
            "jeune__qpv",
            "rencontre",
            "sortie_nature",
        )
    )
    records = {}
    for pk, created, source, org, kind, band, naissance, sexe, qpv, rencontre, nature in rows:
        source = _SOURCE.get(source, "prescripteur")
        if filtre.source and not _garde(filtre.source, source, kind, org):
            continue
        records[pk] = {
            "signale_le": created,
            "source": source,
            "organisation_id": org if source == "prescripteur" else None,
            "type_prescripteur": (kind or "") if source == "prescripteur" else "",
            "tranche_age": tranche(band, naissance, timezone.localtime(created)),
            "sexe": sexe,
            "qpv": qpv,
            "rencontre": rencontre,
            "sortie_nature": nature or "",
        }
    selection = parcours_du_filtre(filtre).values("pk")
    events = defaultdict(list)
    for pid, kind, de, vers, at in (
        ParcoursEvent.objects.filter(
            parcours__in=selection, kind__in=[EventKind.TRANSITION, EventKind.CONTACT, EventKind.MESSAGE]
        )
        .order_by("parcours_id", "occurred_at", "pk")
        .values_list("parcours_id", "kind", "from_status", "to_status", "occurred_at")
    ):
        events[pid].append(Evenement(kind, de, vers, at))
    envois = defaultdict(list)
    rows = (
        OrientationEvent.objects.filter(orientation__parcours__in=selection, kind="transition")
        .order_by("orientation__parcours_id", "orientation_id", "occurred_at", "pk")
        .values_list(
            "orientation__parcours_id",
            "orientation_id",
            "orientation__structure__nom",
            "to_status",
            "occurred_at",
            "reason",
        )
    )
    for (pid, _oid, nom), group in itertools.groupby(rows, key=lambda r: r[:3]):
        envois[pid].append(Envoi(nom, tuple((status, at, motif) for *_k, status, at, motif in group)))
    probables = _droits_probables(selection)
    recours = defaultdict(list)
    for pid, droit, reponse, at in (
        RecoursDroit.objects.filter(parcours__in=selection)
        .order_by("parcours_id", "declare_le", "pk")
        .values_list("parcours_id", "droit", "reponse", "declare_le")
    ):
        recours[pid].append((droit, reponse, at))
    return [
        Dossier(
            evenements=tuple(events[pk]),
            envois=tuple(envois[pk]),
            droits_probables=probables.get(pk),
            recours=tuple(recours[pk]),
            **record,
        )
        for pk, record in records.items()
    ]


def _droits_probables(selection):
    """{parcours id: codes of the rights its latest screening that succeeded found probably open, not yet received}:
    what the young person's page shows them as probable."""
    out = {}
    estimations = (
        Estimation.objects.filter(diagnostic__parcours__in=selection, reponse__isnull=False)
        .select_related("diagnostic")
        .order_by("diagnostic__parcours_id", "-calculee_le", "-pk")
    )
    for estimation in estimations:
        pid = estimation.diagnostic.parcours_id
        lu = None if pid in out else droits.pour_le_jeune(estimation)
        if lu is not None:
            out[pid] = tuple(r.droit.code for r in lu[0])
    return out


def _garde(choix, source, kind, org):
    if choix in ("prescripteur", "proche", "jeune"):
        return source == choix
    nature, _, valeur = choix.partition(":")
    if source != "prescripteur":
        return False
    return (nature == "type" and kind == valeur) or (nature == "organisation" and str(org) == valeur)


def organisations_prescriptrices(territoires):
    return Organisation.objects.filter(territory__in=territoires, kind__in=PRESCRIPTEURS)
