from django import template

register = template.Library()


@register.inclusion_tag("pilotage/_taux.html")
def taux(label, part, ancre, denominateur):
    """A rate of the dashboard: shown only when neither those counted nor the others are fewer than 11."""
    return {"label": label, "part": part, "ancre": ancre, "denominateur": denominateur}
