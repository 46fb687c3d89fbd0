"""A believable demo territory: the Rhône and the Lyon metropolitan area (DESIGN.md seeds: about
5,000 young people a year at risk there), one account per role, and journeys in every status."""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sas.aiguillage.cadence import avancer
from sas.aiguillage.models import CanalContact, ResultatContact
from sas.aiguillage.services import AVANT_CONTACT, assigner, journaliser_contact
from sas.annuaire.models import Service, Structure
from sas.annuaire.seed import SOURCE as ANNUAIRE_DEMO
from sas.annuaire.seed import seed_annuaire
from sas.communes.models import Commune
from sas.jeunes.models import CollectionMethod, Consent, DataCategory, Jeune, Purpose
from sas.messagerie.envoi import envoyer_dus
from sas.messagerie.models import Message
from sas.organisations.models import Membership, Organisation, OrganisationKind, Role, Territory, User
from sas.orientation import services as orientation_services
from sas.orientation import transitions as orientation_transitions
from sas.orientation.models import ActorKind, OrientationStatus, Reason
from sas.orientation.retrait import retirer_consentement
from sas.parcours import transitions
from sas.parcours.models import Signalement, SignalementSource
from sas.parcours.status import Status
from sas.rendezvous.models import Modalite
from sas.rendezvous.services import publier_creneaux

S = Status
DEMO_PASSWORD = "demo-sas-2026"  # noqa: S105 (published on purpose: demo accounts only exist in demo mode)
SLOTS_PER_MORNING = 4
DEMO_TERRITORY = "Rhône et Métropole de Lyon"
DEMO_DEPARTEMENT = "69"
DEMO_ACCOUNTS = [
    (Role.PRESCRIPTEUR, "prescripteur@demo.sas.localhost"),
    (Role.AIGUILLEUR, "aiguilleur@demo.sas.localhost"),
    (Role.STRUCTURE, "structure@demo.sas.localhost"),
    (Role.PILOTE, "pilote@demo.sas.localhost"),
    (Role.ADMIN, "admin@demo.sas.localhost"),
]
# Fictitious SIRETs (SIREN 999…, valid checksum) so that ProConnect logins and join requests find the demo
# organisations by the SIRET their identity provider sends.
ORGANISATIONS = [
    ("Mission locale de Lyon (démo)", OrganisationKind.MISSION_LOCALE, "69387", "99900000100019"),
    ("ASE de la Métropole de Lyon (démo)", OrganisationKind.ASE, "69383", "99900000200017"),
    ("SPIP du Rhône (démo)", OrganisationKind.SPIP, "69383", "99900000300015"),
    ("Lycée professionnel de Vénissieux (démo)", OrganisationKind.ECOLE, "69259", "99900000400013"),
    ("Association Passerelles Jeunesse (démo)", OrganisationKind.ASSOCIATION, "69266", "99900000500010"),
    ("Équipe SAS Lyon (démo)", OrganisationKind.EQUIPE_SAS, "69383", "99900000600018"),
    ("E2C Lyon Métropole (démo)", OrganisationKind.STRUCTURE_ACCUEIL, "69388", "99900000700016"),
    ("Pilotage SAS Métropole de Lyon (démo)", OrganisationKind.PILOTAGE, "69383", "99900000800014"),
    ("Opérateur SAS (démo)", OrganisationKind.OPERATEUR, "69383", "99900000900012"),
]
ACCOUNT_ORGANISATION = {
    Role.PRESCRIPTEUR: OrganisationKind.MISSION_LOCALE,
    Role.AIGUILLEUR: OrganisationKind.EQUIPE_SAS,
    Role.STRUCTURE: OrganisationKind.STRUCTURE_ACCUEIL,
    Role.PILOTE: OrganisationKind.PILOTAGE,
    Role.ADMIN: OrganisationKind.OPERATEUR,
}
ORGANISATION_WEIGHTS = {
    OrganisationKind.ASE: 4,
    OrganisationKind.SPIP: 2,
    OrganisationKind.MISSION_LOCALE: 3,
    OrganisationKind.ECOLE: 2,
    OrganisationKind.ASSOCIATION: 1,
}
PRENOMS = (
    "Lucas",
    "Inès",
    "Mohamed",
    "Emma",
    "Yanis",
    "Léa",
    "Adam",
    "Jade",
    "Rayan",
    "Chloé",
    "Enzo",
    "Sarah",
    "Nolan",
    "Lina",
    "Théo",
    "Manon",
    "Ilyes",
    "Camille",
    "Sofiane",
    "Maëlys",
    "Kylian",
    "Assia",
    "Hugo",
    "Aya",
    "Mathis",
    "Clara",
    "Bilal",
    "Nour",
    "Axel",
    "Louna",
    "Moussa",
    "Océane",
    "Amine",
    "Fatou",
    "Dylan",
    "Anaïs",
)
NOMS = (
    "Martin",
    "Bernard",
    "Diallo",
    "Moreau",
    "Benali",
    "Petit",
    "Nguyen",
    "Garcia",
    "Traoré",
    "Lefebvre",
    "Haddad",
    "Roux",
    "Fontaine",
    "Mercier",
    "Kaya",
    "Durand",
    "Lambert",
    "Bonnet",
    "Camara",
    "Girard",
    "Mendes",
    "Chevalier",
    "Rousseau",
    "Boyer",
    "Da Silva",
    "Bouzid",
    "Leroy",
    "Faure",
)
MOTIFS = [
    "Fin de prise en charge ASE à la majorité",
    "Fin du contrat jeune majeur",
    "Sortie de détention sans projet",
    "Fin de mesure de probation",
    "Décrochage scolaire en cours d'année",
    "Fin d'accompagnement Mission locale sans solution",
    "Sortie d'hébergement associatif",
]
MAIN_PATH = [
    S.SIGNALE, S.A_CONTACTER, S.CONTACT_EN_COURS, S.CONTACTE, S.DIAGNOSTIC_FAIT, S.ORIENTATION_PROPOSEE,
    S.ORIENTATION_ENVOYEE, S.ACCEPTEE_PAR_STRUCTURE, S.PREMIER_RDV, S.PRIS_EN_CHARGE, S.SUIVI, S.SORTI_POSITIF,
]  # fmt: skip
# A status off the main path -> (the status it leaves from, a plausible reason).
SIDE_EXITS = {
    S.HORS_CIBLE: (S.SIGNALE, "Réside hors du territoire"),
    S.DEJA_ACCOMPAGNE: (S.A_CONTACTER, "Suivi en cours par la Mission locale de Villeurbanne"),
    S.REFUS_DU_JEUNE: (S.CONTACTE, "Ne souhaite pas d'accompagnement pour le moment"),
    S.INJOIGNABLE: (S.CONTACT_EN_COURS, "Aucune réponse après la cadence complète (SMS, courriel, appels)"),
    S.ORIENTATION_REFUSEE: (S.ORIENTATION_ENVOYEE, "Structure complète jusqu'au mois prochain"),
    S.ABANDON: (S.PRIS_EN_CHARGE, "Ne s'est plus présenté aux rendez-vous"),
    S.SUIVI_TERMINE: (S.SUIVI, "Points d'étape faits : toujours accompagné par la structure"),
    S.CONSENTEMENT_RETIRE: (S.CONTACTE, "Retrait du consentement demandé par le jeune"),
}
# Typical days spent before leaving each status (the last ones are the 1-, 3- and 6-month follow-ups). A signalement
# is verified the next day and the first call follows within a few days: about half of them within the 72 h target.
STEP_DAYS = {S.SIGNALE: 1, S.A_CONTACTER: 3, S.PRIS_EN_CHARGE: 30, S.SUIVI: 150}


# The referral status that moves the journey to each status of the hand-off, in the demo histories.
RELAI = {
    S.ACCEPTEE_PAR_STRUCTURE: OrientationStatus.ACCEPTEE,
    S.PREMIER_RDV: OrientationStatus.RDV_FIXE,
    S.PRIS_EN_CHARGE: OrientationStatus.PRISE_EN_CHARGE,
    S.ORIENTATION_REFUSEE: OrientationStatus.REFUSEE,
}


@dataclass
class DemoReport:
    organisations: int = 0
    users: int = 0
    parcours: int = 0
    events: int = 0
    creneaux: int = 0
    messages: int = 0
    orientations: int = 0
    skipped_people: bool = False


def office_hours(rng, date):
    hour = datetime.time(rng.randint(9, 17), rng.randrange(0, 60, 5))
    return timezone.make_aware(datetime.datetime.combine(date, hour))


def path_to(target):
    if target == S.SORTIE_A_VENIR:
        return [S.SORTIE_A_VENIR]
    if target in SIDE_EXITS:
        before, _ = SIDE_EXITS[target]
        return MAIN_PATH[: MAIN_PATH.index(before) + 1] + [target]
    return MAIN_PATH[: MAIN_PATH.index(target) + 1]


def seed(*, wet_run, people=300, seed_value=2026):
    """Create the demo territory; inside a rolled-back transaction unless wet_run."""
    report = DemoReport()
    with transaction.atomic():
        territory, _ = Territory.objects.get_or_create(nom=DEMO_TERRITORY)
        communes = list(Commune.objects.filter(departement_id=DEMO_DEPARTEMENT))
        if not communes:
            raise RuntimeError("Référentiel des communes vide : lancez d'abord importer_communes --wet-run.")
        territory.communes.add(*communes)
        organisations = {}
        for nom, kind, code_insee, siret in ORGANISATIONS:
            organisations[kind], created = Organisation.objects.get_or_create(
                nom=nom, territory=territory, defaults={"kind": kind, "commune_id": code_insee, "siret": siret}
            )
            report.organisations += created
        users = {}
        for role, email in DEMO_ACCOUNTS:
            users[role], created = User.objects.get_or_create(
                email=email,
                defaults={"first_name": role.label.split()[0], "last_name": "Démo", "is_staff": role == Role.ADMIN,
                          "is_superuser": role == Role.ADMIN},
            )  # fmt: skip
            if created:
                users[role].set_password(DEMO_PASSWORD)
                users[role].save()
                report.users += 1
            Membership.objects.get_or_create(
                user=users[role], organisation=organisations[ACCOUNT_ORGANISATION[role]], role=role
            )
        if territory.parcours.exists():
            report.skipped_people = True
        else:
            relai = _seed_annuaire(organisations[OrganisationKind.STRUCTURE_ACCUEIL], seed_value)
            _create_people(
                report, territory, communes, organisations, users[Role.AIGUILLEUR], people, seed_value, relai
            )
            _start_contact(report, territory, organisations[OrganisationKind.EQUIPE_SAS], users[Role.AIGUILLEUR])
        if not wet_run:
            transaction.set_rollback(True)
    return report


def _create_people(report, territory, communes, organisations, aiguilleur, people, seed_value, relai):
    rng = random.Random(seed_value)
    now = timezone.now()
    prescribers = [organisations[kind] for kind in ORGANISATION_WEIGHTS]
    weights = list(ORGANISATION_WEIGHTS.values())
    targets = list(Status)
    for i in range(people):
        target = targets[i % len(targets)] if i < 3 * len(targets) else rng.choice(MAIN_PATH[:10])
        path = path_to(target)
        # One working day per event, at office hours, so that histories read like real ones.
        days = [rng.randint(1, STEP_DAYS.get(status, 6)) for status in path[:-1]]
        dates = [timezone.localdate() - datetime.timedelta(days=sum(days) + rng.randint(0, 4))]
        for gap in days:
            dates.append(dates[-1] + datetime.timedelta(days=gap))
        moments = [min(now, office_hours(rng, date)) for date in dates]
        start = moments[0]
        commune = rng.choices(communes, weights=[max(c.population, 1) for c in communes])[0]
        prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS)
        jeune = Jeune.objects.create(
            prenom=prenom,
            nom=nom,
            date_naissance=(start - datetime.timedelta(days=rng.randint(16 * 365, 28 * 365))).date(),
            telephone=f"+33639980{i:03d}",  # ARCEP range reserved for fiction
            email=f"{prenom}.{nom}.{i}@example.org".lower().replace(" ", ""),
            commune=commune,
        )
        organisation = rng.choices(prescribers, weights=weights)[0]
        parcours = transitions.start(jeune=jeune, territory=territory, status=path[0], actor=None, at=start)
        Signalement.objects.create(
            parcours=parcours,
            organisation=organisation,
            source=SignalementSource.PRESCRIPTEUR,
            prenom=prenom,
            nom=nom,
            created_at=start,
            attache_le=start,
            motif=rng.choice(MOTIFS),
            fin_accompagnement_le=(start + datetime.timedelta(days=rng.randint(20, 90))).date()
            if path[0] == S.SORTIE_A_VENIR
            else start.date(),
        )
        Consent.objects.create(
            jeune=jeune,
            purpose=Purpose.ACCOMPAGNEMENT,
            categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES, DataCategory.SITUATION],
            collected_via=CollectionMethod.FORMULAIRE_PRESCRIPTEUR,
            collected_at=start,
        ).organisations.add(organisations[OrganisationKind.EQUIPE_SAS])
        orientation = None
        for status, at in zip(path[1:], moments[1:], strict=True):
            orientation = _step(parcours, status, at, aiguilleur, orientation, relai)
        report.parcours += 1
        report.events += len(path) + (S.CONTACT_EN_COURS in path)  # with the logged call
        report.orientations += orientation is not None


def _step(parcours, status, at, aiguilleur, orientation, relai):
    """Move the journey one step through the function a counsellor's or a structure's click calls: the referral's
    transitions for the hand-off, the withdrawal for "consentement retiré", the journey's otherwise. Nothing is sent:
    the structures and young people of the demo are not told about their past."""
    if status == S.ORIENTATION_ENVOYEE:
        service = relai.choisir(parcours)
        Consent.objects.create(
            jeune=parcours.jeune,
            purpose=Purpose.TRANSMISSION,
            categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES],
            collected_via=CollectionMethod.ORAL,
            collected_at=at,
        ).structures.add(service.structure)
        return orientation_services.envoyer(parcours, service, actor_kind=ActorKind.JEUNE, actor=aiguilleur, at=at)
    if status in RELAI:
        motif = Reason.PAS_DE_PLACE if RELAI[status] == OrientationStatus.REFUSEE else ""
        orientation_transitions.transition(
            orientation,
            RELAI[status],
            actor_kind=ActorKind.STRUCTURE,
            reason=motif,
            at=at,
            premier_rdv_le=at if status == S.PREMIER_RDV else None,
        )
    elif status == S.CONSENTEMENT_RETIRE:
        retirer_consentement(parcours, actor_kind=ActorKind.CONSEILLER, actor=aiguilleur, at=at)
    elif status == S.CONTACT_EN_COURS:
        # As in production, contact is "en cours" because an attempt was made: the logged call is what the
        # first-attempt indicator measures (a bare transition left it at 0 %).
        journaliser_contact(
            parcours, canal=CanalContact.APPEL, resultat=ResultatContact.SANS_REPONSE, actor=aiguilleur, at=at
        )
    else:
        reason = SIDE_EXITS[status][1] if status in SIDE_EXITS else ""
        transitions.transition(parcours, status, actor=aiguilleur, reason=reason, at=at)
    return orientation


def _start_contact(report, territory, equipe, aiguilleur):
    """The counsellor's week: half of the queue assigned to them, slots published for the next working days,
    and the contact plan started (its first messages wait in the local outbox)."""
    now = timezone.now()
    waiting = territory.parcours.filter(status__in=AVANT_CONTACT).order_by("pk")
    for parcours in waiting[::2]:
        assigner(parcours, aiguilleur, actor=aiguilleur, at=now)
    day = timezone.localdate(now)
    while report.creneaux < 5 * SLOTS_PER_MORNING:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            report.creneaux += len(
                publier_creneaux(
                    aiguilleur, equipe, date=day, heure=datetime.time(9, 30), duree=45, nombre=SLOTS_PER_MORNING,
                    modalite=Modalite.PRESENTIEL, lieu="Équipe SAS, 12 rue Servient, 69003 Lyon", at=now,
                )
            )  # fmt: skip
    avancer(now)
    envoyer_dus(wet_run=True, at=now)
    report.messages = Message.objects.filter(parcours__territory=territory).count()


@dataclass
class Relai:
    """The services the demo's referrals go to: a third of them to the E2C, which answers with an account."""

    rng: random.Random
    services: list
    e2c_services: list

    def choisir(self, parcours):
        return self.rng.choice(self.e2c_services if parcours.pk % 3 == 0 else self.services)


def _seed_annuaire(accueil, seed_value):
    """The demo directory, and the demo receiving organisation answering for the E2C with an account."""
    seed_annuaire(wet_run=True)
    e2c = Structure.objects.get(source=ANNUAIRE_DEMO, identifiant=f"{ANNUAIRE_DEMO}--e2c")
    e2c.organisation = accueil
    e2c.save()
    services = list(Service.objects.filter(source=ANNUAIRE_DEMO).select_related("structure").order_by("pk"))
    e2c_services = [service for service in services if service.structure_id == e2c.pk]
    return Relai(random.Random(seed_value), services, e2c_services)
