"""Catalogue rules: schools and their holidays, sectors, programmes and their competencies."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlmodel import Session, SQLModel

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.errors import DomainError
from dualflow.evaluations.models import EvaluationScore
from dualflow.modelbase import AgreementKind, CompetencyLocation, Level, StemLabel, Track

SCHOOL_KINDS = ("secondary", "adult_education", "syntra", "higher_education")

SCHOOL_FIELDS = (
    "name",
    "institution_number",
    "kind",
    "street",
    "postcode",
    "municipality",
    "email",
    "phone",
    "escalation_email",
    "evaluation_interval_weeks",
    "is_active",
    "reachability",
)

SECTOR_FIELDS = (
    "code",
    "name",
    "email",
    "mentor_min_age",
    "mentor_min_experience_years",
    "mentor_min_age_qualified",
    "mentor_min_experience_years_qualified",
    "mentor_training_months",
    "max_learners_per_mentor",
    "allows_part_time_employment",
    "recognition_years",
    "decision_days",
    "record_check_max_age_months",
    "teaching_certificate_exempts",
)

# Lower bounds are the check constraints of the sectors table; the upper bounds keep typos
# (an age of 250) out and values inside what every database integer column holds.
SECTOR_LIMITS: dict[str, tuple[int, int]] = {
    "mentor_min_age": (18, 99),
    "mentor_min_age_qualified": (18, 99),
    "mentor_min_experience_years": (0, 60),
    "mentor_min_experience_years_qualified": (0, 60),
    "mentor_training_months": (1, 60),
    "max_learners_per_mentor": (1, 99),
    "recognition_years": (1, 20),
    "decision_days": (1, 365),
    "record_check_max_age_months": (1, 60),
}

EVALUATION_INTERVAL_LIMITS = (1, 52)

PROGRAMME_FIELDS = ("code", "name", "sector_id", "track", "level", "stem_label", "agreement_kind",
                    "is_active")

COMPETENCY_FIELDS = ("code", "title", "location")


# ---------------------------------------------------------------------------------------------
# shared helpers


def _clean(fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the known fields, text stripped; an unknown field is a programming error."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return {key: value.strip() if isinstance(value, str) else value
            for key, value in fields.items()}


def _ensure_unique(session: Session, model: type[SQLModel], column, value: str, *,
                   exclude_id: int | None, message: str, field: str) -> None:
    """Refuse a value another row already holds, before the unique index would refuse it."""
    statement = select(model.id).where(column == value)  # type: ignore[attr-defined]
    if exclude_id is not None:
        statement = statement.where(model.id != exclude_id)  # type: ignore[attr-defined]
    if session.execute(statement.limit(1)).first() is not None:
        raise DomainError(message, field=field)


def _ensure_between(values: dict[str, Any], limits: dict[str, tuple[int, int]]) -> None:
    for field, (low, high) in limits.items():
        value = values.get(field)
        if value is None:
            continue
        if not low <= value <= high:
            raise DomainError(
                _("Kies een waarde van %(low)d tot %(high)d.", low=low, high=high), field=field
            )


def _ensure_choice(value: Any, allowed, field: str) -> None:
    if value not in {str(choice) for choice in allowed}:
        raise DomainError(_("Kies een van de voorgestelde waarden."), field=field)


def _update(session: Session, *, actor: User, obj: SQLModel, values: dict[str, Any],
            action: str) -> dict[str, list[Any]]:
    """Apply `values` and audit what really changed (nothing is recorded for a no-op save)."""
    before = audit.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    session.flush()
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        audit.record(session, actor=actor, action=action, entity=obj, changes=changes)
    return changes


def _search(statement, text: str | None, *columns):
    """Case-insensitive substring search over `columns` (wildcards in the text are literal)."""
    text = (text or "").strip()
    if not text:
        return statement
    return statement.where(or_(*(column.icontains(text, autoescape=True) for column in columns)))


# ---------------------------------------------------------------------------------------------
# schools and holidays


def school_list(user: User, *, q: str | None = None):
    """The schools `user` may see, matching `q` on name, institution number or municipality."""
    statement = policy.scoped(user, School).order_by(School.name, School.id)
    return _search(statement, q, School.name, School.institution_number, School.municipality)


def _check_school(session: Session, values: dict[str, Any], *, exclude_id: int | None) -> None:
    if "kind" in values:
        _ensure_choice(values["kind"], SCHOOL_KINDS, "kind")
    _ensure_between(values, {"evaluation_interval_weeks": EVALUATION_INTERVAL_LIMITS})
    if "institution_number" in values:
        _ensure_unique(
            session, School, School.institution_number, values["institution_number"],
            exclude_id=exclude_id, field="institution_number",
            message=_("Er bestaat al een school met instellingsnummer %(number)s.",
                      number=values["institution_number"]),
        )


def create_school(session: Session, *, actor: User, **fields: Any) -> School:
    """Add a school; its institution number must be new."""
    values = _clean(fields, SCHOOL_FIELDS)
    _check_school(session, values, exclude_id=None)
    school = School(**values)
    session.add(school)
    session.flush()
    audit.record(session, actor=actor, action="school.created", entity=school,
                 changes=audit.snapshot(school))
    return school


def update_school(session: Session, *, actor: User, school: School, **fields: Any) -> School:
    """Change a school's details; the institution number stays unique."""
    values = _clean(fields, SCHOOL_FIELDS)
    _check_school(session, values, exclude_id=school.id)
    _update(session, actor=actor, obj=school, values=values, action="school.updated")
    return school


def holidays_of(school: School):
    """The school's holidays, most recent first."""
    return (
        select(SchoolHoliday)
        .where(SchoolHoliday.school_id == school.id)
        .order_by(SchoolHoliday.starts_on.desc(), SchoolHoliday.id.desc())
    )


def _check_holiday(name: str, starts_on: date, ends_on: date) -> None:
    if not name:
        raise DomainError(_("Geef de vakantie een naam."), field="name")
    if ends_on < starts_on:
        raise DomainError(_("De einddatum valt vóór de begindatum."), field="ends_on")


def add_holiday(session: Session, *, actor: User, school: School, name: str, starts_on: date,
                ends_on: date) -> SchoolHoliday:
    """Add a holiday period (end on or after start) to a school."""
    name = name.strip()
    _check_holiday(name, starts_on, ends_on)
    holiday = SchoolHoliday(school_id=school.id, name=name, starts_on=starts_on, ends_on=ends_on)
    session.add(holiday)
    session.flush()
    audit.record(session, actor=actor, action="holiday.created", entity=holiday,
                 changes=audit.snapshot(holiday))
    return holiday


def update_holiday(session: Session, *, actor: User, holiday: SchoolHoliday, name: str,
                   starts_on: date, ends_on: date) -> SchoolHoliday:
    """Change a holiday's name or period (end on or after start)."""
    name = name.strip()
    _check_holiday(name, starts_on, ends_on)
    _update(session, actor=actor, obj=holiday, action="holiday.updated",
            values={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return holiday


def delete_holiday(session: Session, *, actor: User, holiday: SchoolHoliday) -> None:
    """Remove a holiday period."""
    audit.record(session, actor=actor, action="holiday.deleted", entity=holiday,
                 changes=audit.snapshot(holiday))
    session.delete(holiday)
    session.flush()


# ---------------------------------------------------------------------------------------------
# sectors


def sector_list(user: User, *, q: str | None = None):
    """Sectors matching `q` on name or code, each with its number of programmes."""
    programme_count = (
        select(func.count(Programme.id))
        .where(Programme.sector_id == Sector.id)
        .correlate(Sector)
        .scalar_subquery()
    )
    statement = (
        select(Sector, programme_count.label("programme_count"))
        .where(policy.visible(user, Sector))
        .order_by(Sector.name, Sector.id)
    )
    return _search(statement, q, Sector.name, Sector.code)


def _check_sector(session: Session, values: dict[str, Any], *, current: Sector | None) -> None:
    _ensure_between(values, SECTOR_LIMITS)

    def effective(field: str) -> Any:
        return values[field] if field in values else getattr(current, field, None)

    # A relevant qualification lowers the requirements; it never raises them.
    for qualified, regular in (
        ("mentor_min_age_qualified", "mentor_min_age"),
        ("mentor_min_experience_years_qualified", "mentor_min_experience_years"),
    ):
        low, high = effective(qualified), effective(regular)
        if low is not None and high is not None and low > high:
            raise DomainError(
                _("Met een relevante kwalificatie mag de vereiste niet hoger liggen dan "
                  "zonder (%(value)d).", value=high),
                field=qualified,
            )
    if "code" in values:
        _ensure_unique(
            session, Sector, Sector.code, values["code"],
            exclude_id=current.id if current is not None else None, field="code",
            message=_("Er bestaat al een sector met code %(code)s.", code=values["code"]),
        )


def create_sector(session: Session, *, actor: User, **fields: Any) -> Sector:
    """Add a sector with its rule parameters."""
    values = _clean(fields, SECTOR_FIELDS)
    # Fields not given keep the model's defaults; the cross-field checks compare against those.
    _check_sector(session, values, current=Sector(code="", name=""))
    sector = Sector(**values)
    session.add(sector)
    session.flush()
    audit.record(session, actor=actor, action="sector.created", entity=sector,
                 changes=audit.snapshot(sector))
    return sector


def update_sector(session: Session, *, actor: User, sector: Sector, **fields: Any) -> Sector:
    """Change a sector's details or rule parameters."""
    values = _clean(fields, SECTOR_FIELDS)
    _check_sector(session, values, current=sector)
    _update(session, actor=actor, obj=sector, values=values, action="sector.updated")
    return sector


# ---------------------------------------------------------------------------------------------
# programmes and competencies


def programme_list(user: User, *, q: str | None = None, sector_id: int | None = None,
                   track: str | None = None, stem_label: str | None = None):
    """Programmes with their sector and number of competencies, filtered as asked."""
    competency_count = (
        select(func.count(Competency.id))
        .where(Competency.programme_id == Programme.id)
        .correlate(Programme)
        .scalar_subquery()
    )
    statement = (
        select(Programme, Sector, competency_count.label("competency_count"))
        .join(Sector, Sector.id == Programme.sector_id)
        .where(policy.visible(user, Programme))
        .order_by(Programme.name, Programme.id)
    )
    if sector_id:
        statement = statement.where(Programme.sector_id == sector_id)
    if track:
        statement = statement.where(Programme.track == track)
    if stem_label:
        statement = statement.where(Programme.stem_label == stem_label)
    return _search(statement, q, Programme.name, Programme.code)


def _check_programme(session: Session, values: dict[str, Any], *,
                     exclude_id: int | None) -> None:
    for field, allowed in (("track", Track), ("level", Level), ("stem_label", StemLabel)):
        if field in values:
            _ensure_choice(values[field], allowed, field)
    if "sector_id" in values and session.get(Sector, values["sector_id"] or 0) is None:
        raise DomainError(_("Kies een bestaande sector."), field="sector_id")
    if "agreement_kind" in values:
        # The kind of agreement is fixed per programme (DOMAIN.md, Agreement); part-time
        # employment only in a sector that allows it.
        _ensure_choice(values["agreement_kind"], AgreementKind, "agreement_kind")
        sector_id = values.get("sector_id")
        if sector_id is None and exclude_id is not None:
            sector_id = session.get(Programme, exclude_id).sector_id
        sector = session.get(Sector, sector_id or 0)
        if (values["agreement_kind"] == AgreementKind.PART_TIME_EMPLOYMENT.value
                and sector is not None and not sector.allows_part_time_employment):
            raise DomainError(
                _("De sector %(sector)s staat geen deeltijdse arbeidsovereenkomst toe; kies een "
                  "ander soort overeenkomst, of laat de sector het eerst toestaan.",
                  sector=sector.name), field="agreement_kind")
    if "code" in values:
        _ensure_unique(
            session, Programme, Programme.code, values["code"],
            exclude_id=exclude_id, field="code",
            message=_("Er bestaat al een opleiding met code %(code)s.", code=values["code"]),
        )


def create_programme(session: Session, *, actor: User, **fields: Any) -> Programme:
    """Add a programme; its code must be new and its sector must exist."""
    values = _clean(fields, PROGRAMME_FIELDS)
    _check_programme(session, values, exclude_id=None)
    programme = Programme(**values)
    session.add(programme)
    session.flush()
    audit.record(session, actor=actor, action="programme.created", entity=programme,
                 changes=audit.snapshot(programme))
    return programme


def update_programme(session: Session, *, actor: User, programme: Programme,
                     **fields: Any) -> Programme:
    """Change a programme; the code stays unique."""
    values = _clean(fields, PROGRAMME_FIELDS)
    _check_programme(session, values, exclude_id=programme.id)
    _update(session, actor=actor, obj=programme, values=values, action="programme.updated")
    return programme


def competencies_of(session: Session, programme: Programme) -> list[Competency]:
    """The programme's competencies in their standard-path order."""
    return list(
        session.execute(
            select(Competency)
            .where(Competency.programme_id == programme.id)
            .order_by(Competency.position, Competency.id)
        ).scalars()
    )


def _renumber(competencies: list[Competency]) -> None:
    """Positions 1..n in list order, so that gaps and ties never survive a change."""
    for position, competency in enumerate(competencies, start=1):
        if competency.position != position:
            competency.position = position


def _check_competency(session: Session, values: dict[str, Any], *, programme_id: int,
                      exclude_id: int | None) -> None:
    if "location" in values:
        _ensure_choice(values["location"], CompetencyLocation, "location")
    if "code" in values:
        statement = select(Competency.id).where(
            Competency.programme_id == programme_id, Competency.code == values["code"]
        )
        if exclude_id is not None:
            statement = statement.where(Competency.id != exclude_id)
        if session.execute(statement.limit(1)).first() is not None:
            raise DomainError(
                _("Deze opleiding heeft al een competentiecluster met code %(code)s.",
                  code=values["code"]),
                field="code",
            )


def add_competency(session: Session, *, actor: User, programme: Programme,
                   **fields: Any) -> Competency:
    """Append a competency at the end of the programme's standard path."""
    values = _clean(fields, COMPETENCY_FIELDS)
    _check_competency(session, values, programme_id=programme.id, exclude_id=None)
    existing = competencies_of(session, programme)
    _renumber(existing)
    competency = Competency(programme_id=programme.id, position=len(existing) + 1, **values)
    session.add(competency)
    session.flush()
    audit.record(session, actor=actor, action="competency.created", entity=competency,
                 changes=audit.snapshot(competency))
    return competency


def update_competency(session: Session, *, actor: User, competency: Competency,
                      **fields: Any) -> Competency:
    """Change a competency's code, title or location (its position moves separately)."""
    values = _clean(fields, COMPETENCY_FIELDS)
    _check_competency(session, values, programme_id=competency.programme_id,
                      exclude_id=competency.id)
    _update(session, actor=actor, obj=competency, values=values, action="competency.updated")
    return competency


def move_competency(session: Session, *, actor: User, competency: Competency,
                    offset: int) -> None:
    """Move a competency `offset` places (-1 up, +1 down); at either end nothing moves."""
    programme = session.get(Programme, competency.programme_id)
    ordered = competencies_of(session, programme)
    index = ordered.index(competency)
    target = index + offset
    if offset == 0 or not 0 <= target < len(ordered):
        return
    before = competency.position
    ordered.insert(target, ordered.pop(index))
    _renumber(ordered)
    session.flush()
    if competency.position != before:
        audit.record(session, actor=actor, action="competency.moved", entity=competency,
                     changes={"position": [before, competency.position]})


def delete_competency(session: Session, *, actor: User, competency: Competency) -> None:
    """Remove a competency that was never evaluated; the others close ranks."""
    evaluated = session.execute(
        select(EvaluationScore.id).where(EvaluationScore.competency_id == competency.id).limit(1)
    ).first()
    if evaluated is not None:
        raise DomainError(
            _("Deze competentiecluster werd al geëvalueerd en kan niet meer verwijderd worden.")
        )
    programme = session.get(Programme, competency.programme_id)
    audit.record(session, actor=actor, action="competency.deleted", entity=competency,
                 changes=audit.snapshot(competency))
    session.delete(competency)
    session.flush()
    _renumber(competencies_of(session, programme))
    session.flush()
