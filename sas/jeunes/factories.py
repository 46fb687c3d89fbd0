import datetime

import factory
from faker import Faker

from sas.communes.factories import CommuneFactory
from sas.organisations.factories import PRENOM_PRO

from .models import CollectionMethod, Consent, DataCategory, Jeune, Purpose

_FAKER = Faker("fr_FR")


def _prenom():
    while (prenom := _FAKER.first_name()) == PRENOM_PRO:
        continue
    return prenom


class JeuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jeune

    prenom = factory.LazyFunction(_prenom)
    nom = factory.Faker("last_name", locale="fr_FR")
    date_naissance = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=19 * 365))
    telephone = factory.Sequence(lambda n: f"+3363998{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"jeune{n}@example.org")
    commune = factory.SubFactory(CommuneFactory)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent
        skip_postgeneration_save = True

    jeune = factory.SubFactory(JeuneFactory)
    purpose = Purpose.TRANSMISSION
    categories = factory.LazyFunction(lambda: [DataCategory.IDENTITE, DataCategory.COORDONNEES])
    collected_via = CollectionMethod.ORAL

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.add(*extracted)
