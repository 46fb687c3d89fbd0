"""Signalling a young person: one function used by the web form, the public form, the batch file and the API."""

import dataclasses
import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sas.audit.models import Action, record
from sas.jeunes.models import AGE_MAX, AGE_MIN, CollectionMethod, Consent, DataCategory, Jeune, Purpose, age_on
from sas.organisations.models import OrganisationKind, Territory
from sas.parcours import transitions
from sas.parcours.models import EventKind, Signalement, SignalementSource
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


def signaler(data, *, source, organisation=None, created_by=None, at=None, cle_import=""):
    """Record a signalement: attach it to the young person if already known (and to their open journey),
    otherwise create both. Raises ValidationError (errors by field, in French) and writes nothing if invalid."""
    at = at or timezone.now()
    territory = Territory.for_commune(data.commune) if data.commune is not None else None
    if errors := validate(data, on=timezone.localtime(at).date(), territory=territory):
        raise ValidationError(errors)
    with transaction.atomic():
        jeune = find_known_jeune(data)
        known = jeune is not None
        if known:
            # Tell us once: fill what we did not know, never overwrite what the young person told us.
            for field in JEUNE_FIELDS:
                if not getattr(jeune, field) and getattr(data, field):
                    setattr(jeune, field, getattr(data, field))
            jeune.save()
        else:
            jeune = Jeune.objects.create(
                prenom=data.prenom.strip(), commune=data.commune, **{f: getattr(data, f) for f in JEUNE_FIELDS}
            )
        parcours = jeune.parcours.exclude(status__in=CLOSED).order_by("-created_at").first() if known else None
        new_parcours = parcours is None
        author = organisation or SignalementSource(source).label
        if new_parcours:
            upcoming = data.fin_accompagnement_le and data.fin_accompagnement_le > timezone.localtime(at).date()
            status = Status.SORTIE_A_VENIR if upcoming else Status.SIGNALE
            parcours = transitions.start(jeune=jeune, territory=territory, status=status, actor=created_by, at=at)
        else:
            transitions.record_fact(
                parcours, EventKind.SIGNALEMENT, actor=created_by, reason=f"Nouveau signalement : {author}", at=at
            )
        signalement = Signalement.objects.create(
            parcours=parcours,
            organisation=organisation,
            created_by=created_by,
            source=source,
            created_at=at,
            verifie=source != SignalementSource.PROCHE,
            cle_import=cle_import,
            **{f: getattr(data, f) for f in SIGNALEMENT_FIELDS},
        )
        if data.jeune_accord:
            consent = Consent.objects.create(
                jeune=jeune,
                purpose=Purpose.ACCOMPAGNEMENT,
                categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES, DataCategory.SITUATION],
                collected_by=created_by,
                collected_via=CONSENT_METHOD.get(source, CollectionMethod.FORMULAIRE_PRESCRIPTEUR),
                collected_at=at,
            )
            consent.organisations.add(*territory.organisations.filter(kind=OrganisationKind.EQUIPE_SAS))
        record(created_by, Action.CREATION, signalement, [jeune.pk], source=source, known_jeune=known)
    return SignalementResult(signalement=signalement, known_jeune=known, new_parcours=new_parcours)
