"""The shape every status change shares (journeys, referrals, diagnostics, import batches): lock and re-read the
row, check the move against the model's table, write its append-only event, then update the row.

Each stateful model keeps its own transition function (its table, its French messages, what else moves with it);
this only removes the locking and bookkeeping they would otherwise repeat."""

from django.core.exceptions import ValidationError
from django.db import transaction


class TransitionError(ValidationError):
    """A move the model's table or rules forbid; its message, in French, is for the person who tried."""


def apply_transition(instance, to_state, *, field, table, refused, event, values=None, check=None, then=None):
    """Move `instance` to `to_state` and write exactly one event, or raise and write nothing.

    - `table`: {state: states it may move to};
    - `refused(current, to_state)`: the exception raised when the table forbids the move;
    - `check(current)`: further validation, raising to refuse (the row is locked and re-read);
    - `event(current)`: the unsaved event, built from the locked row (its state is still the one moved from);
    - `values`: other fields updated with the state (its date…);
    - `then(current)`: what else moves in the same transaction (the journey of a referral…).

    Two concurrent calls run one after the other: the second sees the first's state and is refused.
    `instance` gets the new values once the transaction is over. Returns the saved event."""
    model = type(instance)
    values = {field: to_state, **(values or {})}
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        if to_state not in table[getattr(current, field)]:
            raise refused(current, to_state)
        if check is not None:
            check(current)
        saved = event(current)
        saved.save()
        model.objects.filter(pk=current.pk).update(**values)
        if then is not None:
            then(current)
    for name, value in values.items():
        setattr(instance, name, value)
    return saved
