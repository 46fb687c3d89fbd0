"""The printable letter (PDF) for young people reachable only by post or through their prescriber."""

from pathlib import Path

from django.utils import timezone
from fpdf import FPDF

_POLICES = Path("/usr/share/fonts/truetype/dejavu")


def _latin1(texte):
    """For the PDF core fonts when no Unicode font is installed."""
    remplacements = {"’": "'", "œ": "oe", "Œ": "OE", "…": "...", "·": ".", "–": "-", "—": "-", "\u202f": " "}
    for avant, apres in remplacements.items():
        texte = texte.replace(avant, apres)
    return texte.encode("latin-1", "replace").decode("latin-1")


def lettre_pdf(message, territoire, at=None):
    """The letter as PDF bytes: sender, recipient, date, subject, then the message's text (with the short code)."""
    at = at or timezone.now()
    pdf = FPDF(format="A4")
    pdf.set_title(message.sujet or "Courrier de l'équipe SAS")
    pdf.set_author("Équipe SAS")
    pdf.set_margins(20, 20, 20)
    if (_POLICES / "DejaVuSans.ttf").exists():
        pdf.add_font("dejavu", "", str(_POLICES / "DejaVuSans.ttf"))
        pdf.add_font("dejavu", "B", str(_POLICES / "DejaVuSans-Bold.ttf"))
        police, propre = "dejavu", str
    else:
        police, propre = "helvetica", _latin1
    pdf.add_page()
    pdf.set_font(police, "B", 12)
    pdf.multi_cell(0, 6, propre(f"Équipe SAS — {territoire}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(police, "", 11)
    destinataire = f"{message.jeune}\n{message.destinataire}"
    pdf.set_x(110)
    pdf.multi_cell(80, 6, propre(destinataire), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.multi_cell(0, 6, propre(f"Le {timezone.localtime(at):%d/%m/%Y}"), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(police, "B", 12)
    pdf.multi_cell(0, 6, propre(message.sujet), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    # The one place staff get the young person's code: a letter is printed to be posted (the download is audited).
    for ligne in message.texte_envoye().splitlines():
        # The address and the code are what the young person must type: larger and bold.
        important = "code personnel" in ligne or ligne.startswith("http")
        pdf.set_font(police, "B" if important else "", 14 if important else 11)
        pdf.multi_cell(0, 8 if important else 6, propre(ligne) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
