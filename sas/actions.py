"""What a view does around an action posted from a page: the form's errors and the action's refusal come back as
French messages on the page the user is sent back to, so that nothing a person typed is silently lost."""

from contextlib import contextmanager
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.views.decorators.http import require_POST


def formulaire_valide(request, form):
    """Whether the posted form is valid; if not, each error becomes a message, led by its field's label."""
    if form.is_valid():
        return True
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error)
    return False


@contextmanager
def refus_en_message(request, refus=ValidationError):
    """Runs the block; a refusal (`refus`, a ValidationError by default) stops it and becomes the error message."""
    try:
        yield
    except refus as error:
        messages.error(request, error.messages[0] if isinstance(error, ValidationError) else str(error))


def action_postee(objet, retour, formulaire=None):
    """Decorates `action(request, obj[, data])` into the view of a form posted on one object: `objet(request,
    **url_parameters)` finds it among what the user may act on (404 otherwise), `formulaire(request, obj)` binds the
    form when there is one. An invalid form skips the action, a refused one stops it; then `retour(request, obj)`."""

    def decorator(action):
        @login_required
        @require_POST
        @wraps(action)
        def view(request, **parameters):
            obj = objet(request, **parameters)
            form = formulaire(request, obj) if formulaire else None
            if form is None or formulaire_valide(request, form):
                with refus_en_message(request):
                    action(request, obj, *([form.cleaned_data] if form else []))
            return retour(request, obj)

        return view

    return decorator
