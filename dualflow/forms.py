"""The base of every form: text fields never keep control characters they cannot mean.

A line break typed (or pasted) into a name ends up in e-mail subjects, PDF headers and CSV
cells; a tab or an escape sequence is never meant. Every `StringField` of a form built on
`Form` or `PlainForm` gets `single_line` as its first filter; text areas keep their line
breaks and tabs but lose the other control characters (`multi_line`: PostgreSQL refuses a NUL
in text); passwords and hidden fields are left alone (see `NOT_SINGLE_LINE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Form as WTForm
from wtforms import SelectChoice
from wtforms.fields import HiddenField, PasswordField, StringField, TextAreaField

# C0 controls (line breaks and tabs included), DEL, C1 controls, and the Unicode line and
# paragraph separators, with the spaces around them: each run becomes one space.
_CONTROL_RUN = re.compile(r"[ ]*[\x00-\x1f\x7f-\x9f\u2028\u2029]+[\x00-\x20\x7f-\x9f\u2028\u2029]*")

# Control characters other than tab, line feed and carriage return.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Several lines on purpose; a password exactly as typed; a hidden value is the application's
# own (a version, a return path) and is checked, never rewritten into something else.
NOT_SINGLE_LINE = (TextAreaField, PasswordField, HiddenField)


def single_line(value: Any) -> Any:
    """Text with every run of control characters replaced by one space, stripped."""
    if not isinstance(value, str):
        return value
    return _CONTROL_RUN.sub(" ", value).strip()


def multi_line(value: Any) -> Any:
    """Text of several lines without control characters other than tabs and line breaks."""
    if not isinstance(value, str):
        return value
    return _CONTROL_IN_TEXT.sub("", value)


def _is_single_line(field_class: type) -> bool:
    return issubclass(field_class, StringField) and not issubclass(
        field_class, NOT_SINGLE_LINE
    )


class _SingleLineMeta:
    """Form meta that puts the text cleaning in front of every text field's filters."""

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        cleaning = (single_line if _is_single_line(field_class)
                    else multi_line if issubclass(field_class, TextAreaField) else None)
        if cleaning is not None:
            filters = list(unbound_field.kwargs.get("filters") or ())
            if cleaning not in filters:
                options = {**options, "filters": [cleaning, *filters]}
        return super().bind_field(form, unbound_field, options)


class Form(FlaskForm):
    """A form that is posted (CSRF-protected), with clean single-line fields."""

    class Meta(_SingleLineMeta):
        pass


class PlainForm(WTForm):
    """A form read from the query string (filters, search), with clean single-line fields."""

    class Meta(_SingleLineMeta):
        pass


def options(pairs: Iterable[tuple[Any, Any]], *, optgroup: str | None = None
            ) -> list[SelectChoice]:
    """`(value, label)` pairs as the choices of a SelectField, SelectMultipleField or
    RadioField: `SelectChoice`s, the one form WTForms keeps (tuples go in WTForms 3.4)."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


def grouped(groups: dict[str, list[tuple[Any, Any]]]) -> list[SelectChoice]:
    """Choices in `<optgroup>`s, one per key (in order) with its `(value, label)` pairs."""
    return [choice for name, pairs in groups.items() for choice in options(pairs, optgroup=name)]


def choice_labels(choices: Iterable[SelectChoice] | None) -> dict[Any, str]:
    """Value -> label of a field's choices (to show what a filter is set to)."""
    return {choice.value: choice.label for choice in choices or ()}
