from django import template

register = template.Library()


@register.tag
def tableau(parser, token):
    """`{% tableau "fr-table--multiline" %}<caption>…</caption>…<tbody>…</tbody>{% endtableau %}`: a DSFR table in
    its wrappers, the container focusable so that keyboard users can scroll a wide table on a narrow screen."""
    classes = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    contenu = parser.parse(("endtableau",))
    parser.delete_first_token()
    return TableauNode(classes, contenu)


class TableauNode(template.Node):
    def __init__(self, classes, contenu):
        self.classes, self.contenu = classes, contenu

    def render(self, context):
        gabarit = context.template.engine.get_template("tableau.html")
        classes = " ".join(str(classe.resolve(context)) for classe in self.classes)
        # A node list renders to a safe string: what it holds was escaped as it was rendered.
        return gabarit.render(context.new({"classes": classes, "contenu": self.contenu.render(context)}))
