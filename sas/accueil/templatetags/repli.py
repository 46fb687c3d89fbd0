from django import template
from django.template.defaulttags import TemplateIfParser

register = template.Library()


@register.tag
def repli(parser, token):
    """`{% repli "id" "Plus de filtres" ouvert %}…{% endrepli %}`: content folded under a DSFR accordion button, open
    when `ouvert` is true (a filter set, an error to show; an `{% if %}` condition, closed without it), and readable
    without JavaScript. With `section="id"` last, the accordion is a section of the page in a `fr-accordions-group`:
    an h2 title, that id for the links to it, the group's spacing instead of its own."""
    bits = token.split_contents()[1:]
    section = None
    if bits[-1].startswith("section="):
        section = parser.compile_filter(bits.pop().removeprefix("section="))
    identifiant, titre = (parser.compile_filter(bit) for bit in bits[:2])
    ouvert = TemplateIfParser(parser, bits[2:]).parse() if bits[2:] else None
    contenu = parser.parse(("endrepli",))
    parser.delete_first_token()
    return RepliNode(identifiant, titre, ouvert, section, contenu)


class RepliNode(template.Node):
    def __init__(self, identifiant, titre, ouvert, section, contenu):
        self.identifiant, self.titre, self.ouvert, self.contenu = identifiant, titre, ouvert, contenu
        self.section = section

    def render(self, context):
        gabarit = context.template.engine.get_template("repli.html")
        valeurs = {
            "identifiant": self.identifiant.resolve(context),
            "titre": self.titre.resolve(context),
            "ouvert": bool(self.ouvert and self.ouvert.eval(context)),
            "section": self.section.resolve(context) if self.section else "",
            # A node list renders to a safe string: what it holds was escaped as it was rendered.
            "contenu": self.contenu.render(context),
        }
        return gabarit.render(context.new(valeurs))
