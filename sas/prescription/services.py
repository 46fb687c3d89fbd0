"""Signalling a young person: `signaler()` for the web form, the public form and the API, `signaler_many()` for
the chunks of a batch file; both build their records with the same functions and follow the same rules."""

import dataclasses
import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from sas.audit.models import Action, AuditEntry, audit_entry, record
from sas.jeunes.models import AGE_MAX, AGE_MIN, CollectionMethod, Consent, DataCategory, Jeune, Purpose, age_on
from sas.organisations.models import Organisation, OrganisationKind, Territory
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours, ParcoursEvent, Signalement, SignalementSource
from sas.parcours.status import CLOSED, Status


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


def find_known_jeune(data):
    """The young person already known with the same phone, or email, or name + birth date + commune."""
    same = Q(pk__in=[])
    if data.telephone:
        same |= Q(telephone=data.telephone)
    if data.email:
        same |= Q(email__iexact=data.email)
    if data.nom and data.date_naissance:
        same |= Q(
            prenom__iexact=data.prenom.strip(),
            nom__iexact=data.nom.strip(),
            date_naissance=data.date_naissance,
            commune=data.commune,
        )
    return Jeune.objects.filter(same, anonymised_at__isnull=True).order_by("pk").first()


@dataclasses.dataclass
class SignalementResult:
    signalement: Signalement
    known_jeune: bool  # attached to a young person already known
    new_parcours: bool


JEUNE_FIELDS = ["nom", "date_naissance", "tranche_age", "telephone", "email", "adresse", "joignable_via_prescripteur"]
SIGNALEMENT_FIELDS = [
    "fin_accompagnement_le", "motif", "deja_essaye", "freins_connus", "canal_prefere", "moment_prefere", "langues",
    "jeune_informe", "declarant_nom", "declarant_contact", "declarant_lien",
]  # fmt: skip
CONSENT_METHOD = {
    SignalementSource.PROCHE: CollectionMethod.FORMULAIRE_PUBLIC,
    SignalementSource.JEUNE: CollectionMethod.FORMULAIRE_PUBLIC,
}


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
    return Signalement(
        parcours=parcours,
        organisation=organisation,
        created_by=created_by,
        source=source,
        created_at=at,
        attache_le=at,
        verifie=source != SignalementSource.PROCHE,
        cle_import=cle_import,
        **{f: getattr(data, f) for f in SIGNALEMENT_FIELDS},
    )


def _consent(jeune, *, source, created_by, at):
    return Consent(
        jeune=jeune,
        purpose=Purpose.ACCOMPAGNEMENT,
        categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES, DataCategory.SITUATION],
        collected_by=created_by,
        collected_via=CONSENT_METHOD.get(source, CollectionMethod.FORMULAIRE_PRESCRIPTEUR),
        collected_at=at,
    )


def signaler(data, *, source, organisation=None, created_by=None, at=None, cle_import=""):
    """Record a signalement: attach it to the young person if already known (and to their open journey),
    otherwise create both. Raises ValidationError (errors by field, in French) and writes nothing if invalid.

    One signalement at a time (web form, public form, API); `signaler_many` does the same for a batch file."""
    at = at or timezone.now()
    territory = Territory.for_commune(data.commune) if data.commune is not None else None
    if errors := validate(data, on=timezone.localtime(at).date(), territory=territory):
        raise ValidationError(errors)
    with transaction.atomic():
        jeune = find_known_jeune(data)
        known = jeune is not None
        if known:
            _fill_in(jeune, data)
        else:
            jeune = _new_jeune(data)
        jeune.save()
        parcours = jeune.parcours.exclude(status__in=CLOSED).order_by("-created_at").first() if known else None
        new_parcours = parcours is None
        if new_parcours:
            parcours = transitions.start(
                jeune=jeune, territory=territory, status=_initial_status(data, at), actor=created_by, at=at
            )
        else:
            transitions.record_fact(
                parcours, EventKind.SIGNALEMENT, actor=created_by, reason=_fact_reason(source, organisation), at=at
            )
        signalement = _signalement(
            data,
            parcours,
            source=source,
            organisation=organisation,
            created_by=created_by,
            at=at,
            cle_import=cle_import,
        )
        signalement.save()
        if data.jeune_accord:
            consent = _consent(jeune, source=source, created_by=created_by, at=at)
            consent.save()
            consent.organisations.add(*territory.organisations.filter(kind=OrganisationKind.EQUIPE_SAS))
        record(created_by, Action.CREATION, signalement, [jeune.pk], source=source, known_jeune=known)
    return SignalementResult(signalement=signalement, known_jeune=known, new_parcours=new_parcours)


# --- A batch of signalements -----------------------------------------------------------------------------------


def _fold(text):
    return text.lower()


class _KnownPeople:
    """The young people a batch may attach to, matched in memory by the rules of `find_known_jeune`: those
    already known (fetched once for the whole batch) and those the batch creates, in that order."""

    def __init__(self, datas):
        phones = {d.telephone for d in datas if d.telephone}
        emails = {_fold(d.email) for d in datas if d.email}
        named = [d for d in datas if d.nom and d.date_naissance]
        # A superset of every row's matches (the exact rules are applied in `match`), narrow enough that a chunk
        # does not fetch everyone born on the same days.
        same = Q(telephone__in=phones) | Q(email_folded__in=emails)
        if named:
            same |= Q(
                nom_folded__in={_fold(d.nom.strip()) for d in named},
                date_naissance__in={d.date_naissance for d in named},
                commune_id__in={d.commune.pk for d in named},
            )
        known = (
            Jeune.objects.annotate(email_folded=Lower("email"), nom_folded=Lower("nom"))
            .filter(same, anonymised_at__isnull=True)
            .order_by("pk")
        )
        self._order, self._by_key = {}, {}
        self.known = list(known)
        for jeune in self.known:
            self.add(jeune)

    @staticmethod
    def _keys(telephone, email, prenom, nom, date_naissance, commune_id):
        if telephone:
            yield "telephone", telephone
        if email:
            yield "email", _fold(email)
        if nom and date_naissance:
            yield "nom", (_fold(prenom), _fold(nom), date_naissance, commune_id)

    def add(self, jeune):
        self._order.setdefault(id(jeune), len(self._order))
        keys = self._keys(jeune.telephone, jeune.email, jeune.prenom, jeune.nom, jeune.date_naissance, jeune.commune_id)
        for key in keys:
            people = self._by_key.setdefault(key, [])
            if jeune not in people:
                people.append(jeune)

    def match(self, data):
        """The first young person (by creation) that `data` designates, or None."""
        keys = self._keys(
            data.telephone, data.email, data.prenom.strip(), data.nom.strip(), data.date_naissance, data.commune.pk
        )
        found = [jeune for key in keys for jeune in self._by_key.get(key, ())]
        return min(found, key=lambda jeune: self._order[id(jeune)], default=None)


def _territories(communes):
    """{commune pk: first territory covering it, or None}, as `Territory.for_commune`, in one query."""
    pks = {commune.pk for commune in communes if commune is not None}
    found = dict.fromkeys(pks)
    covering = Territory.objects.filter(communes__in=pks).annotate(commune_pk=F("communes")).order_by("pk")
    for territory in covering:
        found[territory.commune_pk] = found[territory.commune_pk] or territory
    return found


def signaler_many(rows, *, source, organisation=None, created_by=None, at=None):
    """`signaler()` for a batch: `rows` is [(SignalementData, cle_import)]; returns, in the same order, a
    SignalementResult or the ValidationError of each row. Same rules as row by row, the later rows seeing the
    people and journeys the earlier ones created, with a constant number of queries whatever the size.

    Valid rows are written all together or not at all (DatabaseError, e.g. a `cle_import` imported meanwhile)."""
    at = at or timezone.now()
    on = timezone.localtime(at).date()
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
    people = _KnownPeople([data for _, data, _, _ in valid])
    by_pk = {jeune.pk: jeune for jeune in people.known}
    open_parcours = {}  # {id(jeune): their open journey}, the batch's new people and journeys included
    for parcours in Parcours.objects.filter(jeune_id__in=by_pk).exclude(status__in=CLOSED).order_by("-created_at"):
        open_parcours.setdefault(id(by_pk[parcours.jeune_id]), parcours)
    teams = {}
    if any(data.jeune_accord for _, data, _, _ in valid):
        ids = {territory.pk for _, data, territory, _ in valid if data.jeune_accord}
        for team in Organisation.objects.filter(territory_id__in=ids, kind=OrganisationKind.EQUIPE_SAS):
            teams.setdefault(team.territory_id, []).append(team)

    new_jeunes, known_jeunes, new_parcours, events, signalements, consents, audits = [], {}, [], [], [], [], []
    for index, data, territory, cle_import in valid:
        jeune = people.match(data)
        known = jeune is not None
        if known:
            _fill_in(jeune, data)
            people.add(jeune)  # what it gained may designate it for the next rows
            if jeune.pk is not None:
                known_jeunes[jeune.pk] = jeune
        else:
            jeune = _new_jeune(data)
            people.add(jeune)
            new_jeunes.append(jeune)
        parcours = open_parcours.get(id(jeune))
        started = parcours is None
        if started:
            parcours, event = transitions.build_start(
                jeune=jeune, territory=territory, status=_initial_status(data, at), actor=created_by, at=at
            )
            open_parcours[id(jeune)] = parcours
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
        if data.jeune_accord:
            consents.append((_consent(jeune, source=source, created_by=created_by, at=at), teams.get(territory.pk, [])))
        audits.append((signalement, jeune, known))
        results[index] = SignalementResult(signalement=signalement, known_jeune=known, new_parcours=started)

    with transaction.atomic():
        Jeune.objects.bulk_create(new_jeunes)
        if known_jeunes:
            now = timezone.now()
            for jeune in known_jeunes.values():
                jeune.updated_at = now
            Jeune.objects.bulk_update(known_jeunes.values(), [*JEUNE_FIELDS, "updated_at"])
        Parcours.objects.bulk_create(new_parcours)
        ParcoursEvent.objects.bulk_create(events)
        Signalement.objects.bulk_create(signalements)
        Consent.objects.bulk_create(consent for consent, _ in consents)
        Through = Consent.organisations.through
        Through.objects.bulk_create(
            Through(consent_id=consent.pk, organisation_id=team.pk)
            for consent, team_list in consents
            for team in team_list
        )
        AuditEntry.objects.bulk_create(
            audit_entry(created_by, Action.CREATION, signalement, [jeune.pk], source=source, known_jeune=known)
            for signalement, jeune, known in audits
        )
    return results
