import re

from django import forms

from .models import Commune, normalise

LABEL = re.compile(r"^(?P<nom>.+?)\s*\((?P<cp>\d{5})\)$")


def resolve(text):
    """(commune, suggestions) for what a person typed: a name, a postcode, an INSEE code or "Nom (CP)"."""
    text = (text or "").strip()
    if match := LABEL.match(text):
        found = list(
            Commune.objects.filter(nom_normalise=normalise(match["nom"]), codes_postaux__contains=match["cp"]).order_by(
                "-population"
            )[:2]
        )
        if len(found) == 1:
            return found[0], []
        text = match["nom"]
    found = list(Commune.objects.search(text, limit=6))
    # People type postcodes; an INSEE code is the fallback (many INSEE codes are also someone's postcode).
    if not found and (commune := Commune.objects.filter(code_insee=text.upper()).first()):
        return commune, []
    exact = [c for c in found if c.nom_normalise == normalise(text)]
    if len(found) == 1:
        return found[0], []
    if len(exact) == 1:
        return exact[0], []
    return None, found[:5]


class CommuneField(forms.CharField):
    """A text input resolved to a Commune; the page's script suggests "Nom (code postal)" labels as you type."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Commune")
        kwargs.setdefault("help_text", "Nom de la commune ou code postal, par exemple « Villeurbanne » ou « 69100 ».")
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "list": "communes-suggestions",
                "data-commune-search": "/communes/recherche/",
                "autocomplete": "off",
                "maxlength": 120,
            }
        )

    def prepare_value(self, value):
        return str(value) if isinstance(value, Commune) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        commune, suggestions = resolve(text)
        if commune:
            return commune
        if suggestions:
            choices = ", ".join(f"« {c} »" for c in suggestions)
            raise forms.ValidationError(f"Plusieurs communes correspondent, précisez : {choices}.")
        raise forms.ValidationError(f"Aucune commune ne correspond à « {text} ».")
