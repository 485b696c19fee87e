"""Whole numbers from outside (paths, query strings, form fields) within what the database stores.

Ids and counts are `integer` columns: PostgreSQL refuses a number beyond 2**31 - 1 with an
error instead of finding nothing. So a path with a larger number matches no route (404), a form
field says it is out of range, and a query-string filter with one counts as an unknown value.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

# The largest value of a PostgreSQL `integer` (and of every id column).
MAX_INTEGER = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """The `int` URL converter, refusing numbers the database cannot hold (the route: 404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        bound = MAX_INTEGER if max is None or max > MAX_INTEGER else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


def in_range(value: Any) -> bool:
    """Whether `value` is an int the database can hold (ids and counts are never negative)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER


def coerce_id(value: Any) -> int:
    """`coerce` for select fields of ids and years: an out-of-range number is no valid choice."""
    number = int(value)
    if not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise ValueError(_l("Dit getal is te groot."))
    return number


def database_range(minimum: int = 0) -> NumberRange:
    """A validator: from `minimum` up to the largest number the database holds, in Dutch."""
    return NumberRange(min=minimum, max=MAX_INTEGER,
                       message=_l("Kies een getal van %(min)s tot %(max)s."))


def IdField(label: Any = None, **kwargs: Any) -> IntegerField:
    """An optional id field (a filter kept in the URL): a positive number in the database range."""
    return IntegerField(label, validators=[Optional(), database_range(1)], **kwargs)


def int_arg(name: str, source: Any = None) -> int | None:
    """The query-string (or `source`) argument `name` as an id: None when absent, not a number,
    or out of range, as for any unknown value."""
    value = (request.args if source is None else source).get(name, type=int)
    return value if in_range(value) else None
