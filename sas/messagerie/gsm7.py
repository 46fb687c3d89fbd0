"""SMS encoding and segment counting (3GPP TS 23.038).

A message whose characters are all in the GSM 7-bit alphabet fits 160 characters in one segment (153 per segment
once split); one character outside it (ê, â, î, ô, û, ç, ’…) switches the whole message to UCS-2: 70 (67)."""

import math
import unicodedata

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through an escape character: each counts as two.
EXTENSION = set("\f^{}\\[]~|€")

GSM7_SEUL, GSM7_MULTI = 160, 153
UCS2_SEUL, UCS2_MULTI = 70, 67

_EQUIVALENTS = {
    "’": "'",
    "‘": "'",
    "‛": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "\u00a0": " ",
    "\u202f": " ",
}


def est_gsm7(texte):
    return all(c in BASIC or c in EXTENSION for c in texte)


def longueur(texte):
    """Length in the message's real encoding: septets for GSM-7, UTF-16 code units for UCS-2."""
    if est_gsm7(texte):
        return sum(2 if c in EXTENSION else 1 for c in texte)
    return len(texte.encode("utf-16-le")) // 2


def segments(texte):
    taille = longueur(texte)
    seul, multi = (GSM7_SEUL, GSM7_MULTI) if est_gsm7(texte) else (UCS2_SEUL, UCS2_MULTI)
    return 1 if taille <= seul else math.ceil(taille / multi)


def vers_gsm7(texte):
    """Replace what GSM-7 lacks by its nearest letter (ô → o, ç → c, ’ → '), so that a name with an accent does not
    cut the room for the message in half. Characters with no equivalent are kept."""
    sortie = []
    for c in texte:
        if c in BASIC or c in EXTENSION:
            sortie.append(c)
        elif c in _EQUIVALENTS:
            sortie.append(_EQUIVALENTS[c])
        else:
            base = "".join(d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d))
            sortie.append(base if base and est_gsm7(base) else c)
    return "".join(sortie)
