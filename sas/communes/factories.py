import factory

from .models import Commune, Departement, Epci, normalise


class _ParCodeFactory(factory.django.DjangoModelFactory):
    """The reference is keyed by its INSEE code: a code asked for twice gives the one row."""

    class Meta:
        abstract = True
        django_get_or_create = ["code"]


class DepartementFactory(_ParCodeFactory):
    class Meta:
        model = Departement

    code = "69"
    nom = "Rhône"


class EpciFactory(_ParCodeFactory):
    class Meta:
        model = Epci

    code = factory.Sequence(lambda n: f"2000{n:05d}")
    nom = factory.Sequence(lambda n: f"Communauté {n}")
    type = "CA"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code_insee"]

    code_insee = factory.Sequence(lambda n: f"69{n % 1000:03d}")
    nom = factory.Sequence(lambda n: f"Commune {n}")
    nom_normalise = factory.LazyAttribute(lambda o: normalise(o.nom))
    codes_postaux = "69100"
    departement = factory.SubFactory(DepartementFactory)
    latitude = 45.77
    longitude = 4.88
    population = 1000
