import datetime
import re

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from sas.communes.models import Departement, Epci

from .donnees import Filtre
from .indicateurs import PRESCRIPTEURS, SOURCES

MOIS = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# The longest period a page computes: beyond, a pilot exports the open data.
MOIS_MAX = 36


def _mois(texte):
    match = MOIS.match(texte or "")
    if not match:
        raise forms.ValidationError("Indiquez un mois sous la forme AAAA-MM, par exemple 2026-01.")
    return datetime.date(int(match[1]), int(match[2]), 1)


def mois_par_defaut(today=None):
    """The last twelve months, the current one included."""
    today = today or timezone.localdate()
    year, month = (today.year - 1, today.month + 1) if today.month < 12 else (today.year, 1)
    return datetime.date(year, month, 1), today.replace(day=1)


class FiltreForm(DsfrBaseForm):
    """The dashboard's filters (GET); every field optional, a wrong one explained and the default used."""

    territoire = forms.ChoiceField(label="Territoire", required=False)
    departement = forms.ChoiceField(label="Département où vit le jeune", required=False)
    epci = forms.ChoiceField(label="Groupement de communes (EPCI) où vit le jeune", required=False)
    debut = forms.CharField(label="Du mois", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    fin = forms.CharField(label="Au mois (inclus)", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    source = forms.ChoiceField(label="Origine du signalement", required=False)

    def __init__(self, *args, territoires, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.territoires = list(territoires)
        self.fields["territoire"].choices = [("", "Tous mes territoires")] + [
            (str(t.pk), t.nom) for t in self.territoires
        ]
        self.fields["departement"].choices = [("", "Tous")] + [
            (d.code, str(d)) for d in Departement.objects.filter(communes__territories__in=self.territoires).distinct()
        ]
        self.fields["epci"].choices = [("", "Tous")] + [
            (e.code, e.nom) for e in Epci.objects.filter(communes__territories__in=self.territoires).distinct()
        ]
        self.fields["source"].choices = [
            ("", "Toutes"),
            *SOURCES.items(),
            *((f"type:{k.value}", f"Professionnels : {k.label}") for k in PRESCRIPTEURS),
            *((f"organisation:{o.pk}", o.nom) for o in organisations),
        ]
        debut, fin = mois_par_defaut()
        self.defauts = {"debut": f"{debut:%Y-%m}", "fin": f"{fin:%Y-%m}"}

    def clean_debut(self):
        return _mois(self.cleaned_data["debut"]) if self.cleaned_data["debut"] else None

    def clean_fin(self):
        return _mois(self.cleaned_data["fin"]) if self.cleaned_data["fin"] else None

    def clean(self):
        data = super().clean()
        debut, fin = data.get("debut"), data.get("fin")
        if debut and fin:
            if debut > fin:
                raise forms.ValidationError("Le premier mois doit précéder le dernier.")
            if (fin.year - debut.year) * 12 + fin.month - debut.month >= MOIS_MAX:
                raise forms.ValidationError(f"Choisissez une période de {MOIS_MAX} mois au plus.")
        return data

    def filtre(self):
        """The Filtre chosen, or the default one for the fields that are wrong."""
        defaut_debut, defaut_fin = mois_par_defaut()
        data = self.cleaned_data if self.is_valid() else {}
        choisi = [t for t in self.territoires if str(t.pk) == data.get("territoire")]
        return Filtre(
            territoires=tuple(choisi or self.territoires),
            debut=data.get("debut") or defaut_debut,
            fin=data.get("fin") or defaut_fin,
            departement=data.get("departement") or "",
            epci=data.get("epci") or "",
            source=data.get("source") or "",
        )
