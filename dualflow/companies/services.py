"""Companies, sites and mentors: identifiers, regions, who maintains what, eligibility lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session
from stdnum.be import vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.util import clean

from dualflow import audit, policy
from dualflow.accounts import services as accounts
from dualflow.accounts.models import User
from dualflow.catalog.models import Programme, Sector
from dualflow.companies.eligibility import Eligibility, MentorFacts, MentorRules, check_mentor
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import DomainError, NotAllowed
from dualflow.i18n import local_datetime
from dualflow.modelbase import RecognitionStatus, Role
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.reports.models import Document
from dualflow.trajectories.models import Placement, Trajectory

COMPANY_FIELDS = ("name", "legal_form", "sector_id", "street", "postcode", "municipality",
                  "contact_name", "contact_email", "contact_phone", "weekly_working_hours")
SITE_FIELDS = ("name", "street", "postcode", "municipality")
MENTOR_FIELDS = ("first_name", "last_name", "email", "phone", "function_title", "birth_date",
                 "experience_years", "relevant_qualification", "appointed_on",
                 "training_completed_on", "record_check_on", "has_teaching_certificate",
                 "is_active")


# --- identifiers and addresses ------------------------------------------------------------

def normalise_kbo(raw: str | None, *, field: str = "kbo_number") -> str:
    """The ten-digit enterprise number, from input with or without dots, spaces or `BE`."""
    if not (raw or "").strip():
        raise DomainError(_("Vul het ondernemingsnummer in."), field=field)
    try:
        return vat.validate(raw)
    except InvalidChecksum:
        raise DomainError(
            _("Dit ondernemingsnummer bestaat niet: de controlecijfers kloppen niet."),
            field=field,
        ) from None
    except InvalidComponent:
        raise DomainError(_("Een ondernemingsnummer begint met 0 of 1."), field=field) from None
    except ValidationError:
        raise DomainError(
            _("Een ondernemingsnummer bestaat uit 10 cijfers, bijvoorbeeld 0123.456.749."),
            field=field,
        ) from None


def normalise_site_number(raw: str | None, *, field: str = "number") -> str:
    """The ten-digit site number (vestigingseenheidsnummer), which starts with 2."""
    # stdnum.be.vat only accepts enterprise numbers (first digit 0 or 1); a site number uses
    # the same mod-97 check on ten digits, so the arithmetic is done here.
    number = clean(raw or "", " -./").strip()
    if not number:
        raise DomainError(_("Vul het vestigingsnummer in."), field=field)
    if not number.isdigit() or len(number) != 10:
        raise DomainError(
            _("Een vestigingsnummer bestaat uit 10 cijfers, bijvoorbeeld 2.123.456.789."),
            field=field,
        )
    if number[0] != "2":
        raise DomainError(_("Een vestigingsnummer begint met 2."), field=field)
    if vat.checksum(number) != 0:
        raise DomainError(
            _("Dit vestigingsnummer bestaat niet: de controlecijfers kloppen niet."), field=field
        )
    return number


def format_kbo(number: str | None) -> str:
    """Display form: enterprise 0123.456.749, site (starts with 2) 2.123.456.789."""
    if not number or len(number) != 10:
        return number or ""
    if number[0] == "2":
        return f"{number[0]}.{number[1:4]}.{number[4:7]}.{number[7:]}"
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


def region_of(postcode: str) -> str | None:
    """'brussels', 'flanders' or 'wallonia' for a Belgian postcode; None when it is not one."""
    if len(postcode) != 4 or not postcode.isdigit() or int(postcode) < 1000:
        return None
    code = int(postcode)
    if code <= 1299:
        return "brussels"
    if code <= 1499 or 4000 <= code <= 7999:
        return "wallonia"
    return "flanders"


def check_postcode(raw: str | None, *, field: str = "postcode", workplace: bool = True) -> str:
    """A Belgian postcode; for a workplace it must lie in Flanders or Brussels."""
    postcode = (raw or "").strip()
    region = region_of(postcode)
    if region is None:
        raise DomainError(_("Geef een Belgische postcode van vier cijfers."), field=field)
    if workplace and region == "wallonia":
        raise DomainError(
            _("Postcode %(code)s ligt in het Waals Gewest. Duaal leren via dualflow kan alleen "
              "op een werkplek in het Vlaams of het Brussels Hoofdstedelijk Gewest.",
              code=postcode),
            field=field,
        )
    return postcode


def _text(value: Any) -> Any:
    """Strings stripped, missing text as ''; other values (dates, numbers) as they are."""
    if value is None or isinstance(value, str):
        return (value or "").strip()
    return value


_MENTOR_NON_TEXT = {"birth_date", "experience_years", "relevant_qualification", "appointed_on",
                    "has_teaching_certificate",
                    "training_completed_on", "record_check_on", "is_active"}


# --- who maintains what (the rules live in dualflow.policy) ---------------------------------

def has_company_account(session: Session, company_id: int) -> bool:
    """Whether the company has an activated, active account of its own."""
    return policy.has_company_account(session, company_id)


def may_maintain(session: Session, user: User, company: Company) -> bool:
    """Whether `user` may edit the company and its sites and mentors (see the policy)."""
    return policy.may(user, "company.maintain", company, session=session)


def _require_maintain(session: Session, actor: User, company: Company) -> None:
    policy.require_may(actor, "company.maintain", company, session=session)


# --- companies ----------------------------------------------------------------------------

def _company_values(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    values = {key: _text(fields.get(key)) for key in COMPANY_FIELDS if key in fields}
    if "name" in values and not values["name"]:
        raise DomainError(_("Vul de naam van de onderneming in."), field="name")
    if "postcode" in values:
        # The registered office may lie anywhere in Belgium; only sites must be Flemish/Brussels.
        values["postcode"] = check_postcode(values["postcode"], workplace=False)
    if "municipality" in values and not values["municipality"]:
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    if "contact_email" in values:
        values["contact_email"] = values["contact_email"].lower()
    if "weekly_working_hours" in fields:
        hours = fields["weekly_working_hours"]
        if hours is not None and not 1 <= float(hours) <= 50:
            raise DomainError(_("De wekelijkse arbeidsduur ligt tussen 1 en 50 uur."),
                              field="weekly_working_hours")
        values["weekly_working_hours"] = float(hours) if hours is not None else None
    if values.get("sector_id") in (0, ""):
        values["sector_id"] = None
    if values.get("sector_id") is not None and session.get(Sector, values["sector_id"]) is None:
        raise DomainError(_("Kies een bestaande sector."), field="sector_id")
    return values


def _check_kbo_free(session: Session, number: str, *, except_id: int | None = None) -> None:
    existing = session.execute(
        select(Company).where(Company.kbo_number == number)
    ).scalar_one_or_none()
    if existing is not None and existing.id != except_id:
        raise DomainError(
            _("Onderneming %(number)s is al geregistreerd als ‘%(name)s’.",
              number=format_kbo(number), name=existing.name),
            field="kbo_number",
        )


def create_company(session: Session, *, actor: User, kbo_number: str, **fields: Any) -> Company:
    """Register a company (admin, or a coordinator who is placing a learner there)."""
    if not policy.can(actor, "companies.create"):
        raise NotAllowed(_("Je mag geen ondernemingen registreren."))
    number = normalise_kbo(kbo_number)
    values = _company_values(session, {key: fields.get(key) for key in COMPANY_FIELDS})
    _check_kbo_free(session, number)
    company = Company(kbo_number=number, **values)
    if actor.role == Role.COORDINATOR:
        # The registering school maintains the company until it has an account of its own.
        company.registered_by_school_id = actor.school_id
    session.add(company)
    audit.record(session, actor=actor, action="company.created", entity=company,
                 changes=audit.snapshot(company))
    return company


def update_company(session: Session, *, actor: User, company: Company, **fields: Any) -> Company:
    """Change a company's details; only an admin may correct the enterprise number."""
    _require_maintain(session, actor, company)
    before = audit.snapshot(company)
    values = _company_values(session, fields)
    if fields.get("kbo_number") is not None and policy.may(
            actor, "company.correct_number", company, session=session):
        number = normalise_kbo(fields["kbo_number"])
        _check_kbo_free(session, number, except_id=company.id)
        values["kbo_number"] = number
    for key, value in values.items():
        setattr(company, key, value)
    changes = audit.diff(before, audit.snapshot(company))
    if changes:
        audit.record(session, actor=actor, action="company.updated", entity=company,
                     changes=changes)
    return company


def invite_contact(session: Session, *, actor: User, company: Company) -> tuple[User, str]:
    """Invite the company's contact person to a `company` account; returns user and raw token."""
    policy.require_may(actor, "company.invite_contact", company, session=session)
    if not company.contact_email:
        raise DomainError(_("Vul eerst het e-mailadres van de contactpersoon in."),
                          field="contact_email")
    user, raw = accounts.invite(
        session, actor=actor, email=company.contact_email,
        full_name=company.contact_name or company.name, role=Role.COMPANY.value,
        company_id=company.id,
    )
    audit.record(session, actor=actor, action="company.contact_invited", entity=company,
                 changes={"user_id": user.id, "email": user.email})
    return user, raw


# --- sites --------------------------------------------------------------------------------

def _site_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = {key: _text(fields.get(key)) for key in SITE_FIELDS if key in fields}
    if "postcode" in values:
        values["postcode"] = check_postcode(values["postcode"])
    if "municipality" in values and not values["municipality"]:
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    return values


def _check_site_number_free(session: Session, number: str, company: Company,
                            *, except_id: int | None = None) -> None:
    existing = session.execute(select(Site).where(Site.number == number)).scalar_one_or_none()
    if existing is None or existing.id == except_id:
        return
    if existing.company_id == company.id:
        raise DomainError(_("Deze vestiging is al geregistreerd bij deze onderneming."),
                          field="number")
    raise DomainError(
        _("Vestiging %(number)s hoort bij een andere onderneming.", number=format_kbo(number)),
        field="number",
    )


def create_site(session: Session, *, actor: User, company: Company, number: str,
                **fields: Any) -> Site:
    """Add a site to a company; its number must be valid and not belong to anyone else."""
    _require_maintain(session, actor, company)
    number = normalise_site_number(number)
    values = _site_values({key: fields.get(key) for key in SITE_FIELDS})
    values["name"] = values.get("name") or company.name
    _check_site_number_free(session, number, company)
    site = Site(company_id=company.id, number=number, **values)
    session.add(site)
    audit.record(session, actor=actor, action="site.created", entity=site,
                 changes=audit.snapshot(site))
    return site


def update_site(session: Session, *, actor: User, site: Site, **fields: Any) -> Site:
    """Change a site's name, number or address."""
    company = session.get(Company, site.company_id)
    _require_maintain(session, actor, company)
    before = audit.snapshot(site)
    values = _site_values(fields)
    if "name" in values and not values["name"]:
        values["name"] = company.name
    if fields.get("number") is not None:
        number = normalise_site_number(fields["number"])
        _check_site_number_free(session, number, company, except_id=site.id)
        values["number"] = number
    for key, value in values.items():
        setattr(site, key, value)
    changes = audit.diff(before, audit.snapshot(site))
    if changes:
        audit.record(session, actor=actor, action="site.updated", entity=site, changes=changes)
    return site


# --- mentors ------------------------------------------------------------------------------

def _mentor_values(session: Session, company: Company, fields: dict[str, Any], *, today: date,
                   except_id: int | None = None) -> dict[str, Any]:
    values = {
        key: fields[key] if key in _MENTOR_NON_TEXT else _text(fields[key])
        for key in MENTOR_FIELDS if key in fields
    }
    for key, message in (("first_name", _("Vul de voornaam in.")),
                         ("last_name", _("Vul de familienaam in."))):
        if key in values and not values[key]:
            raise DomainError(message, field=key)
    birth_date = values.get("birth_date")
    if birth_date is not None and not 16 <= (today.year - birth_date.year) <= 100:
        raise DomainError(_("Controleer de geboortedatum."), field="birth_date")
    experience = values.get("experience_years")
    if experience is not None and not 0 <= experience <= 60:
        raise DomainError(_("Geef een aantal jaren tussen 0 en 60."), field="experience_years")
    for key in ("training_completed_on", "record_check_on"):
        if values.get(key) is not None and values[key] > today:
            raise DomainError(_("Deze datum ligt in de toekomst."), field=key)
    if values.get("email"):
        values["email"] = values["email"].lower()
        duplicate = session.execute(
            select(Mentor.id).where(
                Mentor.company_id == company.id,
                Mentor.email == values["email"],
                Mentor.id != (except_id or 0),
            )
        ).first()
        if duplicate:
            raise DomainError(
                _("Er is al een mentor met dit e-mailadres bij deze onderneming."), field="email"
            )
    return values


def create_mentor(session: Session, *, actor: User, company: Company, today: date,
                  **fields: Any) -> Mentor:
    """Add a mentor; one who fails a rule is saved all the same and shown as not eligible."""
    _require_maintain(session, actor, company)
    values = _mentor_values(session, company, fields, today=today)
    mentor = Mentor(company_id=company.id, **values)
    session.add(mentor)
    audit.record(session, actor=actor, action="mentor.created", entity=mentor,
                 changes=audit.snapshot(mentor))
    return mentor


def update_mentor(session: Session, *, actor: User, mentor: Mentor, today: date,
                  **fields: Any) -> Mentor:
    """Change a mentor's facts."""
    company = session.get(Company, mentor.company_id)
    _require_maintain(session, actor, company)
    before = audit.snapshot(mentor)
    for key, value in _mentor_values(session, company, fields, today=today,
                                     except_id=mentor.id).items():
        setattr(mentor, key, value)
    changes = audit.diff(before, audit.snapshot(mentor))
    if changes:
        audit.record(session, actor=actor, action="mentor.updated", entity=mentor,
                     changes=changes)
    return mentor


def invite_mentor(session: Session, *, actor: User, mentor: Mentor) -> tuple[User, str]:
    """Give a mentor an account (role `mentor`) linked to the profile; returns user and token."""
    policy.require_may(actor, "mentor.invite", mentor, session=session)
    if mentor.user_id is not None:
        raise DomainError(_("Deze mentor heeft al een account."))
    if not mentor.email:
        raise DomainError(_("Vul eerst het e-mailadres van de mentor in."), field="email")
    if not mentor.is_active:
        raise DomainError(_("Deze mentor is niet meer actief."))
    user, raw = accounts.invite(
        session, actor=actor, email=mentor.email,
        full_name=f"{mentor.first_name} {mentor.last_name}", role=Role.MENTOR.value,
        company_id=mentor.company_id,
    )
    mentor.user_id = user.id
    audit.record(session, actor=actor, action="mentor.invited", entity=mentor,
                 changes={"user_id": [None, user.id]})
    return user, raw


# --- the criminal record extract ----------------------------------------------------------

RECORD_EXTRACT_KIND = "record_extract"
RECORD_EXTRACT_MAX_BYTES = 5 * 1024 * 1024
# What the file's first bytes must be; the name and the browser's type are not trusted.
_EXTRACT_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def upload_record_extract(session: Session, *, actor: User, mentor: Mentor, content: bytes,
                          record_check_on: date | None, today: date):
    """Store the mentor's criminal record extract (model 596.2) as a private document, with
    the date printed on it; whoever maintains the company uploads it."""

    company = session.get(Company, mentor.company_id)
    _require_maintain(session, actor, company)
    if record_check_on is None:
        raise DomainError(_("Vul de datum op het uittreksel in."), field="record_check_on")
    if record_check_on > today:
        raise DomainError(_("Deze datum ligt in de toekomst."), field="record_check_on")
    if not content:
        raise DomainError(_("Het bestand is leeg."), field="file")
    if len(content) > RECORD_EXTRACT_MAX_BYTES:
        raise DomainError(_("Het bestand is groter dan 5 MB."), field="file")
    kind = next((sig for sig in _EXTRACT_SIGNATURES if content.startswith(sig[0])), None)
    if kind is None:
        raise DomainError(_("Dit is geen PDF-, JPEG- of PNG-bestand. Laad het uittreksel op "
                            "als PDF of als foto (JPEG, PNG)."), field="file")
    _magic, media_type, extension = kind
    document = Document(
        kind=RECORD_EXTRACT_KIND, filename=f"uittreksel-strafregister-{mentor.id}.{extension}",
        media_type=media_type, content=content, sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content), subject_type="mentor", subject_id=mentor.id,
        created_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    before = audit.snapshot(mentor)
    mentor.record_extract_document_id = document.id
    mentor.record_check_on = record_check_on
    audit.record(session, actor=actor, action="mentor.record_extract_uploaded", entity=mentor,
                 changes={**audit.diff(before, audit.snapshot(mentor)),
                          "sha256": document.sha256, "size_bytes": document.size_bytes})
    return document


def record_extract(session: Session, *, actor: User, mentor: Mentor):
    """The stored extract for a download that policy allowed; the download is audited."""
    document = (session.get(Document, mentor.record_extract_document_id)
                if mentor.record_extract_document_id else None)
    if document is None:
        return None
    audit.record(session, actor=actor, action="mentor.record_extract_downloaded", entity=mentor,
                 changes={"document_id": document.id})
    return document


# --- reading ------------------------------------------------------------------------------

def company_display_name(name: str, legal_form: str | None) -> str:
    """The company's name with its legal form, the form once even when the name ends with it."""
    name = (name or "").strip()
    form = (legal_form or "").strip()
    if not form or name.lower().endswith(" " + form.lower()) or name.lower() == form.lower():
        return name
    return f"{name} {form}"


def active_placements_subquery(today: date, *, sector_id: int | None = None):
    """Per mentor: placements that run today or later (they use the mentor's capacity).

    A sector's cap governs the learners of that sector's programmes only, so with `sector_id`
    only placements in its programmes count (a joinery learner does not fill a construction cap).
    """
    statement = select(Placement.mentor_id, func.count().label("active")).where(
        Placement.ends_on >= today
    )
    if sector_id is not None:
        statement = (
            statement.join(Trajectory, Trajectory.id == Placement.trajectory_id)
            .join(Programme, Programme.id == Trajectory.programme_id)
            .where(Programme.sector_id == sector_id)
        )
    return statement.group_by(Placement.mentor_id).subquery()


# Recognitions that were approved at some point (an expiry or withdrawal came later).
APPROVED_ONCE = (RecognitionStatus.APPROVED.value, RecognitionStatus.EXPIRED.value,
                 RecognitionStatus.WITHDRAWN.value)


def recognised_at_subquery():
    """Per mentor: the moment of the first approval of a recognition naming the mentor; the
    mentor-training clock runs from that day (DOMAIN.md: within N months of the decision)."""
    return (
        select(RecognitionMentor.mentor_id,
               func.min(Recognition.decided_at).label("recognised_at"))
        .join(Recognition, Recognition.id == RecognitionMentor.recognition_id)
        .where(Recognition.status.in_(APPROVED_ONCE), Recognition.decided_at.is_not(None))
        .group_by(RecognitionMentor.mentor_id)
        .subquery()
    )


def decision_day(moment) -> date | None:
    """The Brussels calendar day of a stored decision moment."""
    local = local_datetime(moment)
    return local.date() if local else None


def recognised_on(session: Session, mentor_id: int) -> date | None:
    """The day of the first approval naming the mentor (None: never recognised)."""
    first = recognised_at_subquery()
    return decision_day(session.execute(
        select(first.c.recognised_at).where(first.c.mentor_id == mentor_id)
    ).scalar_one_or_none())


def facts_at_recognition(session: Session, mentors: list[Mentor],
                         recognition: Recognition | None) -> dict[int, MentorFacts]:
    """The mentors' facts as a placement at `recognition` judges them, in one query: the
    training clock from the first approval naming each mentor, the lower path only where the
    sector accepted it at this recognition, and the record extract's age at its filing day."""
    if not mentors:
        return {}
    first = recognised_at_subquery()
    accepted = (
        select(RecognitionMentor.lower_path_accepted)
        .where(RecognitionMentor.mentor_id == Mentor.id,
               RecognitionMentor.recognition_id == (recognition.id if recognition else None))
        .correlate(Mentor)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Mentor.id, first.c.recognised_at, accepted)
        .outerjoin(first, first.c.mentor_id == Mentor.id)
        .where(Mentor.id.in_([mentor.id for mentor in mentors]))
    ).all()
    known = {mentor_id: (recognised_at, bool(ok)) for mentor_id, recognised_at, ok in rows}
    requested_on = decision_day(recognition.submitted_at) if recognition else None
    return {
        mentor.id: MentorFacts.from_mentor(
            mentor, recognised_on=decision_day(known.get(mentor.id, (None,))[0]),
            lower_path_accepted=known.get(mentor.id, (None, False))[1],
            requested_on=requested_on)
        for mentor in mentors
    }


@dataclass
class MentorView:
    """A mentor with the verdict on the rules and the account, for lists and pages."""

    mentor: Mentor
    eligibility: Eligibility
    account: User | None


def mentors_statement(user: User, company: Company, *, today: date, q: str = ""):
    """Visible mentors of a company with their active placement count and account."""
    active = active_placements_subquery(today, sector_id=company.sector_id)
    first = recognised_at_subquery()
    # The lower path counts on the company's pages once a sector accepted it at a recognition
    # that holds; placements look at the placement's own recognition.
    accepted = exists().where(
        RecognitionMentor.mentor_id == Mentor.id, RecognitionMentor.lower_path_accepted,
        Recognition.id == RecognitionMentor.recognition_id,
        Recognition.status == RecognitionStatus.APPROVED.value,
        Recognition.valid_until >= today,
    )
    statement = (
        select(Mentor, func.coalesce(active.c.active, 0), User, first.c.recognised_at,
               accepted)
        .outerjoin(active, active.c.mentor_id == Mentor.id)
        .outerjoin(User, User.id == Mentor.user_id)
        .outerjoin(first, first.c.mentor_id == Mentor.id)
        .where(policy.visible(user, Mentor), Mentor.company_id == company.id)
        .order_by(Mentor.is_active.desc(), Mentor.last_name, Mentor.first_name, Mentor.id)
    )
    if q:
        pattern = f"%{q.strip()}%"
        statement = statement.where(or_(Mentor.last_name.ilike(pattern),
                                        Mentor.first_name.ilike(pattern),
                                        Mentor.email.ilike(pattern)))
    return statement


def to_mentor_views(rows, *, rules: MentorRules, today: date,
                    requested_on: date | None = None) -> list[MentorView]:
    """Turn (Mentor, active count, User, first approval[, lower path accepted]) rows into
    MentorViews; `requested_on` is the filing day of the request the mentors are named in."""
    views = []
    for mentor, count, account, recognised_at, *accepted in rows:
        facts = MentorFacts.from_mentor(
            mentor, recognised_on=decision_day(recognised_at),
            lower_path_accepted=bool(accepted and accepted[0]), requested_on=requested_on)
        views.append(MentorView(
            mentor=mentor,
            eligibility=check_mentor(facts, rules, on=today, active_placements=count),
            account=account,
        ))
    return views


def company_rules(session: Session, company: Company) -> MentorRules:
    """The mentor rules of the company's own sector (defaults without a sector)."""
    sector = session.get(Sector, company.sector_id) if company.sector_id else None
    return MentorRules.from_sector(sector)


def companies_statement(user: User, *, q: str = "", postcode: str = "", municipality: str = "",
                        sector_id: int | None = None):
    """Visible companies with sector and site count, filtered in SQL, ordered by name."""
    site_count = (
        select(func.count()).where(Site.company_id == Company.id).correlate(Company)
        .scalar_subquery()
    )
    statement = (
        select(Company, Sector, site_count.label("sites"))
        .outerjoin(Sector, Sector.id == Company.sector_id)
        .where(policy.visible(user, Company))
        .order_by(Company.name, Company.id)
    )
    q = (q or "").strip()
    if q:
        digits = clean(q, " -./").upper().removeprefix("BE")
        conditions = [Company.name.ilike(f"%{q}%")]
        if digits.isdigit():
            digits = digits if len(digits) != 9 else "0" + digits
            conditions.append(Company.kbo_number.startswith(digits))
            conditions.append(
                exists().where(Site.company_id == Company.id, Site.number.startswith(digits))
            )
        statement = statement.where(or_(*conditions))
    if postcode.strip():
        statement = statement.where(_prefix(Company.postcode, Site.postcode, postcode.strip()))
    if municipality.strip():
        pattern = f"{municipality.strip()}%"
        statement = statement.where(or_(
            Company.municipality.ilike(pattern),
            exists().where(Site.company_id == Company.id, Site.municipality.ilike(pattern)),
        ))
    if sector_id:
        statement = statement.where(Company.sector_id == sector_id)
    return statement


def postcode_range(column, prefix: str):
    """`column` starts with the digits `prefix`, as a range the postcode index can use."""
    if len(prefix) >= 4:
        return column == prefix[:4]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def _prefix(company_column, site_column, prefix: str):
    if not prefix.isdigit():
        return company_column == prefix
    return or_(
        postcode_range(company_column, prefix),
        exists().where(Site.company_id == Company.id, postcode_range(site_column, prefix)),
    )


def sites_statement(user: User, company: Company, *, q: str = ""):
    """Visible sites of a company, ordered by name."""
    statement = (
        select(Site)
        .where(policy.visible(user, Site), Site.company_id == company.id)
        .order_by(Site.name, Site.id)
    )
    q = (q or "").strip()
    if q:
        digits = clean(q, " -./")
        conditions = [Site.name.ilike(f"%{q}%"), Site.municipality.ilike(f"{q}%")]
        if digits.isdigit():
            conditions += [Site.number.startswith(digits), Site.postcode == digits]
        statement = statement.where(or_(*conditions))
    return statement
