"""Forms of the evaluation screens; the rules (states, who, complete) live in the services."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from dualflow.catalog.models import Competency
from dualflow.evaluations.models import EvaluationScore
from dualflow.evaluations.services import COMMENT_MAX, GENERAL_COMMENT_MAX, LEVELS, REASON_MAX
from dualflow.forms import Form, options

# The radio value of an explicit "not assessed this time".
NOT_ASSESSED = "na"
LEVEL_CHOICES = options([*((str(level), str(level)) for level in LEVELS),
                         (NOT_ASSESSED, _l("n.v.t."))])


def score_field(competency_id: int) -> str:
    """The form field (and DomainError field) name of a competency's level."""
    return f"score-{competency_id}"


def comment_field(competency_id: int) -> str:
    """The form field (and DomainError field) name of a competency's comment."""
    return f"comment-{competency_id}"


class EvaluationForm(Form):
    """The mentor's form; `for_competencies` adds a level and a comment per competency."""

    general_comment = TextAreaField(_l("Algemene opmerking"),
                                    validators=[Optional(), Length(max=GENERAL_COMMENT_MAX)])
    # The evaluation's version when the form was loaded; empty for one not saved yet.
    seen_version = HiddenField()

    competency_ids: tuple[int, ...] = ()

    @classmethod
    def for_competencies(cls, competencies: Iterable[Competency], **kwargs) -> EvaluationForm:
        """A form with the fields of these competencies (the programme's, so it varies)."""
        competencies = list(competencies)

        class BoundEvaluationForm(cls):
            pass

        for competency in competencies:
            setattr(BoundEvaluationForm, score_field(competency.id),
                    RadioField(competency.title, choices=LEVEL_CHOICES,
                               validators=[Optional()]))
            setattr(BoundEvaluationForm, comment_field(competency.id),
                    TextAreaField(_l("Opmerking bij %(code)s", code=competency.code),
                                  validators=[Optional(), Length(max=COMMENT_MAX)]))
        BoundEvaluationForm.competency_ids = tuple(c.id for c in competencies)
        return BoundEvaluationForm(**kwargs)

    def fill_from(self, general_comment: str, version: int | None,
                  scores: dict[int, EvaluationScore]) -> None:
        """Show the stored evaluation (levels, comments, version) in the form."""
        self.general_comment.data = general_comment
        self.seen_version.data = "" if version is None else str(version)
        for competency_id in self.competency_ids:
            row = scores.get(competency_id)
            if row is not None:
                self.score(competency_id).data = (
                    NOT_ASSESSED if row.level is None else str(row.level))
                self.comment(competency_id).data = row.comment

    def score(self, competency_id: int) -> RadioField:
        """The level field of a competency."""
        return self[score_field(competency_id)]

    def comment(self, competency_id: int) -> TextAreaField:
        """The comment field of a competency."""
        return self[comment_field(competency_id)]

    def scores(self) -> dict[int, int | None]:
        """{competency_id: level}, None for n.v.t.; competencies left open are left out."""
        chosen: dict[int, int | None] = {}
        for competency_id in self.competency_ids:
            # `Optional` lets a blank answer (spaces, a tab) through unchecked: it is left open.
            value = (self.score(competency_id).data or "").strip()
            if value == NOT_ASSESSED:
                chosen[competency_id] = None
            elif value:
                chosen[competency_id] = int(value)
        return chosen

    def comments(self) -> dict[int, str]:
        """{competency_id: comment} as typed."""
        return {competency_id: self.comment(competency_id).data or ""
                for competency_id in self.competency_ids}

    def version_seen(self) -> int | None:
        """The version the form was loaded with, None for a first save."""
        raw = (self.seen_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class ReviewForm(Form):
    """The school marks a submitted evaluation reviewed, with its comment."""

    school_comment = TextAreaField(_l("Opmerking van de school"),
                                   validators=[Optional(), Length(max=GENERAL_COMMENT_MAX)])


class SendBackForm(Form):
    """The school sends a submitted evaluation back to the mentor, with the reason."""

    # Required, but the service says so (in words the mentor's reviewer understands).
    reason = TextAreaField(_l("Reden voor de mentor"),
                           validators=[Optional(), Length(max=REASON_MAX)])


class ReflectionLinkForm(Form):
    """Confirm sending the self-reflection link to the learner."""


class ReflectionForm(Form):
    """The learner's self-reflection."""

    text = TextAreaField(_l("Jouw zelfreflectie"),
                         validators=[Optional(), Length(max=GENERAL_COMMENT_MAX)])
