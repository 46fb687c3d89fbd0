"""Slots and appointments: publishing, booking, reminders, and the remobilisation path after a missed one."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import services as aiguillage
from sas.audit.models import Action, record
from sas.lieux import erreurs_de_lieu
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Destinataire
from sas.organisations.models import Role
from sas.parcours import transitions
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import TRANSITIONS, Status
from sas.permissions import organisations_for_role

from .models import Creneau, Modalite, PrisPar, RendezVous, RendezVousStatus

# A slot is offered to the young person only if it starts at least this far ahead.
DELAI_RESERVATION = datetime.timedelta(hours=1)
DUREES = (15, 20, 30, 45, 60, 90, 120)
NOMBRE_MAX = 16
HEURE_RAPPEL_VEILLE = datetime.time(18, 0)
AVANCE_RAPPEL = datetime.timedelta(hours=2)
# Messages are never sent between 20:00 and 08:00 nor on Sundays (messagerie's quiet hours).
DEBUT_JOURNEE, FIN_JOURNEE = datetime.time(8, 0), datetime.time(20, 0)
# A "2 hours before" reminder pushed out of the night must still come this long before the appointment.
AVANCE_MINIMALE = datetime.timedelta(minutes=30)
RELANCE_APPEL = datetime.timedelta(days=2)
RELANCE_VISITE = datetime.timedelta(days=5)
LIEU_TELEPHONE = "Vous serez appelé·e au numéro que vous nous avez donné."

PRIS, CONSTATE, ANNULE = "pris", "constate", "annule"


def _local(moment):
    return timezone.localtime(moment)


def _quand(moment):
    moment = _local(moment)
    return f"{moment:%d/%m/%Y} à {moment:%H:%M}"


def _actifs():
    return RendezVous.objects.exclude(status=RendezVousStatus.ANNULE)


def _libre():
    return ~Exists(_actifs().filter(creneau=OuterRef("pk")))


# Slots


def publier_creneaux(conseiller, organisation, *, date, heure, duree, nombre, modalite, lieu="", at=None):
    """Publish `nombre` consecutive slots of `duree` minutes from `date` `heure` (a morning in one go).

    Raises ValidationError (French, by field) and creates nothing when the input is wrong or overlaps the
    counsellor's own slots."""
    at = at or timezone.now()
    errors = {}
    lieu = (lieu or "").strip()
    if organisation not in organisations_for_role(conseiller, Role.AIGUILLEUR):
        raise ValidationError("Vous ne pouvez publier des créneaux que pour votre équipe.")
    if duree not in DUREES:
        errors["duree"] = "Choisissez une durée proposée."
    if not 1 <= nombre <= NOMBRE_MAX:
        errors["nombre"] = f"Publiez entre 1 et {NOMBRE_MAX} créneaux à la fois."
    errors.update(
        erreurs_de_lieu(modalite, lieu, Modalite, champ="modalite", sans_adresse="Indiquez l'adresse du rendez-vous.")
    )
    if errors:
        raise ValidationError(errors)
    lieu = lieu or LIEU_TELEPHONE
    premier = timezone.make_aware(datetime.datetime.combine(date, heure))
    if premier <= at:
        raise ValidationError({"date": "Les créneaux doivent commencer dans le futur."})
    pas = datetime.timedelta(minutes=duree)
    bornes = [(premier + i * pas, premier + (i + 1) * pas) for i in range(nombre)]
    with transaction.atomic():
        chevauchements = Creneau.objects.select_for_update().filter(
            conseiller=conseiller, retire_le=None, debut__lt=bornes[-1][1], fin__gt=bornes[0][0]
        )
        if conflit := chevauchements.first():
            raise ValidationError(
                {"heure": f"Ces créneaux chevauchent un créneau déjà publié : celui du {conflit}."}, code="overlap"
            )
        creneaux = Creneau.objects.bulk_create(
            Creneau(
                conseiller=conseiller,
                organisation=organisation,
                debut=debut,
                fin=fin,
                modalite=modalite,
                lieu=lieu,
                created_at=at,
            )
            for debut, fin in bornes
        )
    return creneaux


def retirer_creneau(creneau, *, actor, at=None):
    """Withdraw a slot nobody holds (a booked one is cancelled first, so the young person is told). A slot that
    never had an appointment is deleted; one with cancelled appointments is only marked withdrawn."""
    at = at or timezone.now()
    with transaction.atomic():
        creneau = Creneau.objects.select_for_update().get(pk=creneau.pk)
        if _actifs().filter(creneau=creneau).exists():
            raise ValidationError("Ce créneau est réservé : annulez d'abord le rendez-vous.")
        if creneau.rendez_vous.exists():
            Creneau.objects.filter(pk=creneau.pk).update(retire_le=at)
        else:
            creneau.delete()


def creneaux_disponibles(parcours, *, at=None, limite=8):
    """Free future slots of the journey's territory: its counsellor's first, then the team's, soonest first."""
    at = at or timezone.now()
    queryset = (
        Creneau.objects.filter(
            organisation__territory_id=parcours.territory_id, retire_le=None, debut__gte=at + DELAI_RESERVATION
        )
        .filter(_libre())
        .select_related("conseiller", "organisation")
    )
    if parcours.conseiller_id:
        du_conseiller = Case(When(conseiller_id=parcours.conseiller_id, then=Value(0)), default=Value(1))
        queryset = queryset.annotate(ordre=du_conseiller).order_by("ordre", "debut", "pk")
    else:
        queryset = queryset.annotate(ordre=Value(1, output_field=IntegerField())).order_by("debut", "pk")
    return list(queryset[:limite]) if limite else list(queryset)


# Reminders


def moment_rappel_veille(debut):
    """18:00 the day before; for a Monday appointment the Saturday before (no message on Sundays)."""
    veille = _local(debut).date() - datetime.timedelta(days=1)
    if veille.isoweekday() == 7:
        veille -= datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(veille, HEURE_RAPPEL_VEILLE))


def moment_rappel_2h(debut):
    """Two hours before; moved to 08:00 when that falls early in the morning, or None when it would then come too
    late (or would fall in the evening's quiet hours, or on a Sunday)."""
    moment = _local(debut - AVANCE_RAPPEL)
    if moment.time() < DEBUT_JOURNEE:
        moment = timezone.make_aware(datetime.datetime.combine(moment.date(), DEBUT_JOURNEE))
    if moment.isoweekday() == 7 or moment.time() >= FIN_JOURNEE or moment > debut - AVANCE_MINIMALE:
        return None
    return moment


def _contexte(creneau):
    return {"rdv": creneau.debut, "modalite": creneau.get_modalite_display().lower(), "lieu": creneau.lieu}


def _programmer_messages(rdv, at):
    parcours, creneau = rdv.parcours, rdv.creneau
    contexte = _contexte(creneau)
    messagerie.envoyer(parcours, "rdv_confirme", at=at, contexte=contexte, cle=f"rdv-{rdv.pk}-confirme")
    for gabarit, moment in (
        ("rappel_veille", moment_rappel_veille(creneau.debut)),
        ("rappel_2h", moment_rappel_2h(creneau.debut)),
    ):
        if moment and moment > at:
            messagerie.envoyer(parcours, gabarit, at=moment, contexte=contexte, cle=f"rdv-{rdv.pk}-{gabarit}")


# Appointments


def _evenement(rdv, action, *, actor, at, reason, **detail):
    transitions.record_fact(
        rdv.parcours,
        EventKind.RENDEZ_VOUS,
        actor=actor,
        reason=reason,
        at=at,
        detail={"rdv": rdv.pk, "action": action, **detail, "premier": rdv.premier},
    )


def reserver(parcours, creneau, *, pris_par, actor=None, at=None):
    """Book `creneau` for `parcours`. Raises ValidationError (in French) and writes nothing if the slot is taken,
    past, of another territory, or if the journey is closed.

    Confirms at once and schedules the reminders (day before, 2 hours before). When the young person booked, it
    counts as their answer (the contact cadence stops)."""
    at = at or timezone.now()
    pris_par = PrisPar(pris_par)
    with transaction.atomic():
        # Locked: on PostgreSQL a concurrent booking of the same slot waits here, then sees it taken.
        creneau = Creneau.objects.select_for_update().select_related("organisation").get(pk=creneau.pk)
        parcours = Parcours.objects.select_for_update(of=("self",)).select_related("jeune").get(pk=parcours.pk)
        pris = "Ce créneau vient d'être réservé : choisissez-en un autre."
        if creneau.debut <= at:
            raise ValidationError("Ce créneau est déjà passé : choisissez-en un autre.", code="past")
        if creneau.retire_le:
            raise ValidationError("Ce créneau n'est plus proposé : choisissez-en un autre.", code="withdrawn")
        if creneau.organisation.territory_id != parcours.territory_id:
            raise ValidationError("Ce créneau n'est pas proposé sur le territoire de ce parcours.", code="territory")
        if not TRANSITIONS[parcours.status] - {Status.CONSENTEMENT_RETIRE}:
            raise ValidationError(
                f"Ce parcours est clos (« {parcours.get_status_display()} ») : pas de rendez-vous.", code="closed"
            )
        if _actifs().filter(creneau=creneau).exists():
            raise ValidationError(pris, code="taken")
        # The young person moves an appointment rather than holding several; the counsellor may plan a follow-up.
        a_venir = parcours.rendez_vous.filter(status=RendezVousStatus.CONFIRME, creneau__debut__gt=at)
        if pris_par == PrisPar.JEUNE and (deja := a_venir.select_related("creneau").first()):
            raise ValidationError(
                f"Vous avez déjà un rendez-vous le {_quand(deja.creneau.debut)} : annulez-le avant d'en choisir "
                "un autre.",
                code="already",
            )
        premier = not _actifs().filter(parcours=parcours).exists()
        try:
            with transaction.atomic():
                rdv = RendezVous.objects.create(
                    creneau=creneau,
                    parcours=parcours,
                    pris_par=pris_par,
                    actor=actor,
                    premier=premier,
                    created_at=at,
                    status_changed_at=at,
                )
        except IntegrityError as error:
            raise ValidationError(pris, code="taken") from error
        reason = f"Rendez-vous pris pour le {_quand(creneau.debut)}"
        _evenement(rdv, PRIS, actor=actor, at=at, reason=reason, pris_par=pris_par.value)
        record(actor, Action.CREATION, rdv, [parcours.jeune_id], pris_par=pris_par)
        _programmer_messages(rdv, at)
        if pris_par == PrisPar.JEUNE:
            aiguillage.reponse_du_jeune(parcours, via="rendez_vous", at=at)
    return rdv


def _changer_statut(rdv, status, at):
    """Leave CONFIRME exactly once, even with two clicks at the same time."""
    changed = RendezVous.objects.filter(pk=rdv.pk, status=RendezVousStatus.CONFIRME).update(
        status=status, status_changed_at=at
    )
    if not changed:
        raise ValidationError("Ce rendez-vous n'est plus confirmé : son issue est déjà enregistrée.", code="done")
    rdv.status, rdv.status_changed_at = status, at


def constater(rdv, status, *, actor, at=None):
    """Record that the appointment was honoured or missed. A missed one starts the remobilisation path: a message
    with a link to pick a new slot at once, then a call task (2 days) and a visit task (5 days) for the team.

    Booking again needs nothing more: the tasks stay, so the counsellor sees what happened and closes them."""
    at = at or timezone.now()
    status = RendezVousStatus(status)
    if status not in (RendezVousStatus.HONORE, RendezVousStatus.MANQUE):
        raise ValidationError("Un rendez-vous est soit honoré, soit manqué.")
    creneau, parcours = rdv.creneau, rdv.parcours
    if at < creneau.debut:
        raise ValidationError(f"Vous pourrez dire si le rendez-vous a eu lieu à partir du {_quand(creneau.debut)}.")
    with transaction.atomic():
        _changer_statut(rdv, status, at)
        _evenement(
            rdv,
            CONSTATE,
            actor=actor,
            at=at,
            reason=f"Rendez-vous du {_quand(creneau.debut)} {status.label.lower()}",
            issue=status.value,
        )
        record(actor, Action.MODIFICATION, rdv, [parcours.jeune_id], status=status.value)
        messagerie.annuler(f"rdv-{rdv.pk}-rappel", at=at)
        if status == RendezVousStatus.HONORE:
            aiguillage.reponse_du_jeune(parcours, via="rendez_vous", at=at)
        else:
            messagerie.envoyer(parcours, "rdv_manque", at=at, contexte=_contexte(creneau), cle=f"rdv-{rdv.pk}-manque")
            motif = f"Rendez-vous du {_quand(creneau.debut)} manqué"
            for nature, delai, quoi in (
                ("appel", RELANCE_APPEL, "appeler le jeune"),
                ("visite", RELANCE_VISITE, "s'il n'a pas repris rendez-vous, aller à sa rencontre"),
            ):
                aiguillage.creer_tache(
                    parcours,
                    nature,
                    echeance=at + delai,
                    motif=f"{motif} : {quoi}.",
                    at=at,
                    cle=f"rdv-{rdv.pk}-{nature}",
                )
    return rdv


def annuler_rdv(rdv, *, actor=None, at=None):
    """Cancel a confirmed appointment: the slot is free again and the reminders not yet sent are cancelled. The other
    side is told through messagerie: the young person when a counsellor cancels (with their link to pick another
    slot), the slot's counsellor by e-mail when the young person does (`actor` None)."""
    at = at or timezone.now()
    creneau, parcours = rdv.creneau, rdv.parcours
    with transaction.atomic():
        _changer_statut(rdv, RendezVousStatus.ANNULE, at)
        pris_par = PrisPar.CONSEILLER if actor else PrisPar.JEUNE
        reason = f"Rendez-vous du {_quand(creneau.debut)} annulé"
        _evenement(rdv, ANNULE, actor=actor, at=at, reason=reason, pris_par=pris_par.value)
        record(actor, Action.MODIFICATION, rdv, [parcours.jeune_id], status=RendezVousStatus.ANNULE.value)
        messagerie.annuler(f"rdv-{rdv.pk}-", at=at)
        if pris_par == PrisPar.CONSEILLER:
            # None when nothing may reach them (a closed journey, STOP): messagerie logs why.
            messagerie.envoyer(
                parcours, "rdv_annule", at=at, contexte=_contexte(creneau), cle=f"annulation-rdv-{rdv.pk}"
            )
        else:
            _prevenir_conseiller(rdv, at)
    return rdv


def _prevenir_conseiller(rdv, at):
    conseiller, parcours = rdv.creneau.conseiller, rdv.parcours
    if not conseiller.email:
        return
    contexte = {
        "conseiller": conseiller.first_name or str(conseiller),
        "prenom": parcours.jeune.prenom,
        "quand": _quand(rdv.creneau.debut),
        "lien": settings.SAS_SITE_URL + reverse("parcours:detail", args=[parcours.uuid]),
    }
    messagerie.envoyer_courriel_pro(
        conseiller.email,
        "conseiller_rdv_annule",
        contexte,
        nature=Destinataire.CONSEILLER,
        cle=f"annulation-rdv-{rdv.pk}-conseiller",
        at=at,
    )
