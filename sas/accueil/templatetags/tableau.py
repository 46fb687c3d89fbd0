import re

from django import template
from django.template.base import NodeList, TextNode
from django.template.defaulttags import ForNode

register = template.Library()


@register.tag
def tableau(parser, token):
    """`{% tableau "fr-table--multiline" %}<caption>…</caption>…<tbody>…</tbody>{% endtableau %}`: a DSFR table in
    its wrappers, the container focusable so that keyboard users can scroll a wide table on a narrow screen.
    `{% lignes rdv in rendez_vous %}` (the words of a `for`) after the head makes the body: what follows it up to
    `{% endtableau %}` is the cells of each row."""
    classes = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    contenu = parser.parse(("lignes", "endtableau"))
    lignes = None
    fin = parser.next_token()
    if fin.contents != "endtableau":
        lignes = _lignes(parser, fin)
    return TableauNode(classes, contenu, lignes)


def _lignes(parser, token):
    *variables, dans, suite = token.split_contents()[1:]
    if not variables or dans != "in":
        raise template.TemplateSyntaxError(f"'lignes' takes the words of a 'for': {token.contents}")
    cellules = parser.parse(("endtableau",))
    parser.delete_first_token()
    rangee = NodeList([TextNode("<tr>"), *cellules, TextNode("</tr>")])
    boucle = ForNode(re.split(r" *, *", " ".join(variables)), parser.compile_filter(suite), False, rangee)
    boucle.token = token
    return boucle


class TableauNode(template.Node):
    def __init__(self, classes, contenu, lignes):
        self.classes, self.contenu, self.lignes = classes, contenu, lignes

    def render(self, context):
        gabarit = context.template.engine.get_template("tableau.html")
        classes = " ".join(str(classe.resolve(context)) for classe in self.classes)
        # A node list renders to a safe string: what it holds was escaped as it was rendered.
        valeurs = {"classes": classes, "contenu": self.contenu.render(context)}
        if self.lignes is not None:
            valeurs["lignes"] = self.lignes.render(context)
        return gabarit.render(context.new(valeurs))
