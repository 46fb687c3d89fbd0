"""A service as a young person reads it on their phone: what it does in one sentence, where (address, distance
from their commune, a map), when (opening hours in words), how to reach it. From the directory's data·inclusion
fields, the service's own first, else its structure's."""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from data_inclusion.schema import v1

from .matching import distance_km

PHRASE_MAX = 200
JOURS = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
}
_ORDRE = list(JOURS)
_PLAGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Fiche:
    nom: str
    structure: str
    phrase: str
    adresse: str
    en_presentiel: bool
    a_distance: bool
    distance_km: float | None
    depuis: str  # the commune the distance is measured from
    carte: str  # a map of the place ("" without coordinates)
    horaires: str
    telephone: str
    courriel: str
    site_web: str
    gratuit: bool

    @property
    def telephone_lien(self):
        return "tel:" + re.sub(r"[^\d+]", "", self.telephone) if self.telephone else ""

    @property
    def telephone_lisible(self):
        """A French number as people write it ("04 72 00 00 10", also from "+33472000010"); others as given."""
        chiffres = re.sub(r"[^\d+]", "", self.telephone)
        if re.fullmatch(r"\+33\d{9}", chiffres):
            chiffres = "0" + chiffres[3:]
        if re.fullmatch(r"0\d{9}", chiffres):
            return " ".join(chiffres[i : i + 2] for i in range(0, 10, 2))
        return self.telephone

    @property
    def distance(self):
        """ "à 2,5 km de Villeurbanne", in words."""
        if self.distance_km is None:
            return ""
        if self.distance_km < 1:
            return f"à moins d'1 km de {self.depuis}"
        valeur = f"{self.distance_km:.0f}" if self.distance_km >= 10 else f"{self.distance_km:.1f}".replace(".", ",")
        return f"à environ {valeur} km de {self.depuis}"


def premiere_phrase(texte):
    """The first sentence of a description, cut at a word under PHRASE_MAX characters."""
    texte = " ".join((texte or "").split())
    match = re.search(r"[.!?](\s|$)", texte)
    phrase = texte[: match.end()].strip() if match else texte
    if len(phrase) > PHRASE_MAX:
        phrase = phrase[:PHRASE_MAX].rsplit(" ", 1)[0] + "…"
    return phrase


def _heure(hh, mm):
    return f"{int(hh)} h {mm}" if mm != "00" else f"{int(hh)} h"


def _jours(spec):
    parts = []
    for item in spec.split(","):
        debut, _, fin = item.partition("-")
        if debut not in JOURS or (fin and fin not in JOURS):
            return None
        if not fin:
            parts.append(f"le {JOURS[debut]}")
        elif _ORDRE.index(fin) - _ORDRE.index(debut) == 1:
            parts.append(f"le {JOURS[debut]} et le {JOURS[fin]}")
        else:
            parts.append(f"du {JOURS[debut]} au {JOURS[fin]}")
    return " et ".join(parts)


def _plages(spec):
    out = []
    for item in spec.split(","):
        match = _PLAGE.match(item.strip())
        if not match:
            return None
        h1, m1, h2, m2 = match.groups()
        out.append(f"de {_heure(h1, m1)} à {_heure(h2, m2)}")
    return " et ".join(out)


def horaires_en_clair(texte):
    """OpenStreetMap opening hours (the format data·inclusion uses), in words: "Mo-Fr 09:00-12:30,13:30-17:00"
    reads "du lundi au vendredi, de 9 h à 12 h 30 et de 13 h 30 à 17 h". What this does not read is given as is."""
    texte = (texte or "").strip()
    if not texte:
        return ""
    if texte == "24/7":
        return "tous les jours, à toute heure"
    regles = []
    for regle in texte.split(";"):
        regle = regle.strip()
        if not regle or regle == "PH off":
            continue
        jours, _, plages = regle.partition(" ")
        jours_texte, plages_texte = _jours(jours), _plages(plages) if plages.strip() != "off" else "fermé"
        if jours_texte is None or plages_texte is None:
            return texte
        regles.append(f"{jours_texte}, {plages_texte}")
    return " ; ".join(regles) or texte


def _adresse(source):
    ville = " ".join(part for part in (source.code_postal, source.commune) if part)
    return ", ".join(part for part in (source.adresse, source.complement_adresse, ville) if part)


def fiche(service, commune=None):
    """The card of `service` for a young person living in `commune` (for the distance; None: no distance)."""
    structure = service.structure
    lieu = service if service.adresse or service.commune else structure
    modes = set(service.modes_accueil or ())
    en_presentiel = v1.ModeAccueil.EN_PRESENTIEL.value in modes or not modes
    lat, lon = service.position_lat, service.position_lon
    distance = None
    if en_presentiel and lat is not None and commune is not None and commune.latitude is not None:
        distance = distance_km(commune.latitude, commune.longitude, lat, lon)
    carte = ""
    if en_presentiel and lat is not None:
        carte = "https://www.openstreetmap.org/?" + urlencode({"mlat": lat, "mlon": lon}) + f"#map=17/{lat}/{lon}"
    return Fiche(
        nom=service.nom,
        structure=structure.nom,
        phrase=premiere_phrase(service.description) or premiere_phrase(structure.description),
        adresse=_adresse(lieu) if en_presentiel else "",
        en_presentiel=en_presentiel,
        a_distance=v1.ModeAccueil.A_DISTANCE.value in modes,
        distance_km=distance,
        depuis=commune.nom if commune is not None else "",
        carte=carte,
        horaires=horaires_en_clair(service.horaires_accueil or structure.horaires_accueil),
        telephone=service.telephone or structure.telephone,
        courriel=service.courriel or structure.courriel,
        site_web=structure.site_web,
        gratuit=service.frais == v1.Frais.GRATUIT.value,
    )
