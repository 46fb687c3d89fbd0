"""What a prescriber may see of a journey: the one place every prescriber-facing page, e-mail and API answer reads.

A fixed list of (stage, date) from the moment their organisation's signalement joined the journey, a neutral
sentence for a side exit, the receiving structure only if the young person agreed to tell them, and their own
signalements. Never the text of an event, never who did it, never another organisation's signalement."""

import dataclasses
import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from sas.jeunes.models import Consent, Purpose
from sas.parcours.models import EventKind, ParcoursEvent, Signalement
from sas.parcours.status import INITIAL, SIDE_EXITS, Status

S = Status

# A side exit told without saying why, nor who decided it: what the counsellor or a structure wrote stays with them.
SORTIES = {
    S.REFUS_DU_JEUNE: "Le jeune n'a pas souhaité être accompagné",
    S.INJOIGNABLE: "Le jeune n'a pas pu être joint",
    S.HORS_CIBLE: "Le jeune ne relève pas de l'accompagnement SAS",
    S.DEJA_ACCOMPAGNE: "Le jeune est déjà accompagné par ailleurs",
    S.ORIENTATION_REFUSEE: "Une autre solution est recherchée avec le jeune",
    S.ABANDON: "L'accompagnement s'est interrompu : l'équipe SAS cherche à reprendre contact",
    S.CONSENTEMENT_RETIRE: "Le jeune a retiré son accord",
}
LIBELLES = {status: status.label for status in Status if status not in SIDE_EXITS} | SORTIES | {S.SUIVI: "En suivi"}

# Stages at which the journey is with a receiving structure: the only ones where naming it means something.
CHEZ_UNE_STRUCTURE = frozenset(
    {
        S.ORIENTATION_ENVOYEE,
        S.ACCEPTEE_PAR_STRUCTURE,
        S.PREMIER_RDV,
        S.PRIS_EN_CHARGE,
        S.SUIVI,
        S.SUIVI_TERMINE,
        S.SORTI_POSITIF,
    }
)


@dataclasses.dataclass(frozen=True)
class Etape:
    code: str
    libelle: str
    at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class VuePrescripteur:
    depuis: datetime.datetime | None  # when the first of their signalements joined the journey
    etapes: tuple[Etape, ...]  # oldest first; the first one is where they started following
    structure: str  # the receiving structure's name, "" unless the young person agreed to tell them
    signalements: tuple[Signalement, ...]  # theirs only

    @property
    def nom(self):
        """The young person's name as the first of their signalements gave it, never as SAS knows them."""
        premier = min(self.signalements, key=lambda s: (s.attache_le, s.pk), default=None)
        return " ".join(part for part in (premier.prenom, premier.nom) if part) if premier else ""

    @property
    def etape(self):
        return self.etapes[-1] if self.etapes else None

    @property
    def sortie(self):
        return self.etape is not None and self.etape.code in SIDE_EXITS

    @property
    def changements(self):
        """The stages reached after the one they started following at."""
        return self.etapes[1:]

    def atteinte_le(self):
        """{stage code: first date reached}, from the moment they follow the journey."""
        reached = {}
        for etape in self.etapes:
            reached.setdefault(etape.code, etape.at)
        return reached


def avec_suivi(queryset, organisation_ids):
    """`queryset` of journeys with what vue_prescripteur() reads, so that a list costs a fixed number of queries."""
    organisation_ids = list(organisation_ids)
    return queryset.prefetch_related(
        "events",
        Prefetch(
            "signalements",
            queryset=Signalement.objects.filter(organisation_id__in=organisation_ids).select_related("organisation"),
            to_attr="signalements_suivis",
        ),
        Prefetch(
            "jeune__consents",
            queryset=Consent.objects.active()
            .filter(purpose=Purpose.RETOUR_PRESCRIPTEUR, organisations__in=organisation_ids)
            .distinct(),
            to_attr="retours_prescripteur",
        ),
        "orientations__structure",
    )


def _leurs_signalements(organisation_ids):
    return Signalement.objects.filter(parcours=OuterRef("pk"), organisation_id__in=list(organisation_ids))


def avec_etape(queryset, organisation_ids):
    """`queryset` of journeys annotated with `suivi_depuis` and `suivi_etape`: the date and the stage code that
    vue_prescripteur() gives the organisations, computed in SQL so that a list filters, counts and sorts on them."""
    depuis = _leurs_signalements(organisation_ids).order_by("attache_le").values("attache_le")[:1]
    derniere = (
        ParcoursEvent.objects.filter(
            parcours=OuterRef("pk"), kind=EventKind.TRANSITION, occurred_at__gte=OuterRef("suivi_depuis")
        )
        .order_by("-occurred_at", "-pk")
        .values("to_status")[:1]
    )
    # No move since they follow the journey: vue_prescripteur() starts them at "signalé".
    return queryset.annotate(suivi_depuis=Subquery(depuis)).annotate(
        suivi_etape=Coalesce(Subquery(derniere), Value(S.SIGNALE.value))
    )


def nommes(queryset, organisation_ids, recherche):
    """The journeys of `queryset` one of the organisations' own signalements names as `recherche`: each word in the
    first name or the name they typed (any case). What SAS knows of the person under another name is not searched."""
    signalements = _leurs_signalements(organisation_ids)
    for mot in recherche.split():
        signalements = signalements.filter(Q(prenom__icontains=mot) | Q(nom__icontains=mot))
    return queryset.filter(Exists(signalements))


def vue_prescripteur(parcours):
    """What the organisations given to avec_suivi() may see of `parcours` (loaded through it)."""
    signalements = tuple(parcours.signalements_suivis)
    if not signalements:
        return VuePrescripteur(None, (), "", ())
    depuis = min(s.attache_le for s in signalements)
    etapes = [
        Etape(event.to_status, LIBELLES[event.to_status], event.occurred_at)
        for event in parcours.events.all()
        if event.kind == EventKind.TRANSITION and event.occurred_at >= depuis
    ]
    if not etapes or etapes[0].code not in INITIAL:
        # Attached to a journey already under way (a merge, a second signalement): what came before is not theirs.
        etapes.insert(0, Etape(S.SIGNALE, LIBELLES[S.SIGNALE], depuis))
    structure = ""
    orientations = parcours.orientations.all()
    if etapes[-1].code in CHEZ_UNE_STRUCTURE and parcours.jeune.retours_prescripteur and orientations:
        structure = orientations[0].structure.nom
    return VuePrescripteur(depuis, tuple(etapes), structure, signalements)
