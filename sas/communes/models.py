import unicodedata

from django.db import models


def normalise(text):
    """Lower-case, accent-free, hyphens as spaces: how people type commune names."""
    text = text or ""
    if not text.isascii():  # most names and cells have no accent: nothing to decompose
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().replace("-", " ").replace("'", " ").replace("’", " ").split())


class Division(models.Model):
    """A région or a département: an official code and its name."""

    code = models.CharField("code", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Region(Division):
    class Meta(Division.Meta):
        verbose_name = "région"


class Departement(Division):
    region = models.ForeignKey(
        Region, verbose_name="région", null=True, blank=True, on_delete=models.PROTECT, related_name="departements"
    )

    class Meta(Division.Meta):
        verbose_name = "département"


class Epci(models.Model):
    """An EPCI à fiscalité propre (métropole, communauté urbaine, d'agglomération or de communes)."""

    code = models.CharField("SIREN", max_length=9, primary_key=True)
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=10)

    class Meta:
        ordering = ["nom"]
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"

    def __str__(self):
        return self.nom


class CommuneQuerySet(models.QuerySet):
    def search(self, query, limit=20):
        """Communes whose name (current or former) or postcode starts with the query."""
        query = (query or "").strip()
        if not query:
            return self.none()
        if query.isdigit():
            found = self.filter(codes_postaux__contains=query)
            # A postcode of Paris, Lyon or Marseille names an arrondissement, more precise than its commune.
            found = found.exclude(pk__in=found.filter(parent__isnull=False).values("parent"))
        else:
            needle = normalise(query)
            found = self.filter(
                models.Q(nom_normalise__startswith=needle) | models.Q(anciens_noms__contains=f"|{needle}")
            )
        return found.order_by("-population", "nom")[:limit]


class Commune(models.Model):
    """A current commune of the COG, or an arrondissement of Paris, Lyon or Marseille (its commune as `parent`)."""

    code_insee = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField("nom", max_length=100)
    nom_normalise = models.CharField(max_length=100, db_index=True, editable=False)
    # Former names of merged communes ("communes déléguées"), '|'-prefixed and normalised.
    anciens_noms = models.TextField(blank=True, editable=False)
    codes_postaux = models.CharField("codes postaux", max_length=200)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    population = models.PositiveIntegerField(default=0)
    # An arrondissement's EPCI is its commune's: a zone naming the EPCI, the commune or the arrondissement covers it.
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, blank=True, on_delete=models.SET_NULL, related_name="communes"
    )
    parent = models.ForeignKey(
        "self", verbose_name="commune (arrondissement de)", null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["nom"]

    def __str__(self):
        return f"{self.nom} ({self.codes_postaux.split()[0]})"
