"""A list-of-strings column that can be searched for overlap in SQL on PostgreSQL and SQLite alike.

Stored as JSON on both (jsonb on PostgreSQL, with a GIN index created by the migration); the `overlaps`
lookup compiles to `?|` (served by that index) on PostgreSQL and to a `json_each` scan on SQLite.
"""

from django.db import models


class TagsField(models.JSONField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


@TagsField.register_lookup
class Overlaps(models.Lookup):
    """Rows whose list shares at least one value with the given iterable of strings."""

    lookup_name = "overlaps"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [sorted(set(value))])

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} ?| %s::text[]", (*lhs_params, sorted(set(self.rhs)))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = sorted(set(self.rhs))
        if not values:
            return "1 = 0", ()
        placeholders = ", ".join(["%s"] * len(values))
        # Only the column and "%s" placeholders are interpolated; values go as parameters.
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value IN ({placeholders}))",  # noqa: S608
            (*lhs_params, *values),
        )
