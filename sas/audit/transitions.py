"""The one mechanism every stateful model moves through (journeys, referrals, check-ins, messages, diagnostics, import
batches, access requests): its table of moves, checked; the row locked and re-read; its append-only event written
with the row's update, in one transaction.

Each model declares its StateMachine in its own transitions module, with its French wording and what else moves with
it; this module knows none of them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone


class TransitionError(ValidationError):
    """A move the model's table or rules forbid; its message, in French, is for the person who tried."""


class StateMachine:
    """The moves of `model` between the states of `table` ({state: states it may move to}), each one written as an
    `event_model` row pointing to it through its `subject` foreign key.

    - `noun`, `pronoun`: how the French message of a move the table forbids, raised as `error`, names the row
      ("Cette orientation", "la": « Cette orientation est déjà « vue » : impossible de la passer à « envoyée » »);
      `refused(from_state, to_state)`: that message instead, where it says something else;
    - `field`: the model's state field; `changed_at`: its field dated with each move, if any;
    - `occurred_at`: the event's date field (None where the database dates it)."""

    def __init__(
        self,
        model,
        event_model,
        *,
        subject,
        table,
        noun=None,
        pronoun=None,
        refused=None,
        error=TransitionError,
        field="status",
        changed_at=None,
        occurred_at="occurred_at",
    ):
        self.model, self.event_model, self.subject = model, event_model, subject
        self.table, self.error = table, error
        self.noun, self.pronoun, self.refused = noun, pronoun, refused or self.refusal
        self.field, self.changed_at, self.occurred_at = field, changed_at, occurred_at
        # The table's keys are the model's choices: a state given as a plain string is read as one of them.
        self.states = type(next(iter(table)))

    def refusal(self, from_state, to_state):
        return (
            f"{self.noun} est déjà « {from_state.label.lower()} » : "
            f"impossible de {self.pronoun} passer à « {to_state.label.lower()} »."
        )

    def event(self, instance, to_state, *, from_state="", at, **fields):
        """The unsaved event of a move of `instance` (its first one by default)."""
        dated = {self.occurred_at: at} if self.occurred_at else {}
        return self.event_model(
            **{self.subject: instance}, from_status=from_state, to_status=to_state, **dated, **fields
        )

    def start(self, instance, *, at=None, **fields):
        """Save the new `instance`, in its initial state, with its first event."""
        at = at or timezone.now()
        if self.changed_at:
            setattr(instance, self.changed_at, at)
        with transaction.atomic():
            instance.save()
            self.event(instance, getattr(instance, self.field), at=at, **fields).save()
        return instance

    def transition(self, instance, to_state, *, at=None, values=None, check=None, then=None, locked=False, **fields):
        """Move `instance` to `to_state` and write exactly one event (with `fields`), or raise and write nothing.

        - `check(current)`: further validation, raising to refuse;
        - `values`: other fields updated with the state, or a function of the row giving them;
        - `then(current)`: what else moves in the same transaction (the journey of a referral…);
        - `locked`: the caller has locked and read the row (a message being sent), it is not read again.

        Otherwise the row is locked and re-read: of two concurrent calls, the second sees the first's state and is
        refused. `instance` gets the new values once the transaction is over. Returns the saved event."""
        to_state = self.states(to_state)
        at = at or timezone.now()
        with transaction.atomic():
            current = instance if locked else self.model.objects.select_for_update().get(pk=instance.pk)
            from_state = self.states(getattr(current, self.field))
            if to_state not in self.table[from_state]:
                raise self.error(self.refused(from_state, to_state), code="forbidden")
            if check is not None:
                check(current)
            moved = {self.field: to_state, **({self.changed_at: at} if self.changed_at else {})}
            moved |= (values(current) if callable(values) else values) or {}
            saved = self.event(current, to_state, from_state=from_state, at=at, **fields)
            saved.save()
            self.model.objects.filter(pk=current.pk).update(**moved)
            if then is not None:
                then(current)
        for name, value in moved.items():
            setattr(instance, name, value)
        return saved

    def fact(self, instance, kind, *, at=None, **fields):
        """The unsaved event of something that happened to `instance` without moving it (a reminder, a call…)."""
        # An event written without a kind is a status change: those go through transition().
        if kind == self.event_model._meta.get_field("kind").default:
            raise ValueError("Un changement de statut passe par transition().")
        state = getattr(instance, self.field)
        return self.event(instance, state, from_state=state, at=at or timezone.now(), kind=kind, **fields)

    def record_fact(self, instance, kind, **fields):
        """Write the event fact() builds; return it."""
        event = self.fact(instance, kind, **fields)
        event.save()
        return event
