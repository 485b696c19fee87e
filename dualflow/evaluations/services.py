"""Evaluations: the mentor's draft and submission, the school's review, the learner's reflection.

State machine of an evaluation moment: planned → draft (first save) → submitted → reviewed, plus
submitted → draft (the school sends it back with a reason). After submission the evaluation is
read-only for the mentor; once reviewed it is locked for everybody (only the learner's
self-reflection can still be added). Each transition is audited and refused with a clear message
when the moment is not in a state that allows it.

Concurrent edits: the form carries the version it was loaded with (`seen_version`). A save with
an older version is refused with `ConcurrentEdit` and nothing is written; the ORM's version
column (`UPDATE ... WHERE version = :seen`) catches the race between the check and the write.

A score row means the mentor made a choice: a level 1-4, or no level = n.v.t. (not assessed this
time). A competency without a row is still open; submitting needs a choice for every workplace
competency of the programme.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from dualflow import audit, policy, tokens
from dualflow.accounts.models import AccessToken, User
from dualflow.catalog.models import Competency, Programme, School
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import ConcurrentEdit, DomainError, NotAllowed
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.learners.models import Learner
from dualflow.modelbase import CompetencyLocation, EvaluationStatus, utcnow
from dualflow.trajectories.models import Placement, Trajectory

S = EvaluationStatus

LEVELS = (1, 2, 3, 4)
WORKPLACE_LOCATIONS = (CompetencyLocation.WORKPLACE.value, CompetencyLocation.BOTH.value)
# Evaluations that count for the level history and the progress report.
FINAL_STATUSES = (S.SUBMITTED.value, S.REVIEWED.value)

COMMENT_MAX = 2000
GENERAL_COMMENT_MAX = 4000
REASON_MAX = 2000

# The scale's labels; the form shows the number and the label on each button.
LEVEL_LABELS = {
    1: _l("niet verworven"),
    2: _l("in ontwikkeling"),
    3: _l("verworven"),
    4: _l("zelfstandig"),
}
NOT_ASSESSED_LABEL = _l("n.v.t.")

STATUS_LABELS = {
    S.PLANNED.value: _l("gepland"),
    S.DRAFT.value: _l("ontwerp"),
    S.SUBMITTED.value: _l("ingediend"),
    S.REVIEWED.value: _l("nagekeken"),
}

# action: (states it may start from, message when refused)
TRANSITIONS: dict[str, tuple[tuple[str, ...], Any]] = {
    "save": (
        (S.PLANNED.value, S.DRAFT.value),
        _l("Deze evaluatie is ‘%(status)s’ en kan niet meer gewijzigd worden."),
    ),
    "submit": (
        (S.DRAFT.value,),
        _l("Alleen een evaluatie in ontwerp kan ingediend worden; deze evaluatie is "
           "‘%(status)s’."),
    ),
    "review": (
        (S.SUBMITTED.value,),
        _l("Alleen een ingediende evaluatie kan nagekeken worden; deze evaluatie is "
           "‘%(status)s’."),
    ),
    "send_back": (
        (S.SUBMITTED.value,),
        _l("Alleen een ingediende evaluatie kan teruggestuurd worden; deze evaluatie is "
           "‘%(status)s’."),
    ),
    "reflect": (
        FINAL_STATUSES,
        _l("Een zelfreflectie kan pas wanneer de evaluatie ingediend is; deze evaluatie is "
           "‘%(status)s’."),
    ),
}


def status_label(status: str) -> str:
    """The Dutch (translatable) label of a status."""
    return str(STATUS_LABELS.get(status, status))


def level_label(level: int | None) -> str:
    """'3 · verworven', or 'n.v.t.' for a competency not assessed this time."""
    if level is None:
        return str(NOT_ASSESSED_LABEL)
    return f"{level} · {LEVEL_LABELS.get(level, '')}"


def _concurrent() -> ConcurrentEdit:
    return ConcurrentEdit(
        _("Iemand anders heeft deze evaluatie intussen bewaard. Jouw wijzigingen zijn niet "
          "bewaard; open de evaluatie opnieuw om de laatste versie te zien.")
    )


# --- who may act ---------------------------------------------------------------------------

def mentor_of(session: Session, moment: EvaluationMoment, actor: Any) -> Mentor | None:
    """The actor's mentor record when the actor guides the placement covering the moment."""
    return policy.mentor_of(session, moment, actor)


def _require_mentor(session: Session, moment: EvaluationMoment, actor: Any) -> Mentor:
    policy.require_may(actor, "evaluation.write", moment, session=session)
    mentor = mentor_of(session, moment, actor)
    if mentor is None:  # the rule just held; a concurrent change of the placement
        raise NotAllowed(str(policy.RULES["evaluation.write"].refusal))
    return mentor


def may_review(actor: User, trajectory: Trajectory) -> bool:
    """Whether `actor` is a coordinator of the trajectory's school (see the policy)."""
    return policy.may(actor, "evaluation.review", trajectory)


def _require_reviewer(session: Session, moment: EvaluationMoment, actor: User) -> None:
    trajectory = session.get(Trajectory, moment.trajectory_id)
    if trajectory is None:
        raise NotAllowed(str(policy.RULES["evaluation.review"].refusal))
    policy.require_may(actor, "evaluation.review", trajectory, session=session)


# --- helpers -------------------------------------------------------------------------------

def workplace_competencies(session: Session, moment: EvaluationMoment) -> list[Competency]:
    """The programme's competencies the mentor evaluates (workplace and both), in order."""
    return list(
        session.execute(
            select(Competency)
            .join(Trajectory, Trajectory.programme_id == Competency.programme_id)
            .where(Trajectory.id == moment.trajectory_id,
                   Competency.location.in_(WORKPLACE_LOCATIONS))
            .order_by(Competency.position, Competency.id)
        ).scalars()
    )


def evaluation_of(session: Session, moment: EvaluationMoment) -> Evaluation | None:
    """The moment's evaluation as stored now (not as cached in the session)."""
    return session.execute(
        select(Evaluation)
        .where(Evaluation.moment_id == moment.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _stored(session: Session, moment: EvaluationMoment) -> Evaluation:
    """The evaluation of a moment past 'planned' (which always has one)."""
    evaluation = evaluation_of(session, moment)
    if evaluation is None:
        raise DomainError(_("Voor dit evaluatiemoment is nog niets ingevuld."))
    return evaluation


def scores_of(session: Session, evaluation: Evaluation) -> dict[int, EvaluationScore]:
    """The evaluation's score rows by competency id."""
    rows = session.execute(
        select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
    ).scalars()
    return {row.competency_id: row for row in rows}


def _lock(session: Session, moment: EvaluationMoment, action: str) -> None:
    """Re-read the moment under a row lock and refuse when `action` is not allowed from it."""
    session.refresh(moment, with_for_update=True)
    sources, message = TRANSITIONS[action]
    if moment.status not in sources:
        raise DomainError(str(message) % {"status": status_label(moment.status)})


def _check_length(text: str, maximum: int, field: str) -> None:
    if len(text) > maximum:
        raise DomainError(_("Deze tekst is te lang (max. %(count)d tekens).", count=maximum),
                          field=field)


def _clean_scores(scores: dict[int, int | None], comments: dict[int, str],
                  allowed: dict[int, Competency]) -> dict[int, tuple[int | None, str]]:
    """Validated {competency_id: (level, comment)}; refuses foreign competencies and levels."""
    cleaned: dict[int, tuple[int | None, str]] = {}
    for competency_id, level in scores.items():
        if competency_id not in allowed:
            raise DomainError(
                _("Deze competentie hoort niet bij de werkplekcompetenties van deze opleiding."),
                field=f"score-{competency_id}",
            )
        if level is not None and (isinstance(level, bool) or level not in LEVELS):
            raise DomainError(_("Kies een niveau van 1 tot 4, of n.v.t."),
                              field=f"score-{competency_id}")
        cleaned[competency_id] = (level, "")
    for competency_id, raw in comments.items():
        comment = (raw or "").strip()
        if not comment:
            continue
        if competency_id not in allowed:
            raise DomainError(
                _("Deze competentie hoort niet bij de werkplekcompetenties van deze opleiding."),
                field=f"comment-{competency_id}",
            )
        if competency_id not in cleaned:
            raise DomainError(
                _("Kies bij ‘%(competency)s’ een niveau of n.v.t. om de opmerking te bewaren.",
                  competency=allowed[competency_id].title),
                field=f"score-{competency_id}",
            )
        _check_length(comment, COMMENT_MAX, f"comment-{competency_id}")
        cleaned[competency_id] = (cleaned[competency_id][0], comment)
    return cleaned


def _flush(session: Session) -> None:
    """Flush, turning a lost race on the version column into ConcurrentEdit."""
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as error:
        if isinstance(error, IntegrityError) and "moment_id" not in str(error.orig):
            raise
        raise _concurrent() from error


# --- the mentor ----------------------------------------------------------------------------

def save_draft(session: Session, *, actor: User, moment: EvaluationMoment,
               scores: dict[int, int | None], comments: dict[int, str],
               general_comment: str, seen_version: int | None) -> Evaluation:
    """Save the mentor's form as a draft (the whole form: a competency left out is open again).

    `seen_version` is the version the form was loaded with (None for an evaluation not yet
    saved); when somebody saved in between, ConcurrentEdit is raised and nothing is written.
    """
    mentor = _require_mentor(session, moment, actor)
    _lock(session, moment, "save")
    allowed = {competency.id: competency for competency in workplace_competencies(session, moment)}
    cleaned = _clean_scores(scores, comments, allowed)
    general = (general_comment or "").strip()
    _check_length(general, GENERAL_COMMENT_MAX, "general_comment")

    evaluation = evaluation_of(session, moment)
    if evaluation is not None and evaluation.version != seen_version:
        raise _concurrent()

    with session.begin_nested():
        created = evaluation is None
        if evaluation is None:
            evaluation = Evaluation(moment_id=moment.id, mentor_id=mentor.id)
            session.add(evaluation)
            before_scores: dict[int, EvaluationScore] = {}
            before_general = ""
        else:
            before_scores = scores_of(session, evaluation)
            before_general = evaluation.general_comment
        evaluation.general_comment = general
        evaluation.mentor_id = mentor.id
        # Always touched, so that the version moves even when only scores change.
        evaluation.updated_at = utcnow()
        _flush(session)

        changes: dict[str, Any] = {}
        for competency_id, row in before_scores.items():
            if competency_id not in cleaned:
                changes[f"score.{competency_id}"] = [[row.level, row.comment], None]
                session.delete(row)
        for competency_id, (level, comment) in cleaned.items():
            row = before_scores.get(competency_id)
            if row is None:
                session.add(EvaluationScore(evaluation_id=evaluation.id,
                                            competency_id=competency_id,
                                            level=level, comment=comment))
                changes[f"score.{competency_id}"] = [None, [level, comment]]
            elif (row.level, row.comment) != (level, comment):
                changes[f"score.{competency_id}"] = [[row.level, row.comment], [level, comment]]
                row.level, row.comment = level, comment
        if before_general != general:
            changes["general_comment"] = [before_general, general]
        if moment.status != S.DRAFT.value:
            changes["status"] = [moment.status, S.DRAFT.value]
            moment.status = S.DRAFT.value
        _flush(session)

    audit.record(session, actor=actor,
                 action="evaluation.created" if created else "evaluation.saved",
                 entity=evaluation, changes={"moment_id": moment.id, **changes})
    return evaluation


def submit(session: Session, *, actor: User, moment: EvaluationMoment,
           seen_version: int | None = None) -> Evaluation:
    """Draft → submitted, when every workplace competency has a level or an explicit n.v.t.

    With `seen_version`, a submission of a form that somebody saved since is refused.
    """
    _require_mentor(session, moment, actor)
    _lock(session, moment, "submit")
    evaluation = _stored(session, moment)
    if seen_version is not None and evaluation.version != seen_version:
        raise _concurrent()
    chosen = scores_of(session, evaluation)
    missing = [c for c in workplace_competencies(session, moment) if c.id not in chosen]
    if missing:
        raise DomainError(
            _("Kies bij elke competentie een niveau of n.v.t. voor je indient; nog open: "
              "%(competencies)s.", competencies=", ".join(c.title for c in missing)),
            field=f"score-{missing[0].id}",
        )
    with session.begin_nested():
        before_reason = evaluation.sent_back_reason
        evaluation.submitted_at = utcnow()
        evaluation.updated_at = evaluation.submitted_at
        evaluation.sent_back_reason = ""
        moment.status = S.SUBMITTED.value
        _flush(session)
    audit.record(session, actor=actor, action="evaluation.submitted", entity=evaluation,
                 changes={"moment_id": moment.id, "status": [S.DRAFT.value, S.SUBMITTED.value],
                          **({"sent_back_reason": [before_reason, ""]} if before_reason else {})})
    return evaluation


# --- the school ----------------------------------------------------------------------------

def review(session: Session, *, actor: User, moment: EvaluationMoment,
           school_comment: str) -> Evaluation:
    """Submitted → reviewed, with the school's comment; the evaluation is locked afterwards."""
    _require_reviewer(session, moment, actor)
    _lock(session, moment, "review")
    comment = (school_comment or "").strip()
    _check_length(comment, GENERAL_COMMENT_MAX, "school_comment")
    evaluation = _stored(session, moment)
    with session.begin_nested():
        evaluation.school_comment = comment
        evaluation.reviewed_at = utcnow()
        evaluation.reviewed_by_id = actor.id
        evaluation.updated_at = evaluation.reviewed_at
        moment.status = S.REVIEWED.value
        _flush(session)
    audit.record(session, actor=actor, action="evaluation.reviewed", entity=evaluation,
                 changes={"moment_id": moment.id,
                          "status": [S.SUBMITTED.value, S.REVIEWED.value],
                          "school_comment": comment})
    return evaluation


def send_back(session: Session, *, actor: User, moment: EvaluationMoment,
              reason: str) -> Evaluation:
    """Submitted → draft, with the reason the mentor gets to see; the mentor can edit again."""
    _require_reviewer(session, moment, actor)
    _lock(session, moment, "send_back")
    text = (reason or "").strip()
    if not text:
        raise DomainError(_("Geef de reden waarom je de evaluatie terugstuurt."), field="reason")
    _check_length(text, REASON_MAX, "reason")
    evaluation = _stored(session, moment)
    with session.begin_nested():
        evaluation.sent_back_reason = text
        evaluation.submitted_at = None
        evaluation.updated_at = utcnow()
        moment.status = S.DRAFT.value
        _flush(session)
    audit.record(session, actor=actor, action="evaluation.sent_back", entity=evaluation,
                 changes={"moment_id": moment.id, "status": [S.SUBMITTED.value, S.DRAFT.value],
                          "sent_back_reason": text})
    return evaluation


# --- the learner ---------------------------------------------------------------------------

def add_self_reflection(session: Session, *, moment: EvaluationMoment, text: str) -> Evaluation:
    """The learner's self-reflection (once), on a submitted or reviewed evaluation.

    Called from the learner's single-use link; the link itself is checked by the caller.
    """
    _lock(session, moment, "reflect")
    body = (text or "").strip()
    if not body:
        raise DomainError(_("Schrijf je zelfreflectie."), field="text")
    _check_length(body, GENERAL_COMMENT_MAX, "text")
    evaluation = _stored(session, moment)
    if evaluation.self_reflection:
        raise DomainError(_("De zelfreflectie bij deze evaluatie is al bewaard."))
    with session.begin_nested():
        evaluation.self_reflection = body
        evaluation.self_reflection_at = utcnow()
        evaluation.updated_at = evaluation.self_reflection_at
        _flush(session)
    audit.record(session, actor=None, action="evaluation.self_reflection", entity=evaluation,
                 changes={"moment_id": moment.id, "by": "learner"})
    return evaluation


# --- levels over time ----------------------------------------------------------------------

def level_history(session: Session, trajectory_id: int
                  ) -> dict[int, list[tuple[EvaluationMoment, int | None]]]:
    """Per competency, (moment, level) of every submitted or reviewed evaluation, by due date.

    A level None is an explicit n.v.t.; one query.
    """
    rows = session.execute(
        select(EvaluationMoment, EvaluationScore.competency_id, EvaluationScore.level)
        .join(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
        .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
        .where(EvaluationMoment.trajectory_id == trajectory_id,
               EvaluationMoment.status.in_(FINAL_STATUSES))
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
    ).all()
    history: dict[int, list[tuple[EvaluationMoment, int | None]]] = defaultdict(list)
    for moment, competency_id, level in rows:
        history[competency_id].append((moment, level))
    return dict(history)


def latest_levels(session: Session, trajectory_id: int) -> dict[int, int | None]:
    """Per workplace competency, the latest assessed level (n.v.t. keeps the earlier one).

    A competency never assessed has None. Two queries.
    """
    competency_ids = session.execute(
        select(Competency.id)
        .join(Trajectory, Trajectory.programme_id == Competency.programme_id)
        .where(Trajectory.id == trajectory_id, Competency.location.in_(WORKPLACE_LOCATIONS))
    ).scalars()
    latest: dict[int, int | None] = dict.fromkeys(competency_ids)
    for competency_id, entries in level_history(session, trajectory_id).items():
        assessed = [level for _moment, level in entries if level is not None]
        latest[competency_id] = assessed[-1] if assessed else latest.get(competency_id)
    return latest


# --- the evaluation page -------------------------------------------------------------------

MENTOR, REVIEWER, READER = "mentor", "reviewer", "reader"
EDITABLE_STATUSES = TRANSITIONS["save"][0]


@dataclass
class MomentContext:
    """What the evaluation page shows around the form: who, what, where."""

    moment: EvaluationMoment
    trajectory: Trajectory
    learner: Learner
    programme: Programme
    school: School
    # The placement covering the moment's due date; None when no placement covers it.
    placement: Placement | None
    site: Site | None
    company: Company | None
    mentor: Mentor | None


def moment_context(session: Session, moment: EvaluationMoment) -> MomentContext:
    """The moment's trajectory, learner, programme, school and the workplace on its due date."""
    trajectory, learner, programme, school = session.execute(
        select(Trajectory, Learner, Programme, School)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(School, School.id == Trajectory.school_id)
        .where(Trajectory.id == moment.trajectory_id)
    ).one()
    covering = session.execute(
        select(Placement, Site, Company, Mentor)
        .join(Site, Site.id == Placement.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .where(Placement.trajectory_id == moment.trajectory_id,
               Placement.starts_on <= moment.due_on, Placement.ends_on >= moment.due_on)
        .order_by(Placement.starts_on.desc(), Placement.id.desc())
        .limit(1)
    ).one_or_none()
    placement, site, company, mentor = covering if covering else (None, None, None, None)
    return MomentContext(moment=moment, trajectory=trajectory, learner=learner,
                         programme=programme, school=school, placement=placement, site=site,
                         company=company, mentor=mentor)


def viewer_role(session: Session, actor: User, context: MomentContext) -> str:
    """MENTOR (guides the placement covering the moment), REVIEWER (the school) or READER.

    Whether the user may see the moment at all is the policy's question, asked before.
    """
    if policy.may(actor, "evaluation.write", context.moment, session=session):
        return MENTOR
    if may_review(actor, context.trajectory):
        return REVIEWER
    return READER


def previous_levels(session: Session, moment: EvaluationMoment
                    ) -> dict[int, tuple[EvaluationMoment, int]]:
    """Per competency, the last level assessed before this moment, with the moment it was at.

    Only submitted and reviewed evaluations of earlier moments count; n.v.t. keeps the level
    before it. One query.
    """
    previous: dict[int, tuple[EvaluationMoment, int]] = {}
    for competency_id, entries in level_history(session, moment.trajectory_id).items():
        for earlier, level in entries:
            if (earlier.due_on, earlier.id) >= (moment.due_on, moment.id):
                break
            if level is not None:
                previous[competency_id] = (earlier, level)
    return previous


# --- the learner's self-reflection link ----------------------------------------------------

REFLECTION_PURPOSE = "self_reflection"
REFLECTION_SUBJECT = "evaluation_moments"
REFLECTION_LINK_DAYS = 14


class ReflectionLinkRefused(DomainError):
    """The link is unknown, used, expired, or its evaluation is no longer open for reflection.

    `reason` is one of unknown, used, done, expired, reopened; `language` is the learner's,
    when the link was found, so that the refusal can speak it.
    """

    def __init__(self, message: str, *, reason: str, language: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.language = language


@dataclass
class ReflectionLink:
    """An open self-reflection link and what the learner gets to see."""

    token: AccessToken
    context: MomentContext
    evaluation: Evaluation
    competencies: list[Competency]
    scores: dict[int, EvaluationScore]


def latest_reflection_link(session: Session, moment: EvaluationMoment) -> AccessToken | None:
    """The latest self-reflection link sent for the moment, used or not."""
    return session.execute(
        select(AccessToken)
        .where(AccessToken.purpose == REFLECTION_PURPOSE,
               AccessToken.subject_type == REFLECTION_SUBJECT,
               AccessToken.subject_id == moment.id)
        .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def issue_reflection_link(session: Session, *, actor: User, moment: EvaluationMoment,
                          now: datetime | None = None) -> tuple[str, Learner]:
    """A new single-use link for the learner's self-reflection; earlier unused ones stop working.

    Only the school, on a submitted or reviewed evaluation without a reflection yet, and only
    when the learner's e-mail address is known. Returns the raw token and the learner.
    """
    _require_reviewer(session, moment, actor)
    _lock(session, moment, "reflect")
    evaluation = _stored(session, moment)
    if evaluation.self_reflection:
        raise DomainError(_("De lerende heeft de zelfreflectie bij deze evaluatie al ingevuld."))
    learner = session.execute(
        select(Learner).join(Trajectory, Trajectory.learner_id == Learner.id)
        .where(Trajectory.id == moment.trajectory_id)
    ).scalar_one()
    if not learner.email or learner.anonymised_at is not None:
        raise DomainError(
            _("Van %(name)s is geen e-mailadres bekend. Vul het aan bij de gegevens van de "
              "lerende en verstuur de link dan.",
              name=f"{learner.first_name} {learner.last_name}"))
    now = now or utcnow()
    # Learners have no account, so tokens.issue cannot retire the earlier links by user.
    session.execute(
        update(AccessToken)
        .where(AccessToken.purpose == REFLECTION_PURPOSE,
               AccessToken.subject_type == REFLECTION_SUBJECT,
               AccessToken.subject_id == moment.id,
               AccessToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    raw = tokens.issue(session, purpose=REFLECTION_PURPOSE,
                       lifetime=timedelta(days=REFLECTION_LINK_DAYS),
                       subject_type=REFLECTION_SUBJECT, subject_id=moment.id, now=now)
    audit.record(session, actor=actor, action="evaluation.reflection_link_sent",
                 entity=evaluation, changes={"moment_id": moment.id, "to": "learner"})
    return raw, learner


_REFUSALS = {
    "unknown": _l("Deze link bestaat niet. Kijk na of je de volledige link uit de e-mail "
                  "gebruikte."),
    "used": _l("Deze link is al gebruikt of vervangen door een nieuwere link."),
    "done": _l("Je zelfreflectie bij deze evaluatie is al bewaard. Bedankt!"),
    "expired": _l("Deze link is verlopen."),
    "reopened": _l("De mentor past deze evaluatie nog aan. Je krijgt een nieuwe link "
                   "wanneer ze klaar is."),
}


def refusal_message(reason: str) -> str:
    """Why a self-reflection link cannot be used, in the current language."""
    return str(_REFUSALS[reason])


def _refused_link(reason: str, language: str | None = None) -> ReflectionLinkRefused:
    return ReflectionLinkRefused(refusal_message(reason), reason=reason, language=language)


def open_reflection_link(session: Session, *, raw: str,
                         now: datetime | None = None) -> ReflectionLink:
    """The evaluation behind a self-reflection link, without using the link.

    Raises ReflectionLinkRefused, with the reason, when the link cannot be used.
    """
    now = now or utcnow()
    token = session.execute(
        select(AccessToken).where(AccessToken.token_hash == tokens.hash_token(raw or ""),
                                  AccessToken.purpose == REFLECTION_PURPOSE)
    ).scalar_one_or_none()
    moment = (session.get(EvaluationMoment, token.subject_id)
              if token and token.subject_type == REFLECTION_SUBJECT and token.subject_id
              else None)
    if token is None or moment is None:
        raise _refused_link("unknown")
    context = moment_context(session, moment)
    language = context.learner.language
    evaluation = evaluation_of(session, moment)
    if token.used_at is not None:
        done = evaluation is not None and bool(evaluation.self_reflection)
        raise _refused_link("done" if done else "used", language)
    if token.expires_at <= now:
        raise _refused_link("expired", language)
    if evaluation is None or moment.status not in FINAL_STATUSES:
        raise _refused_link("reopened", language)
    if evaluation.self_reflection:
        raise _refused_link("done", language)
    return ReflectionLink(token=token, context=context, evaluation=evaluation,
                          competencies=workplace_competencies(session, moment),
                          scores=scores_of(session, evaluation))


def reflect_with_link(session: Session, *, raw: str, text: str,
                      now: datetime | None = None) -> Evaluation:
    """Store the learner's self-reflection and use the link up (only when the text is valid)."""
    link = open_reflection_link(session, raw=raw, now=now)
    body = (text or "").strip()
    if not body:
        raise DomainError(_("Schrijf je zelfreflectie."), field="text")
    _check_length(body, GENERAL_COMMENT_MAX, "text")
    # A conditional update: of two simultaneous posts, only one gets the token.
    if tokens.consume(session, raw=raw, purpose=REFLECTION_PURPOSE, now=now) is None:
        raise _refused_link("used", link.context.learner.language)
    return add_self_reflection(session, moment=link.context.moment, text=body)
