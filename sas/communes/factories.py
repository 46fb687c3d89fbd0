import factory

from .models import Commune, Departement, Epci, normalise


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ["code"]

    code = "69"
    nom = "Rhône"


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ["code"]

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
