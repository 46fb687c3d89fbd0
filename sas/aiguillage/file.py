"""The territory queue of the aiguilleurs: who is waiting, how late, with whom, and what failed."""

import dataclasses
import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from sas.communes.models import Commune
from sas.jeunes.models import TrancheAge
from sas.messagerie.models import CanalInvalide, Message, MessageStatut
from sas.organisations.models import Membership, Role
from sas.parcours.models import Signalement
from sas.parcours.status import CLOSED, Status
from sas.permissions import organisations_for_role, parcours_for_role
from sas.prescription.models import DoublonPossible
from sas.prescription.services import normalise_phone

from .forms import SANS_CONSEILLER, SANS_ORGANISATION
from .indicators import badges
from .models import MessageJeune, TacheContact

PAR_PAGE = 50


def equipes(user):
    """{territory id: [counsellors]}: the aiguilleurs of the user's SAS teams, by the territory they cover."""
    memberships = (
        Membership.objects.filter(
            role=Role.AIGUILLEUR,
            is_active=True,
            user__is_active=True,
            organisation__in=organisations_for_role(user, Role.AIGUILLEUR),
        )
        .select_related("user", "organisation")
        .order_by("user__first_name", "user__last_name", "user_id")
    )
    teams = {}
    for membership in memberships:
        team = teams.setdefault(membership.organisation.territory_id, [])
        if membership.user not in team:
            team.append(membership.user)
    return teams


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_filter(band, today):
    """Journeys whose young person is in the age band: from the date of birth, else the band given."""
    low, high = (int(part) for part in band.split("-"))
    youngest_birth = _years_before(today, low)
    oldest_birth = _years_before(today, high + 1) + datetime.timedelta(days=1)
    return Q(jeune__date_naissance__range=(oldest_birth, youngest_birth)) | Q(
        jeune__date_naissance__isnull=True, jeune__tranche_age=band
    )


def _recherche(q):
    """Journeys whose young person is named, phoned or e-mailed as `q`: first name or name (contains, any case),
    phone (normalised like the forms), e-mail (exact, any case)."""
    q = q.strip()
    condition = Q(jeune__prenom__icontains=q) | Q(jeune__nom__icontains=q) | Q(jeune__email__iexact=q)
    try:
        phone = normalise_phone(q)
    except ValueError:
        phone = ""
    if phone:
        condition |= Q(jeune__telephone=phone)
    return condition


def _filtrer(queryset, filtres, today):
    if q := (filtres.get("q") or "").strip():
        queryset = queryset.filter(_recherche(q))
    if statut := filtres.get("statut"):
        queryset = queryset.filter(status=statut)
    if kind := filtres.get("prescripteur"):
        signalements = Signalement.objects.filter(parcours=OuterRef("pk"))
        if kind == SANS_ORGANISATION:
            signalements = signalements.filter(organisation__isnull=True)
        else:
            signalements = signalements.filter(organisation__kind=kind)
        queryset = queryset.filter(Exists(signalements))
    if (band := filtres.get("age")) in TrancheAge.values:
        queryset = queryset.filter(_age_filter(band, today))
    if commune := filtres.get("commune"):
        queryset = queryset.filter(jeune__commune_id=commune)
    if conseiller := filtres.get("conseiller"):
        if conseiller == SANS_CONSEILLER:
            queryset = queryset.filter(conseiller__isnull=True)
        else:
            queryset = queryset.filter(conseiller_id=conseiller)
    return queryset


def _avec_contexte(queryset):
    failed = Message.objects.filter(parcours=OuterRef("pk"), statut=MessageStatut.ECHEC)
    invalid = CanalInvalide.objects.filter(jeune=OuterRef("jeune_id"), corrige_le__isnull=True)
    unread = MessageJeune.objects.non_lus().filter(parcours=OuterRef("pk"))
    return (
        queryset.select_related("jeune__commune", "conseiller", "cadence_contact")
        .prefetch_related(
            Prefetch("signalements", queryset=Signalement.objects.select_related("organisation")),
            "events",
            Prefetch("taches_contact", queryset=TacheContact.objects.ouvertes(), to_attr="taches_ouvertes"),
        )
        .annotate(echec_message=Exists(failed), canal_invalide=Exists(invalid), message_non_lu=Exists(unread))
    )


def _fin_accompagnement(parcours):
    dates = [s.fin_accompagnement_le for s in parcours.signalements.all() if s.fin_accompagnement_le]
    return min(dates, default=datetime.date.max)


def _reporte_jusqu_au(parcours, today):
    etat = getattr(parcours, "cadence_contact", None)
    return etat.reporte_jusqu_au if etat is not None and etat.est_reporte(today) else None


def choix_filtres(user):
    """(communes, counsellors) offered by the queue's filters: those of the user's open journeys and teams."""
    visible = parcours_for_role(user, Role.AIGUILLEUR).exclude(status__in=CLOSED)
    communes = Commune.objects.filter(pk__in=visible.values("jeune__commune_id")).order_by("nom")
    counsellors = {u.pk: u for team in equipes(user).values() for u in team}
    return list(communes), list(counsellors.values())


@dataclasses.dataclass
class File:
    upcoming: list
    parcours: list
    equipes: dict
    charges: list
    sans_conseiller: int
    # What the counsellor decides before any contact: possible duplicates, then signalements nobody vouched for.
    doublons: list = dataclasses.field(default_factory=list)
    a_verifier: list = dataclasses.field(default_factory=list)
    # The page of "Parcours en cours" shown (`parcours` is its rows); page.paginator.count counts the whole list.
    page: object = None


def _doublons(queryset):
    """The unresolved possible duplicates among these journeys, the journey already followed alongside."""
    existants = Prefetch("existant__signalements", queryset=Signalement.objects.order_by("created_at"))
    return list(
        DoublonPossible.objects.en_attente()
        .filter(nouveau__in=queryset)
        .select_related("existant__jeune__commune")
        .prefetch_related(existants)
        .order_by("created_at", "pk")
    )


def _annoter(p, now, today):
    p.badges = badges(p, now)
    p.en_retard = any(badge.en_retard for badge in p.badges)
    p.reporte_jusqu_au = _reporte_jusqu_au(p, today)
    return p


def _en_cours(queryset, filtres, now, today, page):
    """The requested page of the journeys under way, oldest first; only its rows are loaded and annotated."""
    queryset = queryset.exclude(status=Status.SORTIE_A_VENIR).order_by("created_at", "pk")
    if filtres.get("en_retard"):
        # Being late is computed from the events: the journeys' events only, then the page's rows in full.
        candidates = queryset.only("pk", "status").prefetch_related("events")
        late = [p.pk for p in candidates if any(badge.en_retard for badge in badges(p, now))]
        queryset = queryset.filter(pk__in=late)
    result = Paginator(_avec_contexte(queryset), PAR_PAGE).get_page(page)
    for p in result.object_list:
        _annoter(p, now, today)
    return result


def file_active(user, *, filtres=None, now=None, page=None):
    """The open journeys of the user's territories, filtered; each gets `badges`, `en_retard`, `reporte_jusqu_au`,
    `taches_ouvertes`, `echec_message`, `canal_invalide`, `message_non_lu`. Upcoming exits apart, soonest end of
    support first;
    the others oldest first, PAR_PAGE a `page`. Journeys deferred to a future date are left out unless
    `filtres["reportes"]`, which keeps only them. Journeys waiting for the counsellor's decision (a possible
    duplicate, then no verified signalement) are apart, in `doublons` and `a_verifier`. A fixed number of queries,
    whatever the number of journeys."""
    filtres = filtres or {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    visible = parcours_for_role(user, Role.AIGUILLEUR).exclude(status__in=CLOSED)
    filtered = _filtrer(visible, filtres, today)
    doublons = _doublons(filtered)
    held = {doublon.nouveau_id for doublon in doublons}
    by_pk = {p.pk: p for p in _avec_contexte(filtered.filter(pk__in=held))} if held else {}
    for doublon in doublons:
        doublon.nouveau = by_pk[doublon.nouveau_id]
    verified = Exists(Signalement.objects.filter(parcours=OuterRef("pk"), verifie=True))
    waiting = filtered.exclude(pk__in=held)
    a_verifier = list(_avec_contexte(waiting.filter(~verified)).order_by("created_at", "pk"))
    deferred = Q(cadence_contact__reporte_jusqu_au__gt=today)
    kept = waiting.filter(verified)
    kept = kept.filter(deferred) if filtres.get("reportes") else kept.exclude(deferred)
    exits = _avec_contexte(kept.filter(status=Status.SORTIE_A_VENIR)).order_by("created_at", "pk")
    upcoming = [_annoter(p, now, today) for p in exits]
    if filtres.get("en_retard"):
        upcoming = [p for p in upcoming if p.en_retard]
    # Upcoming exits come first, soonest end of support first: the time to prepare the relay is now.
    upcoming.sort(key=_fin_accompagnement)
    en_cours = _en_cours(kept, filtres, now, today, page)
    teams = equipes(user)
    counts = dict(visible.order_by().values("conseiller_id").annotate(n=Count("pk")).values_list("conseiller_id", "n"))
    counsellors = {u.pk: u for team in teams.values() for u in team}
    return File(
        upcoming=upcoming,
        parcours=list(en_cours.object_list),
        equipes=teams,
        charges=[(u, counts.get(u.pk, 0)) for u in counsellors.values()],
        sans_conseiller=counts.get(None, 0),
        doublons=doublons,
        a_verifier=a_verifier,
        page=en_cours,
    )
