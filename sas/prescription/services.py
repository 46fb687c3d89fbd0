"""Signalling a young person: `signaler()` for the web form, the public form and the API, `signaler_many()` for
the chunks of a batch file; both build their records with the same functions and follow the same rules."""

import dataclasses
import datetime
import logging

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from sas.audit.models import Action, AuditEntry, audit_entry
from sas.jeunes.models import AGE_MAX, AGE_MIN, CollectionMethod, Consent, DataCategory, Jeune, Purpose, age_on
from sas.organisations.models import Organisation, OrganisationKind, Territory
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours, ParcoursEvent, Signalement, SignalementSource
from sas.parcours.status import CLOSED, Status

from .models import DoublonPossible
from .signals import signalements_enregistres

logger = logging.getLogger(__name__)


def normalise_phone(raw):
    """E.164 form of a French (or international) phone number; ValueError in French otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException as error:
        raise ValueError("Numéro de téléphone illisible.") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Numéro de téléphone invalide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclasses.dataclass
class SignalementData:
    """What a signalement says about the young person. Phone numbers are already normalised."""

    prenom: str
    commune: object  # sas.communes.models.Commune
    nom: str = ""
    date_naissance: datetime.date | None = None
    tranche_age: str = ""
    telephone: str = ""
    email: str = ""
    adresse: str = ""
    joignable_via_prescripteur: bool = False
    fin_accompagnement_le: datetime.date | None = None
    motif: str = ""
    deja_essaye: str = ""
    freins_connus: str = ""
    canal_prefere: str = ""
    moment_prefere: str = ""
    langues: str = ""
    jeune_informe: bool | None = None
    jeune_accord: bool = False
    declarant_nom: str = ""
    declarant_contact: str = ""
    declarant_lien: str = ""


_LOOK_UP = object()


def validate(data, on=None, territory=_LOOK_UP):
    """Errors by field name, in French; empty when the signalement can be recorded.

    `territory` may be given when the caller already looked it up for `data.commune`."""
    on = on or timezone.localdate()
    errors = {}
    if not data.prenom.strip():
        errors["prenom"] = "Le prénom est obligatoire."
    if not (data.telephone or data.email or data.adresse.strip() or data.joignable_via_prescripteur):
        errors["telephone"] = (
            "Indiquez au moins un moyen de joindre le jeune : téléphone, courriel, adresse postale "
            "ou « joignable par votre intermédiaire »."
        )
    if data.date_naissance:
        age = age_on(data.date_naissance, on)
        if not AGE_MIN <= age <= AGE_MAX:
            errors["date_naissance"] = (
                f"SAS accompagne les jeunes de {AGE_MIN} à {AGE_MAX} ans : cette date de naissance donne {age} ans."
            )
    elif not data.tranche_age:
        errors["date_naissance"] = "Indiquez la date de naissance ou, à défaut, la tranche d'âge."
    if territory is _LOOK_UP and data.commune is not None:
        territory = Territory.for_commune(data.commune)
    if data.commune is None:
        errors.setdefault("commune", "La commune est obligatoire.")
    elif territory is None:
        errors["commune"] = f"{data.commune.nom} n'est pas encore couverte par une équipe SAS."
    return errors


# --- Matching a known person -------------------------------------------------------------------------------
#
# Knowing an identifier is not knowing a person. Identifiers of a signalement are compared with those of the young
# people of the same territory; two independent ones agreeing (one of STRONG) designate the same person, with
# nothing contradicting them; a single one (a LEAD) only makes a possible duplicate, for a counsellor to resolve.

IDENTIFIERS = ["telephone", "email", "prenom", "nom", "date_naissance", "commune"]
STRONG = [
    {"telephone", "date_naissance"},
    {"telephone", "email"},
    {"email", "prenom", "date_naissance"},
    {"prenom", "nom", "date_naissance", "commune"},
]
LEADS = {"telephone": {"telephone"}, "email": {"email"}, "identite": {"prenom", "nom", "date_naissance"}}
# Known on both sides and different: not the same person (twins share a phone, a name and a birth date).
CONTRADICTIONS = ["prenom", "date_naissance"]


def _fold(text):
    return text.strip().lower()


def _identifiers(telephone, email, prenom, nom, date_naissance, commune_id):
    values = {
        "telephone": telephone,
        "email": _fold(email or ""),
        "prenom": _fold(prenom or ""),
        "nom": _fold(nom or ""),
        "date_naissance": date_naissance,
        "commune": commune_id,
    }
    return {key: value for key, value in values.items() if value}


def compare(given, known):
    """("meme", identifiers) when `given` and `known` (dicts from `_identifiers`) designate the same person,
    ("doublon", identifiers) when only a lead agrees (or the rest contradicts), (None, ()) otherwise."""
    agree = {key for key in IDENTIFIERS if key in given and given[key] == known.get(key)}
    leads = sorted(name for name, keys in LEADS.items() if keys <= agree)
    if not leads:
        return None, ()
    contradicts = any(key in given and key in known and given[key] != known[key] for key in CONTRADICTIONS)
    if not contradicts and any(combo <= agree for combo in STRONG):
        return "meme", sorted(agree)
    return "doublon", leads


@dataclasses.dataclass
class SignalementResult:
    signalement: Signalement
    known_jeune: bool  # attached to a young person already known (never told to the signaller)
    new_parcours: bool
    doublon: DoublonPossible | None = None  # a possible duplicate left for a counsellor (never told either)

    @property
    def etape_annoncee(self):
        """The stage told to the signaller: the one a new person would have, whatever the journey it joined."""
        return Status(_initial_status(self.signalement, self.signalement.created_at))


JEUNE_FIELDS = ["nom", "date_naissance", "tranche_age", "telephone", "email", "adresse", "joignable_via_prescripteur"]
SIGNALEMENT_FIELDS = [
    "fin_accompagnement_le", "motif", "deja_essaye", "freins_connus", "canal_prefere", "moment_prefere", "langues",
    "jeune_informe", "declarant_nom", "declarant_contact", "declarant_lien",
]  # fmt: skip
# Nobody vouches for who fills the public form: what it says is proposed to a counsellor, never taken as said.
UNVERIFIED_SOURCES = frozenset({SignalementSource.PROCHE, SignalementSource.JEUNE})


def _fill_in(jeune, data):
    """Tell us once: fill what we did not know, never overwrite what the young person told us."""
    for field in JEUNE_FIELDS:
        if not getattr(jeune, field) and getattr(data, field):
            setattr(jeune, field, getattr(data, field))


def _new_jeune(data):
    return Jeune(prenom=data.prenom.strip(), commune=data.commune, **{f: getattr(data, f) for f in JEUNE_FIELDS})


def _initial_status(data, at):
    upcoming = data.fin_accompagnement_le and data.fin_accompagnement_le > timezone.localtime(at).date()
    return Status.SORTIE_A_VENIR if upcoming else Status.SIGNALE


def _fact_reason(source, organisation):
    return f"Nouveau signalement : {organisation or SignalementSource(source).label}"


def _signalement(data, parcours, *, source, organisation, created_by, at, cle_import):
    unverified = source in UNVERIFIED_SOURCES
    return Signalement(
        parcours=parcours,
        organisation=organisation,
        created_by=created_by,
        source=source,
        created_at=at,
        attache_le=at,
        prenom=data.prenom.strip(),
        nom=data.nom.strip(),
        verifie=not unverified,
        telephone_propose=data.telephone if unverified else "",
        email_propose=data.email if unverified else "",
        cle_import=cle_import,
        **{f: getattr(data, f) for f in SIGNALEMENT_FIELDS},
    )


def _consent(jeune, *, created_by, at):
    return Consent(
        jeune=jeune,
        purpose=Purpose.ACCOMPAGNEMENT,
        categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES, DataCategory.SITUATION],
        collected_by=created_by,
        collected_via=CollectionMethod.FORMULAIRE_PRESCRIPTEUR,
        collected_at=at,
    )


def signaler(data, *, source, organisation=None, created_by=None, at=None, cle_import=""):
    """Record one signalement (web form, public form, API) by the rules of `signaler_many`, which it runs for a
    single row. Raises ValidationError (errors by field, in French) and writes nothing if invalid."""
    (result,) = signaler_many(
        [(data, cle_import)], source=source, organisation=organisation, created_by=created_by, at=at
    )
    if isinstance(result, ValidationError):
        raise result
    return result


# --- The people a signalement may designate ---------------------------------------------------------------------


def _jeune_identifiers(jeune):
    return _identifiers(jeune.telephone, jeune.email, jeune.prenom, jeune.nom, jeune.date_naissance, jeune.commune_id)


def _data_identifiers(data):
    return _identifiers(data.telephone, data.email, data.prenom, data.nom, data.date_naissance, data.commune.pk)


def _lead_keys(identifiers):
    for name, keys in LEADS.items():
        if keys <= identifiers.keys():
            yield name, tuple(identifiers[key] for key in sorted(keys))


@dataclasses.dataclass
class _Match:
    jeune: Jeune
    same: bool  # the same person (else a possible duplicate of `parcours`)
    identifiants: list
    parcours: Parcours | None  # their open journey on the territory, if any


class _KnownPeople:
    """The young people a batch may designate, by territory: those SAS already follows there (fetched in one
    query with all their journeys there) and those the batch creates, in that order; matched by `compare`."""

    def __init__(self, rows):
        given = [_data_identifiers(data) for data, _ in rows]
        phones = {i["telephone"] for i in given if "telephone" in i}
        emails = {i["email"] for i in given if "email" in i}
        named = [i for i in given if LEADS["identite"] <= i.keys()]
        # A superset of every row's candidates (`compare` decides), narrow enough that a chunk does not fetch
        # everyone born on the same days.
        same = Q(jeune__telephone__in=phones) | Q(email_folded__in=emails)
        if named:
            same |= Q(
                nom_folded__in={i["nom"] for i in named},
                jeune__date_naissance__in={i["date_naissance"] for i in named},
            )
        journeys = (
            Parcours.objects.annotate(email_folded=Lower("jeune__email"), nom_folded=Lower("jeune__nom"))
            .filter(same, territory_id__in={territory.pk for _, territory in rows}, jeune__anonymised_at__isnull=True)
            .select_related("jeune")
            .order_by("jeune_id", "-created_at", "-pk")
        )
        self._order, self._by_key, self._territories, self._open = {}, {}, {}, {}
        self.known = {}
        for parcours in journeys:
            jeune = self.known.setdefault(parcours.jeune_id, parcours.jeune)
            parcours.jeune = jeune
            self.add(jeune, parcours.territory_id)
            if parcours.status not in CLOSED:
                self._open.setdefault((id(jeune), parcours.territory_id), parcours)

    def add(self, jeune, territory_id):
        """Know `jeune` on this territory, by what they are known by now (again after they gained identifiers)."""
        self._order.setdefault(id(jeune), len(self._order))
        self._territories.setdefault(id(jeune), set()).add(territory_id)
        for key in _lead_keys(_jeune_identifiers(jeune)):
            people = self._by_key.setdefault(key, [])
            if jeune not in people:
                people.append(jeune)

    def open_parcours(self, jeune, territory_id):
        return self._open.get((id(jeune), territory_id))

    def start(self, parcours):
        self._open[(id(parcours.jeune), parcours.territory_id)] = parcours

    def match(self, data, territory):
        """The person of `territory` that `data` designates (the first known), else the first possible duplicate
        with an open journey there (a closed one has nothing to merge into), else None."""
        given = _data_identifiers(data)
        found = {id(j): j for key in _lead_keys(given) for j in self._by_key.get(key, ())}
        candidates = sorted(
            (j for j in found.values() if territory.pk in self._territories[id(j)]), key=lambda j: self._order[id(j)]
        )
        doublon = None
        for jeune in candidates:
            verdict, identifiants = compare(given, _jeune_identifiers(jeune))
            parcours = self.open_parcours(jeune, territory.pk)
            if verdict == "meme":
                return _Match(jeune, True, identifiants, parcours)
            if verdict == "doublon" and parcours is not None and doublon is None:
                doublon = _Match(jeune, False, identifiants, parcours)
        return doublon


def _territories(communes):
    """{commune pk: first territory covering it, or None}, as `Territory.for_commune` (Paris, Lyon and Marseille
    through their arrondissements, an arrondissement through its commune), in one query."""
    parents = {commune.pk: commune.parent_id for commune in communes if commune is not None}
    pks = set(parents) | {parent for parent in parents.values() if parent}
    covering = (
        Territory.objects.filter(Q(communes__in=pks) | Q(communes__parent__in=pks))
        .annotate(commune_pk=F("communes"), parent_pk=F("communes__parent"))
        .order_by("pk")
    )
    direct, through_parts = {}, {}
    for territory in covering:
        direct.setdefault(territory.commune_pk, territory)
        if territory.parent_pk is not None:
            through_parts.setdefault(territory.parent_pk, territory)
    found = {}
    for pk, parent in parents.items():
        options = [direct.get(pk), through_parts.get(pk), direct.get(parent)]
        found[pk] = min((t for t in options if t is not None), key=lambda t: t.pk, default=None)
    return found


def signaler_many(rows, *, source, organisation=None, created_by=None, at=None):
    """Record signalements: `rows` is [(SignalementData, cle_import)]; returns, in the same order, a
    SignalementResult or the ValidationError of each row. The later rows see the people and journeys the earlier
    ones created; a constant number of queries whatever the size.

    A row designating a young person already followed on its territory (`compare`: two identifiers agree) joins
    their open journey (or starts a new one for them); a verified source fills in what we did not know. A row
    sharing a single identifier with someone gets a new person and journey and a DoublonPossible. Unverified
    sources (public form) never change a known record and never consent for anyone.

    Valid rows are written all together or not at all (DatabaseError, e.g. a `cle_import` imported meanwhile)."""
    at = at or timezone.now()
    on = timezone.localtime(at).date()
    verified = source not in UNVERIFIED_SOURCES
    territories = _territories(data.commune for data, _ in rows)
    results, valid = [], []
    for data, cle_import in rows:
        territory = territories.get(data.commune.pk) if data.commune is not None else None
        if errors := validate(data, on=on, territory=territory):
            results.append(ValidationError(errors))
        else:
            results.append(None)
            valid.append((len(results) - 1, data, territory, cle_import))
    if not valid:
        return results
    people = _KnownPeople([(data, territory) for _, data, territory, _ in valid])
    consenting = {territory.pk for _, data, territory, _ in valid if data.jeune_accord and verified}
    teams = {}
    if consenting:
        for team in Organisation.objects.filter(territory_id__in=consenting, kind=OrganisationKind.EQUIPE_SAS):
            teams.setdefault(team.territory_id, []).append(team)

    new_jeunes, known_jeunes, new_parcours, events, signalements, consents, audits, doublons = ([] for _ in range(8))
    for index, data, territory, cle_import in valid:
        match = people.match(data, territory)
        known = match is not None and match.same
        if known:
            jeune = match.jeune
            if verified:
                _fill_in(jeune, data)
                people.add(jeune, territory.pk)  # what it gained may designate it for the next rows
                if jeune.pk is not None:
                    known_jeunes.append(jeune)
        else:
            jeune = _new_jeune(data)
            people.add(jeune, territory.pk)
            new_jeunes.append(jeune)
        parcours = people.open_parcours(jeune, territory.pk)
        started = parcours is None
        if started:
            parcours, event = transitions.build_start(
                jeune=jeune, territory=territory, status=_initial_status(data, at), actor=created_by, at=at
            )
            people.start(parcours)
            new_parcours.append(parcours)
        else:
            event = transitions.build_fact(
                parcours, EventKind.SIGNALEMENT, actor=created_by, reason=_fact_reason(source, organisation), at=at
            )
        events.append(event)
        signalement = _signalement(
            data,
            parcours,
            source=source,
            organisation=organisation,
            created_by=created_by,
            at=at,
            cle_import=cle_import,
        )
        signalements.append(signalement)
        doublon = None
        if match is not None and not match.same:
            doublon = DoublonPossible(
                nouveau=parcours, existant=match.parcours, identifiants=match.identifiants, created_at=at
            )
            doublons.append(doublon)
        if data.jeune_accord and verified:
            consents.append((_consent(jeune, created_by=created_by, at=at), teams.get(territory.pk, [])))
        audits.append((signalement, jeune, known, doublon))
        results[index] = SignalementResult(
            signalement=signalement, known_jeune=known, new_parcours=started, doublon=doublon
        )

    with transaction.atomic():
        Jeune.objects.bulk_create(new_jeunes)
        if known_jeunes:
            now = timezone.now()
            unique = list({jeune.pk: jeune for jeune in known_jeunes}.values())
            for jeune in unique:
                jeune.updated_at = now
            Jeune.objects.bulk_update(unique, [*JEUNE_FIELDS, "updated_at"])
        Parcours.objects.bulk_create(new_parcours)
        ParcoursEvent.objects.bulk_create(events)
        Signalement.objects.bulk_create(signalements)
        DoublonPossible.objects.bulk_create(doublons)
        Consent.objects.bulk_create(consent for consent, _ in consents)
        Through = Consent.organisations.through
        Through.objects.bulk_create(
            Through(consent_id=consent.pk, organisation_id=team.pk)
            for consent, team_list in consents
            for team in team_list
        )
        AuditEntry.objects.bulk_create(
            audit_entry(
                created_by,
                Action.CREATION,
                signalement,
                [jeune.pk],
                source=source,
                known_jeune=known,
                **({"doublon_possible": doublon.pk} if doublon else {}),
            )
            for signalement, jeune, known, doublon in audits
        )
        journeys = list({signalement.parcours.pk: signalement.parcours for signalement in signalements}.values())
        # After the outermost commit: the receivers read what was written, and a rollback tells them nothing.
        transaction.on_commit(lambda: _annoncer(journeys))
    return results


def _annoncer(journeys):
    # The signalements are saved whatever a receiver does: a failure is logged, and the scheduler catches up.
    for receiver, error in signalements_enregistres.send_robust(sender=Signalement, parcours=journeys):
        if isinstance(error, Exception):
            logger.error("%s a échoué après des signalements", receiver, exc_info=error)
