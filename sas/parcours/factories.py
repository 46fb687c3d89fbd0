import datetime

import factory
from django.utils import timezone

from sas.jeunes.factories import JeuneFactory
from sas.organisations.factories import OrganisationFactory, TerritoryFactory

from . import transitions
from .models import Parcours, ParcoursEvent, Signalement, SignalementSource
from .status import Status


class ParcoursFactory(factory.django.DjangoModelFactory):
    """Goes through transitions.start, as every journey must, so its first event exists; its status is start's
    (signalé) unless given."""

    class Meta:
        model = Parcours

    jeune = factory.SubFactory(JeuneFactory)
    territory = factory.SubFactory(TerritoryFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return transitions.start(**kwargs)


class SignalementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signalement

    parcours = factory.SubFactory(ParcoursFactory)
    organisation = factory.SubFactory(OrganisationFactory, territory=factory.SelfAttribute("..parcours.territory"))
    source = SignalementSource.PRESCRIPTEUR
    created_at = factory.LazyFunction(timezone.now)
    attache_le = factory.SelfAttribute("created_at")
    prenom = factory.SelfAttribute("parcours.jeune.prenom")
    nom = factory.SelfAttribute("parcours.jeune.nom")
    motif = "Fin de prise en charge ASE à la majorité"


def parcours_signale(organisation, *, at=None, jeune=None, **signalement):
    """The journey `organisation` opens on its territory at `at` (now by default) by signalling a young person with
    the fields `jeune`; `signalement` sets the signalement's own fields."""
    return SignalementFactory(
        organisation=organisation,
        parcours__territory=organisation.territory,
        parcours__at=at,
        **{f"parcours__jeune__{champ}": valeur for champ, valeur in (jeune or {}).items()},
        **signalement,
    ).parcours


class ParcoursEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParcoursEvent

    parcours = factory.SubFactory(ParcoursFactory)
    to_status = Status.SIGNALE
    occurred_at = factory.Faker("date_time", tzinfo=datetime.UTC)
