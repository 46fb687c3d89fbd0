"""The territory queue of the aiguilleurs: who is waiting, how late, with whom, and what failed."""

import dataclasses
import datetime
from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.functional import cached_property

from sas.communes.models import Commune
from sas.jeunes.models import TrancheAge
from sas.messagerie.models import CanalInvalide, Message, MessageStatus
from sas.organisations.models import Membership, Role
from sas.parcours.models import Parcours, Signalement
from sas.parcours.status import CLOSED, Status
from sas.permissions import organisations_for_role, parcours_du_code, parcours_for_role
from sas.prescription.models import DoublonPossible
from sas.prescription.services import normalise_phone
from sas.rgpd.models import DemandeEffacement, Reclamation

from .forms import SANS_CONSEILLER, SANS_ORGANISATION
from .groupes import A_TRAITER, GROUPES, GROUPES_PAR_CLE, Groupe
from .indicators import DELAI_CONTACT, DELAI_PREMIER_ESSAI, badges, un_mois_avant
from .models import CadenceContact, MessageJeune, TacheContact

# A screen or two of the most urgent: a counsellor works the top of the list, then searches or filters. Each row is
# half a millisecond of rendering, so a longer page would be slower for rows nobody reaches.
PAR_PAGE = 25


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
        # Their names and territory: not their password hashes nor when they last logged in.
        .only("user__first_name", "user__last_name", "user__email", "organisation__territory")
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


def _recherche(q, user):
    """Journeys whose young person is named, phoned or e-mailed as `q`, or whose letter code `q` is: first name or
    name (contains, any case), phone (normalised like the forms), e-mail (exact, any case), code (exact, any case,
    a link of the user's territories)."""
    q = q.strip()
    condition = Q(jeune__prenom__icontains=q) | Q(jeune__nom__icontains=q) | Q(jeune__email__iexact=q)
    condition |= Q(pk__in=parcours_du_code(user, q).values("pk"))
    try:
        phone = normalise_phone(q)
    except ValueError:
        phone = ""
    if phone:
        condition |= Q(jeune__telephone=phone)
    return condition


def _filtrer(queryset, filtres, today, user):
    if q := (filtres.get("q") or "").strip():
        queryset = queryset.filter(_recherche(q, user))
    if status := filtres.get("statut"):
        queryset = queryset.filter(status=status)
    if kind := filtres.get("prescripteur"):
        signalements = Signalement.objects.filter(parcours=OuterRef("pk"))
        if kind == SANS_ORGANISATION:
            signalements = signalements.filter(organisation__isnull=True)
        else:
            signalements = signalements.filter(organisation__kind=kind)
        queryset = queryset.filter(Exists(signalements))
    if filtres.get("demandes"):
        queryset = queryset.filter(DEMANDE_OUVERTE)
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


# An erasure request or a complaint nobody handled yet: the young person is owed an answer within a month. The few
# journeys with one are listed once (a hashed lookup) rather than probed row by row in the counts.
DEMANDE_OUVERTE = Q(pk__in=DemandeEffacement.objects.filter(traitee_le__isnull=True).values("parcours_id")) | Q(
    pk__in=Reclamation.objects.filter(repondue_le__isnull=True).values("parcours_id")
)


@dataclasses.dataclass(frozen=True)
class _Colonnes:
    """What a list reads of a journey's young person and signalements: nothing else of them (what was said of the
    young person's situation, their address, a counsellor's password hash)."""

    jeune: tuple
    signalement: tuple


# A row of the queue: who, where, signalled by whom and until when.
LIGNE = _Colonnes(
    jeune=("jeune__prenom", "jeune__nom", "jeune__commune__nom"),
    signalement=("parcours_id", "source", "created_at", "fin_accompagnement_le", "organisation__nom"),
)
# Deciding on a possible duplicate or an unverified signalement compares how the young person can be told apart and
# who signalled them.
A_EXAMINER = _Colonnes(
    jeune=(*LIGNE.jeune, "jeune__date_naissance", "jeune__tranche_age", "jeune__telephone", "jeune__email"),
    signalement=(*LIGNE.signalement, "declarant_nom", "declarant_lien", "telephone_propose", "email_propose"),
)
_PARCOURS = (
    *(f.name for f in Parcours._meta.concrete_fields),
    "conseiller__first_name",
    "conseiller__last_name",
    "conseiller__email",
    "cadence_contact__reporte_jusqu_au",
)


def _lire(queryset, colonnes=LIGNE):
    """The journeys of `queryset` with their context (`echec_message`, `canal_invalide`, `message_non_lu`,
    `demande_donnees`), their signalements (`signalements.all()`) and open tasks (`taches_ouvertes`): two queries for
    all of them, grouped here, which costs a third of what prefetch_related's per-journey managers do."""
    failed = Message.objects.filter(parcours=OuterRef("pk"), status=MessageStatus.ECHEC)
    invalid = CanalInvalide.objects.filter(jeune=OuterRef("jeune_id"), corrige_le__isnull=True)
    unread = MessageJeune.objects.non_lus().filter(parcours=OuterRef("pk"))
    rows = list(
        queryset.select_related("jeune__commune", "conseiller", "cadence_contact")
        .only(*_PARCOURS, *colonnes.jeune)
        .annotate(
            echec_message=Exists(failed),
            canal_invalide=Exists(invalid),
            message_non_lu=Exists(unread),
            demande_donnees=ExpressionWrapper(DEMANDE_OUVERTE, output_field=BooleanField()),
        )
    )
    signalements, taches = defaultdict(list), defaultdict(list)
    pks = [p.pk for p in rows]
    for s in (
        Signalement.objects.filter(parcours_id__in=pks)
        .select_related("organisation")
        .only(*colonnes.signalement)
        .order_by("created_at", "pk")
    ):
        signalements[s.parcours_id].append(s)
    for tache in (
        TacheContact.objects.ouvertes()
        .filter(parcours_id__in=pks)
        .only("parcours_id", "nature", "echeance", "faite_le")
    ):
        taches[tache.parcours_id].append(tache)
    for p in rows:
        p._prefetched_objects_cache = {"signalements": signalements[p.pk]}
        p.taches_ouvertes = taches[p.pk]
    return rows


def _reporte_jusqu_au(parcours, today):
    etat = getattr(parcours, "cadence_contact", None)
    return etat.reporte_jusqu_au if etat is not None and etat.est_reporte(today) else None


def choix_filtres(user, teams):
    """(communes, counsellors) offered by the queue's filters: those of the user's open journeys and of `teams`
    (equipes(user), read once for the whole page)."""
    visible = parcours_for_role(user, Role.AIGUILLEUR).exclude(status__in=CLOSED)
    communes = Commune.objects.filter(pk__in=visible.values("jeune__commune_id")).order_by("nom").only("nom")
    counsellors = {u.pk: u for team in teams.values() for u in team}
    return list(communes), list(counsellors.values())


@dataclasses.dataclass
class File:
    parcours: list
    equipes: dict
    charges: list
    sans_conseiller: int
    # How many open journeys of the user's territories are late on each target, whatever the filters:
    # {"premier_essai", "contact", "diagnostic"}.
    retards: dict = dataclasses.field(default_factory=dict)
    # The tab shown and every tab with its count: [(Groupe, n)] for these filters.
    groupe: Groupe = GROUPES[0]
    groupes: list = dataclasses.field(default_factory=list)
    # What the counsellor decides before any contact (tab "À traiter" only): possible duplicates, then signalements
    # nobody vouched for.
    doublons: list = dataclasses.field(default_factory=list)
    a_verifier: list = dataclasses.field(default_factory=list)
    # Journeys (these filters, every tab) with an erasure request or a complaint waiting for an answer.
    demandes_donnees: int = 0
    # The page shown (`parcours` is its rows); page.paginator.count counts the whole list.
    page: object = None


def _doublons(queryset):
    """The unresolved possible duplicates among these journeys, the journey already followed alongside."""
    # Of the journey already followed, when it was signalled.
    signalements = Signalement.objects.only("parcours_id", "created_at").order_by("created_at")
    existants = Prefetch("existant__signalements", queryset=signalements)
    return list(
        DoublonPossible.objects.en_attente()
        .filter(nouveau__in=queryset)
        .select_related("existant__jeune__commune")
        .only(
            *(f.name for f in DoublonPossible._meta.concrete_fields),
            *(f"existant__{colonne}" for colonne in A_EXAMINER.jeune),
        )
        .prefetch_related(existants)
        .order_by("created_at", "pk")
    )


def _annoter(p, now, today):
    p.badges = [] if p.status in CLOSED else badges(p, now)
    p.en_retard = any(badge.en_retard for badge in p.badges)
    p.reporte_jusqu_au = _reporte_jusqu_au(p, today)
    signalements = p.signalements.all()
    p.signale_par = ", ".join(str(s.organisation or s.get_source_display()) for s in signalements)
    fins = [s.fin_accompagnement_le for s in signalements if s.fin_accompagnement_le]
    p.fin_accompagnement = min(fins, default=None) if p.status == Status.SORTIE_A_VENIR else None
    return p


# The targets of badges() in SQL, on the milestones kept on the journey, so that the whole territory is sorted and
# filtered by the database. The state machine says what the milestones would: a journey past "contacté" was contacted,
# one past "diagnostic fait" had its diagnostic.
AVANT_CONTACT = [Status.SIGNALE, Status.A_CONTACTER, Status.CONTACT_EN_COURS]
SANS_ESSAI = Q(status__in=AVANT_CONTACT, premier_essai_le__isnull=True)
CONTACT_A_DECIDER = Q(status__in=AVANT_CONTACT, contacte_le__isnull=True, injoignable_le__isnull=True)
DIAGNOSTIC_A_FAIRE = Q(
    status__in=[*AVANT_CONTACT, Status.CONTACTE, Status.ABANDON],
    diagnostic_le__isnull=True,
    injoignable_le__isnull=True,
)
# Sorting only: the diagnostic's month is counted as 31 days (the filter on lateness uses the calendar).
_MOIS = datetime.timedelta(days=31)


def _avec_echeance(queryset):
    """Annotates `echeance`: the nearest open target's deadline, an upcoming exit's end of support (None: nothing
    due)."""
    fin = Signalement.objects.filter(parcours=OuterRef("pk")).order_by().values("parcours")
    fin = fin.annotate(fin=Min("fin_accompagnement_le")).values("fin")
    debut = F("objectifs_depuis")
    return queryset.annotate(
        echeance=Case(
            When(status=Status.SORTIE_A_VENIR, then=Cast(Subquery(fin), DateTimeField())),
            When(SANS_ESSAI, then=debut + DELAI_PREMIER_ESSAI),
            When(CONTACT_A_DECIDER, then=debut + DELAI_CONTACT),
            When(DIAGNOSTIC_A_FAIRE, then=debut + _MOIS),
            default=None,
            output_field=DateTimeField(),
        ),
    )


def en_retard(now):
    """Journeys late on a target: badges() in SQL (out of the target public, closed or not started: never)."""
    debut = F("objectifs_depuis")
    return (
        (SANS_ESSAI & Q(LessThan(debut, now - DELAI_PREMIER_ESSAI)))
        | (CONTACT_A_DECIDER & Q(LessThan(debut, now - DELAI_CONTACT)))
        | (DIAGNOSTIC_A_FAIRE & Q(LessThan(debut, un_mois_avant(now))))
    )


def _retards(now):
    """The counts of journeys late on each target (the queue's badges), as aggregates: {"premier_essai", "contact",
    "diagnostic"}."""
    debut = F("objectifs_depuis")
    return {
        "premier_essai": Count("pk", filter=SANS_ESSAI & Q(LessThan(debut, now - DELAI_PREMIER_ESSAI))),
        "contact": Count("pk", filter=CONTACT_A_DECIDER & Q(LessThan(debut, now - DELAI_CONTACT))),
        "diagnostic": Count("pk", filter=DIAGNOSTIC_A_FAIRE & Q(LessThan(debut, un_mois_avant(now)))),
    }


# services.EN_ATTENTE_DU_CONSEILLER for a whole territory: the few journeys with a signalement nobody vouched for or a
# pending duplicate are listed once (a hashed lookup), not probed row by row.
NON_VERIFIE = Q(pk__in=Signalement.objects.filter(verifie=False).values("parcours_id")) & ~Q(
    Exists(Signalement.objects.filter(parcours=OuterRef("pk"), verifie=True))
)
EN_ATTENTE = NON_VERIFIE | Q(pk__in=DoublonPossible.objects.en_attente().values("nouveau_id"))


class _Pages(Paginator):
    """A paginator given its count, already computed with the tabs' counts."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self):
        return self._count


def _compter(queryset, dans_la_liste, en_attente):
    """({tab key: number of journeys listed under it}, number of decisions waiting, number of journeys with an open
    request on their data, closed ones included: an erasure is asked after the end too), in one query."""
    rows = (
        queryset.order_by()
        .values("status")
        .annotate(
            listed=Count("pk", filter=dans_la_liste),
            decisions=Count("pk", filter=en_attente),
            demandes=Count("pk", filter=DEMANDE_OUVERTE),
        )
    )
    counts, decisions, demandes = dict.fromkeys((g.cle for g in GROUPES), 0), 0, 0
    groupe_de = {status: g.cle for g in GROUPES for status in g.statuts}
    for row in rows:
        counts[groupe_de[row["status"]]] += row["listed"]
        decisions += row["decisions"] if row["status"] not in CLOSED else 0
        demandes += row["demandes"]
    return counts, decisions, demandes


# A search finds its journeys once, so that its text matching runs in one query rather than in each of the page's;
# past RESOLUS_MAX journeys it stays a subquery. The other filters are the journey's columns or one index probe: they
# stay in the queries (thousands of ids passed back would cost more than they save).
FILTRES_RESOLUS = ("q",)
RESOLUS_MAX = 5000


def _resoudre(visible, filtered, late):
    """(journeys, lateness condition)."""
    flag = Case(When(late, then=True), default=False, output_field=BooleanField()) if late is not None else Value(False)
    rows = list(filtered.annotate(retard=flag).order_by().values_list("pk", "retard")[: RESOLUS_MAX + 1])
    if len(rows) > RESOLUS_MAX:
        return filtered, late
    late = Q(pk__in=[pk for pk, retard in rows if retard]) if late is not None else None
    return visible.filter(pk__in=[pk for pk, _ in rows]), late


def file_active(user, *, filtres=None, now=None, page=None, teams=None):
    """The journeys of the user's territories, filtered, in tabs (GROUPES, `filtres["groupe"]`, "À traiter" by
    default or the first tab with journeys): the tab's PAR_PAGE journeys of `page`, most urgent first (the nearest
    deadline: overdue targets, then those due soonest and upcoming exits by their end of support; closed journeys
    last closed first). Each gets `badges`, `en_retard`, `reporte_jusqu_au`, `signale_par`, `fin_accompagnement`,
    `taches_ouvertes`, `echec_message`, `canal_invalide`, `message_non_lu`. Journeys deferred to a future date are
    left out unless `filtres["reportes"]`, which keeps only them. Journeys waiting for the counsellor's decision (a
    possible duplicate, then no verified signalement) are apart, in `doublons` and `a_verifier`, under "À traiter".
    `teams` is equipes(user) when the caller has it already. A fixed number of queries, whatever the number of
    journeys."""
    filtres = filtres or {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    visible = parcours_for_role(user, Role.AIGUILLEUR)
    filtered = _filtrer(visible, filtres, today, user)
    late = en_retard(now) if filtres.get("en_retard") else None
    if any(filtres.get(key) for key in FILTRES_RESOLUS):
        filtered, late = _resoudre(visible, filtered, late)
    deferred = Q(pk__in=CadenceContact.objects.filter(reporte_jusqu_au__gt=today).values("parcours_id"))
    dans_la_liste = ~EN_ATTENTE & (deferred if filtres.get("reportes") else ~deferred)
    if late is not None:
        dans_la_liste &= late
    listed_count, decisions, demandes = _compter(filtered, dans_la_liste, EN_ATTENTE)
    counts = {**listed_count, A_TRAITER: listed_count[A_TRAITER] + decisions}
    groupe = GROUPES_PAR_CLE.get(filtres.get("groupe"))
    if groupe is None:
        groupe = next((g for g in GROUPES if counts[g.cle]), GROUPES[0])
    doublons, a_verifier = [], []
    # Nothing waits for a decision (counted above): no need to look for it.
    if groupe.cle == A_TRAITER and decisions:
        open_ones = filtered.exclude(status__in=CLOSED)
        doublons = _doublons(open_ones)
        held = {doublon.nouveau_id for doublon in doublons}
        by_pk = {p.pk: p for p in _lire(open_ones.filter(pk__in=held), A_EXAMINER)} if held else {}
        for doublon in doublons:
            doublon.nouveau = by_pk[doublon.nouveau_id]
        waiting = open_ones.filter(NON_VERIFIE).exclude(pk__in=held)
        a_verifier = _lire(waiting.order_by("created_at", "pk"), A_EXAMINER)
    listed = _avec_echeance(filtered.filter(dans_la_liste, status__in=groupe.statuts))
    if groupe.statuts == CLOSED:
        listed = listed.order_by("-status_changed_at", "-pk")
    else:
        listed = listed.order_by(F("echeance").asc(nulls_last=True), "created_at", "pk")
    # The page's journeys are sorted on the journey's own columns, then only those are read with their context.
    result = _Pages(listed.values_list("pk", flat=True), PAR_PAGE, listed_count[groupe.cle]).get_page(page)
    pks = list(result.object_list)
    rows = _lire(visible.filter(pk__in=pks))
    by_pk = {p.pk: p for p in rows}
    rows = [by_pk[pk] for pk in pks]
    teams = equipes(user) if teams is None else teams
    for p in rows:
        _annoter(p, now, today)
        # "Me l'attribuer": for a journey of a territory where the user is in a team, not already theirs.
        p.pour_moi = p.conseiller_id != user.pk and user in teams.get(p.territory_id, [])
    # The caseloads and the territory's lateness scan the same open journeys: one query for both.
    open_counts = list(
        visible.exclude(status__in=CLOSED).order_by().values("conseiller_id").annotate(n=Count("pk"), **_retards(now))
    )
    counts_by_counsellor = {row["conseiller_id"]: row["n"] for row in open_counts}
    counsellors = {u.pk: u for team in teams.values() for u in team}
    return File(
        parcours=rows,
        equipes=teams,
        charges=[(u, counts_by_counsellor.get(u.pk, 0)) for u in counsellors.values()],
        sans_conseiller=counts_by_counsellor.get(None, 0),
        retards={key: sum(row[key] for row in open_counts) for key in _retards(now)},
        groupe=groupe,
        groupes=[(g, counts[g.cle]) for g in GROUPES],
        doublons=doublons,
        a_verifier=a_verifier,
        demandes_donnees=demandes,
        page=result,
    )
