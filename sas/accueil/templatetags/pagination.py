from django import template

register = template.Library()


@register.inclusion_tag("pagination.html", takes_context=True)
def pagination(context, page, label):
    """DSFR pagination of a Django `page`; its links keep the list's other GET parameters (search, filters).
    `label` names what is paginated, for screen readers."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    prefix = f"?{params.urlencode()}&" if params else "?"

    def url(number):
        return f"{prefix}page={number}"

    paginator = page.paginator
    numbers = paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return {
        "page": page,
        "label": label,
        "first": url(1) if page.number > 1 else "",
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "last": url(paginator.num_pages) if page.number < paginator.num_pages else "",
        "numbers": [(n, url(n) if isinstance(n, int) else "") for n in numbers],
    }
