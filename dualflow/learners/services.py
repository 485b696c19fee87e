"""Learners: identity, contact and guardian rules, the masked national number, scoped lists."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session
from stdnum.be import bis, nn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme, School
from dualflow.companies.services import check_postcode
from dualflow.errors import DomainError, NotAllowed
from dualflow.i18n import format_date
from dualflow.learners.models import Learner
from dualflow.modelbase import Gender, Language, Role, TrajectoryStatus, utcnow
from dualflow.trajectories.models import Trajectory

LEARNER_FIELDS = ("first_name", "last_name", "birth_date", "gender", "email", "phone", "street",
                  "postcode", "municipality", "language", "class_group", "guardian_name",
                  "guardian_email", "guardian_phone")
TEXT_FIELDS = tuple(name for name in LEARNER_FIELDS if name != "birth_date")
GENDERS = tuple(g.value for g in Gender)
LANGUAGES = (Language.NL.value, Language.FR.value)
ADULT_AGE = 18
MIN_AGE, MAX_AGE = 12, 100


def _max_length(name: str) -> int | None:
    column = Learner.__table__.c[name]  # type: ignore[attr-defined]
    return getattr(column.type, "length", None)


MAX_LENGTHS = {name: _max_length(name) for name in TEXT_FIELDS}


class InvalidLearner(DomainError):
    """One or more fields of a learner break a rule; `problems` holds (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        field, message = problems[0]
        super().__init__(message, field=field)
        self.problems = problems


# --- the national number (INSZ) -----------------------------------------------------------

def compact_national_number(raw: Any) -> str:
    """Digits only: dots, dashes and spaces removed (an XLSX number gets its leading zero)."""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int | float) and float(raw).is_integer() and raw >= 0:
        return f"{int(raw):011d}"
    return nn.compact(str(raw or ""))


def _birth_parts(number: str) -> tuple[int | None, int | None, int | None]:
    """Year, month and day encoded in a valid INSZ or BIS number (None where unknown)."""
    year = nn.get_birth_year(number)
    month = nn.get_birth_month(number)
    birth = nn.get_birth_date(number)
    return year, month, birth.day if birth else None


def parse_national_number(raw: Any, *, field: str = "national_number") -> str | None:
    """The eleven digits of a valid national (INSZ) or BIS number; None when left empty."""
    number = compact_national_number(raw)
    if not number:
        return None
    try:
        return nn.validate(number)
    except InvalidChecksum:
        raise DomainError(
            _("Dit rijksregisternummer bestaat niet: de controlecijfers kloppen niet."),
            field=field,
        ) from None
    except InvalidComponent:
        if bis.is_valid(number):
            return number
        raise DomainError(
            _("Dit rijksregisternummer bevat geen geldige geboortedatum."), field=field
        ) from None
    except ValidationError:
        raise DomainError(
            _("Een rijksregisternummer bestaat uit 11 cijfers, bijvoorbeeld 09.05.01-002.27."),
            field=field,
        ) from None


def national_number_problems(number: str | None, *, birth_date: date | None,
                             gender: str | None) -> list[str]:
    """What does not fit between a valid INSZ/BIS number and the birth date and gender."""
    if not number:
        return []
    problems = []
    if birth_date is not None:
        year, month, day = _birth_parts(number)
        # Parts the number leaves unknown (zeroes) cannot disagree.
        if year is not None and (year, month or birth_date.month, day or birth_date.day) != (
            birth_date.year, birth_date.month, birth_date.day
        ):
            encoded = (
                format_date(date(year, month, day)) if month and day
                else f"{month:02d}/{year}" if month else str(year)
            )
            problems.append(
                _("Het rijksregisternummer past niet bij de geboortedatum: het nummer zegt "
                  "geboren op %(encoded)s, de geboortedatum is %(given)s.",
                  encoded=encoded, given=format_date(birth_date))
            )
    if gender in (Gender.FEMALE.value, Gender.MALE.value):
        encoded_gender = bis.get_gender(number) if int(number[2:4]) >= 20 else nn.get_gender(
            number)
        if encoded_gender and encoded_gender != gender:
            problems.append(
                _("Het rijksregisternummer hoort bij een man (oneven volgnummer), niet bij een "
                  "vrouw.") if encoded_gender == "M" else
                _("Het rijksregisternummer hoort bij een vrouw (even volgnummer), niet bij een "
                  "man.")
            )
    return problems


def mask_national_number(number: str | None) -> str:
    """The birth-date part only, e.g. 09.05.01-***.**; empty when there is no number."""
    if not number:
        return ""
    if len(number) != 11:
        return "***"
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}-***.**"


def format_national_number(number: str | None) -> str:
    """The full number in its usual form, 09.05.01-002.27."""
    return nn.format(number) if number else ""


def may_see_national_number(user: User) -> bool:
    """Only the school side (coordinators) and admins ever see a national number."""
    return policy.may(user, "learner.national_number")


# --- the other rules ----------------------------------------------------------------------

def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth_date: date, today: date) -> int:
    """Age in whole years on `today`."""
    years = today.year - birth_date.year
    return years - 1 if _add_years(birth_date, years) > today else years


def is_minor(birth_date: date | None, today: date) -> bool:
    """Whether somebody born on `birth_date` is under 18 on `today`."""
    return birth_date is not None and _add_years(birth_date, ADULT_AGE) > today


@lru_cache(maxsize=4096)
def _normalised_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def clean_email(value: str, *, field: str) -> str:
    """A syntactically valid e-mail address in lower case (no DNS look-up)."""
    normalised = _normalised_email(value)
    if normalised is None:
        raise DomainError(_("Dit is geen geldig e-mailadres."), field=field)
    return normalised


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return " ".join((value or "").split())
    return value


def clean_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Strip text, upper-case the gender and lower-case the language of the given fields."""
    values = {key: _text(fields[key]) for key in LEARNER_FIELDS if key in fields}
    if values.get("gender"):
        values["gender"] = values["gender"].upper()
    if values.get("language"):
        values["language"] = values["language"].lower()
    return values


def learner_problems(values: dict[str, Any], *, today: date,
                     skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Every rule the complete set of a learner's values breaks, as (field, message) pairs.

    `values` holds every field of LEARNER_FIELDS plus `national_number` (already valid or
    None). Fields in `skip` already have a problem of their own and are not checked again.
    """
    problems: list[tuple[str, str]] = []

    def add(field: str, message: str) -> None:
        if field not in skip:
            problems.append((field, message))

    if not values.get("first_name"):
        add("first_name", _("Vul de voornaam in."))
    if not values.get("last_name"):
        add("last_name", _("Vul de familienaam in."))
    for key in TEXT_FIELDS:
        limit = MAX_LENGTHS.get(key)
        if limit and len(values.get(key) or "") > limit:
            add(key, _("Hoogstens %(n)d tekens.", n=limit))
    birth_date = values.get("birth_date")
    if birth_date is None:
        add("birth_date", _("Vul de geboortedatum in."))
    elif birth_date > today or not MIN_AGE <= age_on(birth_date, today) <= MAX_AGE:
        add("birth_date", _("Controleer de geboortedatum: een lerende is tussen %(low)d en "
                            "%(high)d jaar oud.", low=MIN_AGE, high=MAX_AGE))
    gender = values.get("gender")
    if not gender:
        add("gender", _("Kies het geslacht (V, M of X)."))
    elif gender not in GENDERS:
        add("gender", _("Het geslacht is V, M of X."))
    if values.get("language") not in LANGUAGES:
        add("language", _("De taal is Nederlands (nl) of Frans (fr)."))
    for key in ("email", "guardian_email"):
        if values.get(key):
            try:
                values[key] = clean_email(values[key], field=key)
            except DomainError as error:
                add(key, error.message)
    if values.get("postcode"):
        try:
            values["postcode"] = check_postcode(values["postcode"], workplace=False)
        except DomainError as error:
            add("postcode", error.message)
    if "birth_date" not in skip and "gender" not in skip:
        valid_gender = gender if gender in GENDERS else None
        for message in national_number_problems(values.get("national_number"),
                                                birth_date=birth_date, gender=valid_gender):
            add("national_number", message)
    if birth_date is not None and is_minor(birth_date, today):
        if not values.get("guardian_name"):
            add("guardian_name", _("Een minderjarige lerende heeft een ouder of voogd: vul "
                                   "de naam in."))
        if not values.get("guardian_email"):
            add("guardian_email", _("Vul het e-mailadres van de ouder of voogd in: die tekent "
                                    "de overeenkomst mee."))
    return problems


# The audit action of a national number found at a learner the user may not see.
NUMBER_TAKEN_ELSEWHERE = "learner.national_number_taken_elsewhere"
# How many such answers a user gets in 24 hours; then numbers are no longer looked up. Counted
# in the audit trail, so every worker and process sees the same count.
NUMBER_TAKEN_ELSEWHERE_PER_DAY = 10


def number_lookups_left(session: Session, actor: User) -> int:
    """How many more numbers of learners out of sight `actor` may run into in this 24 hours."""
    if actor.role == Role.ADMIN:
        return NUMBER_TAKEN_ELSEWHERE_PER_DAY  # sees every learner: no answer reveals anything
    used = session.execute(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id == actor.id, AuditEvent.action == NUMBER_TAKEN_ELSEWHERE,
            AuditEvent.at >= utcnow() - timedelta(hours=24))
    ).scalar_one()
    return max(0, NUMBER_TAKEN_ELSEWHERE_PER_DAY - used)


def too_many_lookups() -> DomainError:
    """The refusal once the day's answers about learners out of sight are used up."""
    return DomainError(_(
        "Je hebt de voorbije 24 uur te vaak een rijksregisternummer ingegeven dat al buiten je "
        "school geregistreerd is. Rijksregisternummers worden voorlopig niet gecontroleerd; "
        "probeer het later opnieuw of neem contact op met de beheerder."),
        field="national_number")


def record_number_taken_elsewhere(session: Session, *, actor: User, learner: Learner,
                                  via: str) -> None:
    """Audit that `actor` typed (or uploaded) the national number of `learner`, out of sight;
    kept even though the form or file is refused."""
    audit.record_kept(session, actor=actor, action=NUMBER_TAKEN_ELSEWHERE, entity=learner,
                      changes={"national_number": mask_national_number(learner.national_number),
                               "school_id": learner.school_id, "via": via})


def check_national_number_free(session: Session, number: str | None, *, actor: User,
                               except_id: int | None = None,
                               field: str = "national_number") -> None:
    """Refuse a national number another learner already has (naming it only if visible).

    A number of a learner out of sight is audited, and after a day's limit of those no
    number is looked up at all, so that the form cannot be used to find out who is registered.
    """
    if not number:
        return
    if number_lookups_left(session, actor) <= 0:
        raise too_many_lookups()
    existing = session.execute(
        select(Learner).where(Learner.national_number == number)
    ).scalar_one_or_none()
    if existing is None or existing.id == except_id:
        return
    visible = session.execute(
        select(Learner.id).where(Learner.id == existing.id, policy.visible(actor, Learner))
    ).first()
    if visible:
        raise DomainError(
            _("Er is al een lerende met dit rijksregisternummer: %(name)s.",
              name=f"{existing.first_name} {existing.last_name}"),
            field=field,
        )
    record_number_taken_elsewhere(session, actor=actor, learner=existing, via="form")
    raise DomainError(
        _("Dit rijksregisternummer is al geregistreerd bij een lerende van een andere school. "
          "Neem contact op met de beheerder."),
        field=field,
    )


# --- audit --------------------------------------------------------------------------------

def audit_snapshot(learner: Learner) -> dict[str, Any]:
    """The learner's columns for the audit trail, with the national number masked."""
    values = audit.snapshot(learner)
    values["national_number"] = mask_national_number(learner.national_number)
    return values


def audit_changes(before: Learner | dict[str, Any], learner: Learner) -> dict[str, list[Any]]:
    """What changed, national number masked (and still listed when only hidden digits changed)."""
    old = before if isinstance(before, dict) else audit.snapshot(before)
    changes = audit.diff(old, audit.snapshot(learner))
    if "national_number" in changes:
        old_number, new_number = changes["national_number"]
        changes["national_number"] = [mask_national_number(old_number) or None,
                                      mask_national_number(new_number) or None]
    return changes


# --- writing ------------------------------------------------------------------------------

def _require_manage(actor: User) -> None:
    if not policy.can(actor, "learners.manage"):
        raise NotAllowed(_("Je mag geen lerenden beheren."))


def _school_for(session: Session, actor: User, school_id: int | None) -> School:
    """The school a new learner joins: the coordinator's own, or the one an admin chose."""
    if actor.role == Role.COORDINATOR:
        school_id = actor.school_id
    school = session.get(School, school_id) if school_id else None
    if school is None:
        raise DomainError(_("Kies een school."), field="school_id")
    return school


def all_values(learner: Learner | None) -> dict[str, Any]:
    """Every field of a learner (the defaults of a new one when None), national number too."""
    if learner is None:
        return dict.fromkeys(TEXT_FIELDS, "") | {
            "birth_date": None, "language": Language.NL.value, "national_number": None}
    return {key: getattr(learner, key) for key in (*LEARNER_FIELDS, "national_number")}


def checked_values(session: Session, *, actor: User, learner: Learner | None, today: date,
                   fields: dict[str, Any], national_number: Any = None,
                   clear_national_number: bool = False) -> dict[str, Any]:
    """The learner's complete values after the change, or InvalidLearner with every problem."""
    values = all_values(learner) | clean_values(fields)
    problems: list[tuple[str, str]] = []
    if clear_national_number:
        values["national_number"] = None
    elif compact_national_number(national_number):
        try:
            values["national_number"] = parse_national_number(national_number)
        except DomainError as error:
            problems.append(("national_number", error.message))
    skip = frozenset(field for field, _message in problems)
    problems += learner_problems(values, today=today, skip=skip)
    # The learner's own number needs no look-up (and editing stays possible over the limit).
    if not problems and values["national_number"] != (learner.national_number if learner
                                                      else None):
        try:
            check_national_number_free(session, values["national_number"], actor=actor,
                                       except_id=learner.id if learner else None)
        except DomainError as error:
            problems.append(("national_number", error.message))
    if problems:
        raise InvalidLearner(problems)
    return values


def create_learner(session: Session, *, actor: User, today: date, school_id: int | None = None,
                   national_number: Any = None, **fields: Any) -> Learner:
    """Register a learner at the coordinator's school (an admin chooses the school)."""
    _require_manage(actor)
    school = _school_for(session, actor, school_id)
    values = checked_values(session, actor=actor, learner=None, today=today, fields=fields,
                            national_number=national_number)
    learner = Learner(school_id=school.id, **values)
    session.add(learner)
    audit.record(session, actor=actor, action="learner.created", entity=learner,
                 changes=audit_snapshot(learner))
    return learner


def _require_editable(actor: User, learner: Learner) -> None:
    _require_manage(actor)
    if actor.role == Role.COORDINATOR and learner.school_id != actor.school_id:
        raise NotAllowed(_("Deze lerende hoort niet bij je school."))
    if learner.anonymised_at is not None:
        raise DomainError(_("De gegevens van deze lerende zijn geanonimiseerd."))


def update_learner(session: Session, *, actor: User, learner: Learner, today: date,
                   national_number: Any = None, clear_national_number: bool = False,
                   **fields: Any) -> Learner:
    """Change a learner; an empty national number keeps the known one unless cleared."""
    _require_editable(actor, learner)
    before = audit.snapshot(learner)
    values = checked_values(session, actor=actor, learner=learner, today=today, fields=fields,
                            national_number=national_number,
                            clear_national_number=clear_national_number)
    for key, value in values.items():
        setattr(learner, key, value)
    changes = audit_changes(before, learner)
    if changes:
        audit.record(session, actor=actor, action="learner.updated", entity=learner,
                     changes=changes)
    return learner


def reveal_national_number(session: Session, *, actor: User, learner: Learner) -> str:
    """The full national number, for one look; every look is written to the audit trail."""
    if not may_see_national_number(actor):
        raise NotAllowed(_("Je mag het rijksregisternummer niet bekijken."))
    if not learner.national_number:
        raise DomainError(_("Van deze lerende is geen rijksregisternummer gekend."))
    audit.record(session, actor=actor, action="learner.national_number_viewed", entity=learner,
                 changes={"national_number": mask_national_number(learner.national_number)})
    return format_national_number(learner.national_number)


# --- reading ------------------------------------------------------------------------------

def _latest_trajectory(user: User):
    """Per learner (correlated): the id of the running trajectory, else of the latest one."""
    running_first = case((Trajectory.status == TrajectoryStatus.ACTIVE.value, 0), else_=1)
    return (
        select(Trajectory.id)
        .where(Trajectory.learner_id == Learner.id, policy.visible(user, Trajectory))
        .order_by(running_first, Trajectory.school_year.desc(), Trajectory.starts_on.desc(),
                  Trajectory.id.desc())
        .limit(1)
        .correlate(Learner)
        .scalar_subquery()
    )


def learners_statement(user: User, *, q: str = "", class_group: str = "",
                       school_id: int | None = None, running: str = ""):
    """Visible learners with school, current (or last) trajectory and programme, filtered in SQL.

    Rows are (Learner, school name, Trajectory or None, programme name or None), by name. `q`
    matches every word against first name, last name and class group (the learner's, or the
    current trajectory's); eleven digits (with or without dots and dashes) look up that exact
    national number. `running` is 'yes' (a running trajectory), 'no' (none running) or ''.
    """
    current = aliased(Trajectory)
    statement = (
        select(Learner, School.name.label("school"), current,
               Programme.name.label("programme"))
        .join(School, School.id == Learner.school_id)
        .outerjoin(current, current.id == _latest_trajectory(user))
        .outerjoin(Programme, Programme.id == current.programme_id)
        .where(policy.visible(user, Learner), Learner.anonymised_at.is_(None))
        .order_by(Learner.last_name, Learner.first_name, Learner.id)
    )
    q = (q or "").strip()
    digits = nn.compact(q)
    if len(digits) == 11 and digits.isdigit():
        statement = statement.where(Learner.national_number == digits)
    else:
        for word in q.split()[:5]:
            pattern = f"%{word}%"
            statement = statement.where(or_(Learner.first_name.ilike(pattern),
                                            Learner.last_name.ilike(pattern),
                                            Learner.class_group.ilike(f"{word}%"),
                                            current.class_group.ilike(f"{word}%")))
    if class_group:
        statement = statement.where(or_(Learner.class_group == class_group,
                                        current.class_group == class_group))
    if school_id:
        statement = statement.where(Learner.school_id == school_id)
    active = current.status == TrajectoryStatus.ACTIVE.value
    if running == "yes":
        statement = statement.where(active)
    elif running == "no":
        statement = statement.where(or_(current.id.is_(None), ~active))
    return statement


def class_groups(session: Session, user: User, *, school_id: int | None = None) -> list[str]:
    """The class groups in use (on learners and running trajectories), for the list's filter."""
    on_learners = select(Learner.class_group.label("name")).where(
        policy.visible(user, Learner), Learner.anonymised_at.is_(None), Learner.class_group != "")
    on_trajectories = select(Trajectory.class_group.label("name")).where(
        policy.visible(user, Trajectory), Trajectory.status == TrajectoryStatus.ACTIVE.value,
        Trajectory.class_group != "")
    if school_id:
        on_learners = on_learners.where(Learner.school_id == school_id)
        on_trajectories = on_trajectories.where(Trajectory.school_id == school_id)
    names = union(on_learners, on_trajectories).subquery()
    return list(session.execute(
        select(names.c.name).order_by(names.c.name).limit(300)
    ).scalars())


def trajectories_of(session: Session, user: User, learner: Learner) -> list[tuple[Any, Any]]:
    """The learner's trajectories the user may see, newest first, with their programme."""
    return list(session.execute(
        select(Trajectory, Programme)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(Trajectory.learner_id == learner.id, policy.visible(user, Trajectory))
        .order_by(Trajectory.school_year.desc(), Trajectory.starts_on.desc())
    ).all())
