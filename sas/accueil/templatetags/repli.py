from django import template

register = template.Library()


@register.tag
def repli(parser, token):
    """`{% repli "id" "Plus de filtres" ouvert %}…{% endrepli %}`: content folded under a DSFR accordion button, open
    when `ouvert` is true (a filter set, an error to show), and readable without JavaScript."""
    identifiant, titre, ouvert = (parser.compile_filter(bit) for bit in token.split_contents()[1:])
    contenu = parser.parse(("endrepli",))
    parser.delete_first_token()
    return RepliNode(identifiant, titre, ouvert, contenu)


class RepliNode(template.Node):
    def __init__(self, identifiant, titre, ouvert, contenu):
        self.identifiant, self.titre, self.ouvert, self.contenu = identifiant, titre, ouvert, contenu

    def render(self, context):
        gabarit = context.template.engine.get_template("repli.html")
        valeurs = {
            "identifiant": self.identifiant.resolve(context),
            "titre": self.titre.resolve(context),
            "ouvert": bool(self.ouvert.resolve(context)),
            # A node list renders to a safe string: what it holds was escaped as it was rendered.
            "contenu": self.contenu.render(context),
        }
        return gabarit.render(context.new(valeurs))
