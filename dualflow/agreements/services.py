"""Agreements: the three kinds and their rules, the states, sending, signing and terminating.

State machine: draft → awaiting_signatures → signed → terminated, plus awaiting_signatures →
draft (take a sent agreement back to change it; every party is asked again afterwards). Each
transition is one function here, audited, and refused with a clear message when the agreement is
not in a state that allows it. A signed agreement is never edited: a change is a new version.

Sending renders the contract once and stores it as a Document with its SHA-256; each party gets
a single-use link (only the link's SHA-256 is stored). A party signs by typing the full name;
the signature keeps name, time, IP, user agent and the hash of the document shown. When the
last party signs, the final PDF with the signature page is stored and never changes.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlmodel import Session

from dualflow import audit, pdf, policy
from dualflow.accounts.models import User
from dualflow.agreements import contract
from dualflow.agreements.models import Agreement, AllowanceRate, Signature
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme, School, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import DomainError, NotAllowed
from dualflow.i18n import format_date, local_datetime, today_brussels
from dualflow.learners.models import Learner
from dualflow.modelbase import (
    AgreementKind,
    AgreementStatus,
    Language,
    Role,
    SignatureParty,
    TerminationKind,
    TrajectoryStatus,
    utcnow,
)
from dualflow.reports.models import Document
from dualflow.tokens import hash_token
from dualflow.trajectories.models import Placement, Trajectory

K = AgreementKind
S = AgreementStatus
P = SignatureParty

KIND_LABELS = {
    K.INTERNSHIP.value: _l("Stageovereenkomst (minder dan 20 uur per week)"),
    K.ALTERNATING_TRAINING.value: _l("Overeenkomst alternerende opleiding"),
    K.PART_TIME_EMPLOYMENT.value: _l("Deeltijdse arbeidsovereenkomst"),
}
# The OAO allowance categories (DOMAIN.md, Agreement: vlaanderen.be "Leervergoeding in duaal en
# alternerend leren"); the labels live with the contract, which prints them.
ALLOWANCE_CATEGORY_LABELS = contract.ALLOWANCE_CATEGORY_LABELS
ALLOWANCE_CATEGORIES = tuple(ALLOWANCE_CATEGORY_LABELS)
TERMINATION_KIND_LABELS = {
    TerminationKind.MUTUAL.value: _l("Met onderlinge toestemming"),
    TerminationKind.NOTICE.value: _l("Opzegging door een partij"),
    TerminationKind.URGENT_REASON.value: _l("Om een dringende reden"),
    TerminationKind.LEFT_PROGRAMME.value: _l("De lerende verlaat de opleiding"),
}
# What the coordinator may (or must) state as amount, per kind.
AMOUNT_LABELS = {
    K.INTERNSHIP.value: _l("Onkostenvergoeding per maand (niet verplicht)"),
    K.ALTERNATING_TRAINING.value: _l("Leervergoeding per maand"),
    K.PART_TIME_EMPLOYMENT.value: _l("Bruto maandloon (paritair comité van de onderneming)"),
}
# The kind's name inside a sentence ("werkt met een …").
KIND_NAMES = {
    K.INTERNSHIP.value: _l("stageovereenkomst"),
    K.ALTERNATING_TRAINING.value: _l("overeenkomst alternerende opleiding"),
    K.PART_TIME_EMPLOYMENT.value: _l("deeltijdse arbeidsovereenkomst"),
}
STATUS_LABELS = {
    S.DRAFT.value: _l("ontwerp"),
    S.AWAITING_SIGNATURES.value: _l("wacht op handtekeningen"),
    S.SIGNED.value: _l("ondertekend"),
    S.TERMINATED.value: _l("beëindigd"),
}
STATUS_VARIANTS = {
    S.DRAFT.value: "secondary",
    S.AWAITING_SIGNATURES.value: "warning",
    S.SIGNED.value: "success",
    S.TERMINATED.value: "dark",
}
PARTY_LABELS = {
    P.LEARNER.value: _l("Lerende"),
    P.GUARDIAN.value: _l("Wettelijk vertegenwoordiger"),
    P.COMPANY.value: _l("Onderneming"),
    P.SCHOOL.value: _l("School"),
}
PARTY_ORDER = [P.LEARNER.value, P.GUARDIAN.value, P.COMPANY.value, P.SCHOOL.value]

# action: (states it may start from, state it leads to, message when refused)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Any]] = {
    "send": (
        (S.DRAFT.value,), S.AWAITING_SIGNATURES.value,
        _l("Alleen een ontwerp kan ter ondertekening verstuurd worden; deze overeenkomst is "
           "‘%(status)s’."),
    ),
    "reopen": (
        (S.AWAITING_SIGNATURES.value,), S.DRAFT.value,
        _l("Alleen een overeenkomst die op handtekeningen wacht, kan teruggenomen worden; deze "
           "overeenkomst is ‘%(status)s’."),
    ),
    "sign_complete": (
        (S.AWAITING_SIGNATURES.value,), S.SIGNED.value,
        _l("Alleen een overeenkomst die op handtekeningen wacht, kan ondertekend worden; deze "
           "overeenkomst is ‘%(status)s’."),
    ),
    "terminate": (
        (S.SIGNED.value,), S.TERMINATED.value,
        _l("Alleen een ondertekende overeenkomst kan beëindigd worden; deze overeenkomst is "
           "‘%(status)s’."),
    ),
}

AUDIT_LABELS = {
    "agreement.created": _l("Ontwerp opgesteld"),
    "agreement.updated": _l("Ontwerp gewijzigd"),
    "agreement.versioned": _l("Nieuwe versie opgesteld"),
    "agreement.awaiting_signatures": _l("Verstuurd ter ondertekening"),
    "agreement.draft": _l("Teruggenomen om te wijzigen"),
    "agreement.signed": _l("Door alle partijen ondertekend"),
    "agreement.documented": _l("Ondertekend document bewaard"),
    "agreement.terminated": _l("Beëindiging vastgelegd"),
    "signature.requested": _l("Ondertekening gevraagd"),
    "signature.link_resent": _l("Nieuwe link verstuurd"),
    "signature.signed": _l("Ondertekend"),
}

TERM_FIELDS = ("kind", "starts_on", "ends_on", "hours_per_week", "allowance_category",
               "monthly_allowance")


def status_label(status: str) -> str:
    """The Dutch (translatable) label of a status."""
    return str(STATUS_LABELS.get(status, status))


def template_helpers() -> dict[str, Any]:
    """Labels and colours the agreement templates use."""
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "status_variants": STATUS_VARIANTS, "party_labels": PARTY_LABELS,
            "category_labels": ALLOWANCE_CATEGORY_LABELS, "amount_labels": AMOUNT_LABELS,
            "termination_kind_labels": TERMINATION_KIND_LABELS}


# --- the OAO learning allowance -------------------------------------------------------------

def allowance_in_force(session: Session, category: int, on: date) -> Decimal:
    """The OAO allowance of `category` on a day: the rate with the latest valid_from <= on."""
    amount = session.execute(
        select(AllowanceRate.amount)
        .where(AllowanceRate.category == category, AllowanceRate.valid_from <= on)
        .order_by(AllowanceRate.valid_from.desc()).limit(1)
    ).scalar_one_or_none()
    if amount is None:
        raise DomainError(_("Er is geen leervergoeding bekend voor categorie %(category)s op "
                            "%(date)s.", category=category, date=format_date(on)),
                          field="allowance_category")
    return Decimal(amount)


def allowances_in_force(session: Session, on: date) -> dict[int, Decimal]:
    """Every category's allowance on a day (a category without a rate yet is left out)."""
    latest = (select(AllowanceRate.category, func.max(AllowanceRate.valid_from).label("since"))
              .where(AllowanceRate.valid_from <= on).group_by(AllowanceRate.category).subquery())
    rows = session.execute(
        select(AllowanceRate.category, AllowanceRate.amount)
        .join(latest, (latest.c.category == AllowanceRate.category)
              & (latest.c.since == AllowanceRate.valid_from))
    ).all()
    return {category: Decimal(amount) for category, amount in rows}


def allowance_rates(session: Session) -> dict[int, list[AllowanceRate]]:
    """Every rate per category, newest first (the admin's table)."""
    rates: dict[int, list[AllowanceRate]] = {category: [] for category in ALLOWANCE_CATEGORIES}
    for rate in session.execute(
        select(AllowanceRate).order_by(AllowanceRate.category, AllowanceRate.valid_from.desc())
    ).scalars():
        rates.setdefault(rate.category, []).append(rate)
    return rates


def add_allowance_rate(session: Session, *, actor: User, category: int | None,
                       amount: Any, valid_from: date | None, today: date,
                       retroactive: bool = False) -> AllowanceRate:
    """An index step: a category's new amount from a date on (admin only, audited).

    A date in the past changes the amount owed for months already paid, so it is refused unless
    the admin confirms it (`retroactive`); a date on or before the category's latest step is
    always refused, so that the history is only ever extended, never rewritten.
    """
    if not policy.can(actor, "admin.manage"):
        raise NotAllowed(_("Alleen een beheerder legt de bedragen van de leervergoeding vast."))
    if category not in ALLOWANCE_CATEGORIES:
        raise DomainError(_("Kies de categorie (1, 2 of 3)."), field="category")
    if valid_from is None:
        raise DomainError(_("Vul de datum in vanaf wanneer het bedrag geldt."),
                          field="valid_from")
    if amount in (None, ""):
        raise DomainError(_("Vul het bedrag per maand in."), field="amount")
    value = _decimal(amount, field="amount")
    if value <= 0:
        raise DomainError(_("Het bedrag moet hoger zijn dan 0."), field="amount")
    latest = session.execute(
        select(AllowanceRate).where(AllowanceRate.category == category)
        .order_by(AllowanceRate.valid_from.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is not None and valid_from == latest.valid_from:
        raise DomainError(_("Categorie %(category)s heeft al een bedrag vanaf %(date)s.",
                            category=category, date=format_date(valid_from)),
                          field="valid_from")
    if latest is not None and valid_from < latest.valid_from:
        raise DomainError(
            _("Een indexsprong volgt op de laatste: categorie %(category)s heeft al een bedrag "
              "vanaf %(date)s. Kies een latere datum.", category=category,
              date=format_date(latest.valid_from)), field="valid_from")
    if valid_from < today and not retroactive:
        raise DomainError(
            _("%(date)s ligt in het verleden: het nieuwe bedrag geldt dan ook voor maanden die al "
              "betaald zijn. Bevestig dat het met terugwerkende kracht geldt.",
              date=format_date(valid_from)), field="retroactive")
    rate = AllowanceRate(category=category, valid_from=valid_from, amount=value,
                         created_by_id=actor.id)
    session.add(rate)
    session.flush()
    audit.record(session, actor=actor, action="allowance_rate.created", entity=rate,
                 changes={"category": category, "valid_from": valid_from.isoformat(),
                          "amount": str(value), "retroactive": valid_from < today,
                          "previous_amount": str(latest.amount) if latest else None})
    return rate


def agreement_allowance(session: Session, agreement: Agreement, on: date) -> Decimal | None:
    """What the agreement pays a month on `on`: the category's rate in force for an OAO with a
    category (an index step needs no new contract), else the stated amount."""
    if agreement.kind == K.ALTERNATING_TRAINING.value and agreement.allowance_category:
        try:
            return allowance_in_force(session, agreement.allowance_category, on)
        except DomainError:
            return None
    return Decimal(agreement.monthly_allowance)


# --- rules --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgreementRules:
    """The configured thresholds (DOMAIN.md, Agreement)."""

    internship_max_hours: float = 20
    min_hours_alternating: float = 20
    signature_days: int = 14

    @classmethod
    def from_config(cls, config=None) -> AgreementRules:
        """The rules from the application's configuration."""
        config = config if config is not None else current_app.config
        return cls(
            internship_max_hours=float(config["AGREEMENT_INTERNSHIP_MAX_HOURS"]),
            min_hours_alternating=float(config["AGREEMENT_MIN_HOURS_ALTERNATING"]),
            signature_days=int(config["AGREEMENT_SIGNATURE_DAYS"]),
        )


def _decimal(value: Any, field: str = "monthly_allowance") -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Geef een bedrag in euro, bijvoorbeeld 480,00."),
                          field=field) from None
    if not amount.is_finite():
        raise DomainError(_("Geef een bedrag in euro, bijvoorbeeld 480,00."), field=field)
    return amount


def check_hours(*, kind: str, hours_per_week: float, rules: AgreementRules) -> None:
    """Refuse a placement whose hours do not fit the programme's kind of agreement."""
    hours = contract.format_hours(hours_per_week)
    if kind == K.INTERNSHIP.value and hours_per_week >= rules.internship_max_hours:
        raise DomainError(
            _("Deze opleiding werkt met een stageovereenkomst: die is voor minder dan %(limit)s "
              "uur per week op de werkplek, en de plaatsing telt %(hours)s uur per week. Wijzig "
              "de uren van de plaatsing.",
              limit=contract.format_hours(rules.internship_max_hours), hours=hours),
            field="hours_per_week")
    if kind != K.INTERNSHIP.value and hours_per_week < rules.min_hours_alternating:
        raise DomainError(
            _("Deze opleiding werkt met een %(kind)s: die vraagt minstens %(minimum)s uur per week "
              "op de werkplek, en de plaatsing telt %(hours)s uur per week. Wijzig de uren van de "
              "plaatsing.", kind=str(KIND_NAMES.get(kind, kind)),
              minimum=contract.format_hours(rules.min_hours_alternating), hours=hours),
            field="hours_per_week")


def check_terms(*, kind: str, starts_on: date | None, ends_on: date | None,
                hours_per_week: float | None, allowance_category: int | None,
                monthly_allowance: Decimal, placement: Placement, sector: Sector,
                rules: AgreementRules) -> None:
    """Refuse terms that break a rule of the kind, or dates outside the placement."""
    if kind not in {k.value for k in K}:
        raise DomainError(_("Kies het soort overeenkomst."), field="kind")
    if starts_on is None:
        raise DomainError(_("Vul de begindatum in."), field="starts_on")
    if ends_on is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends_on < starts_on:
        raise DomainError(_("De einddatum ligt vóór de begindatum."), field="ends_on")
    if starts_on < placement.starts_on:
        raise DomainError(
            _("De overeenkomst begint vóór de plaatsing (die begint op %(date)s).",
              date=format_date(placement.starts_on)), field="starts_on")
    if ends_on > placement.ends_on:
        raise DomainError(
            _("De overeenkomst eindigt na de plaatsing (die eindigt op %(date)s).",
              date=format_date(placement.ends_on)), field="ends_on")
    if hours_per_week is None or not 0 < hours_per_week <= 50:
        raise DomainError(_("Geef het gemiddelde aantal uren per week op de werkplek, tussen 0 "
                            "en 50."), field="hours_per_week")
    check_hours(kind=kind, hours_per_week=hours_per_week, rules=rules)
    if kind == K.ALTERNATING_TRAINING.value:
        if allowance_category not in ALLOWANCE_CATEGORIES:
            raise DomainError(_("Kies de categorie van de leervergoeding: ze hangt af van de "
                                "vooropleiding van de lerende."), field="allowance_category")
        if monthly_allowance != 0:
            raise DomainError(
                _("De leervergoeding van een overeenkomst alternerende opleiding is het vaste, "
                  "geïndexeerde bedrag van de categorie; een ander bedrag kan niet."),
                field="monthly_allowance")
        return
    if allowance_category is not None:
        raise DomainError(_("Alleen een overeenkomst alternerende opleiding heeft een categorie "
                            "van de leervergoeding."), field="allowance_category")
    if monthly_allowance < 0:
        raise DomainError(_("Het bedrag kan niet negatief zijn."), field="monthly_allowance")
    if kind == K.INTERNSHIP.value:
        return  # no allowance; an expense allowance may be stated
    if not sector.allows_part_time_employment:
        raise DomainError(
            _("De sector %(sector)s staat geen deeltijdse arbeidsovereenkomst toe; de opleiding "
              "moet een ander soort overeenkomst krijgen.", sector=sector.name), field="kind")
    if monthly_allowance <= 0:
        raise DomainError(_("Vul het bruto maandloon in volgens de loonschalen van het paritair "
                            "comité van de onderneming."), field="monthly_allowance")


# --- loading and permissions ----------------------------------------------------------------

@dataclass
class Parts:
    """An agreement's surroundings."""

    placement: Placement
    trajectory: Trajectory
    learner: Learner
    programme: Programme
    sector: Sector
    school: School
    site: Site
    company: Company
    mentor: Mentor


def parts_of(session: Session, placement: Placement) -> Parts:
    """Everything around a placement that the rules and the contract need."""
    trajectory = session.get(Trajectory, placement.trajectory_id)
    programme = session.get(Programme, trajectory.programme_id)
    site = session.get(Site, placement.site_id)
    return Parts(
        placement=placement, trajectory=trajectory,
        learner=session.get(Learner, trajectory.learner_id), programme=programme,
        sector=session.get(Sector, programme.sector_id),
        school=session.get(School, trajectory.school_id), site=site,
        company=session.get(Company, site.company_id),
        mentor=session.get(Mentor, placement.mentor_id),
    )


def may_manage(actor: User, trajectory: Trajectory) -> bool:
    """Whether `actor` may draw up, send and end agreements of this trajectory (see policy)."""
    return policy.may(actor, "agreement.manage", trajectory)


def _require_manage(actor: User, trajectory: Trajectory) -> None:
    policy.require_may(actor, "agreement.manage", trajectory)


def _transition(session: Session, agreement: Agreement, action: str, *, actor: Any,
                changes: dict[str, Any] | None = None) -> None:
    """Move to the action's target state, or refuse; records the audit event."""
    # Re-read under a row lock, so that two requests cannot both act on the same state.
    session.refresh(agreement, with_for_update=True)
    sources, target, message = TRANSITIONS[action]
    if agreement.status not in sources:
        raise DomainError(str(message) % {"status": status_label(agreement.status)})
    before = agreement.status
    agreement.status = target
    session.flush()
    audit.record(session, actor=actor, action=f"agreement.{target}", entity=agreement,
                 changes={"status": [before, target], **(changes or {})})


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _terms_snapshot(agreement: Agreement) -> dict[str, Any]:
    return {name: _plain(getattr(agreement, name)) for name in TERM_FIELDS}


def _require_state(agreement: Agreement, action: str) -> None:
    """Refuse early (before any work) when the agreement's state does not allow `action`."""
    sources, _target, message = TRANSITIONS[action]
    if agreement.status not in sources:
        raise DomainError(str(message) % {"status": status_label(agreement.status)})


def _latest_version(session: Session, placement_id: int) -> Agreement | None:
    return session.execute(
        select(Agreement).where(Agreement.placement_id == placement_id)
        .order_by(Agreement.version.desc()).limit(1)
    ).scalar_one_or_none()


# --- drafting -----------------------------------------------------------------------------

def create_agreement(session: Session, *, actor: User, placement: Placement,
                     starts_on: date | None = None, ends_on: date | None = None,
                     allowance_category: int | None = None, monthly_allowance: Any = 0,
                     rules: AgreementRules | None = None) -> Agreement:
    """Draw up the first agreement of a placement: the programme's kind, the placement's hours
    (dates default to the placement's)."""
    parts = parts_of(session, placement)
    _require_manage(actor, parts.trajectory)
    if parts.trajectory.status != TrajectoryStatus.ACTIVE.value:
        raise DomainError(_("Dit traject is afgesloten; er kan geen overeenkomst meer bij."))
    existing = _latest_version(session, placement.id)
    if existing is not None:
        raise DomainError(
            _("Voor deze plaatsing bestaat al een overeenkomst (versie %(version)d). Wijzig het "
              "ontwerp, of maak een nieuwe versie van de ondertekende overeenkomst.",
              version=existing.version))
    kind = parts.programme.agreement_kind
    starts_on = starts_on or placement.starts_on
    ends_on = ends_on or placement.ends_on
    allowance = _decimal(monthly_allowance)
    check_terms(kind=kind, starts_on=starts_on, ends_on=ends_on,
                hours_per_week=placement.hours_per_week, allowance_category=allowance_category,
                monthly_allowance=allowance, placement=placement, sector=parts.sector,
                rules=rules or AgreementRules.from_config())
    agreement = Agreement(placement_id=placement.id, version=1, kind=kind, starts_on=starts_on,
                          ends_on=ends_on, hours_per_week=float(placement.hours_per_week),
                          allowance_category=allowance_category, monthly_allowance=allowance,
                          created_by_id=actor.id)
    session.add(agreement)
    audit.record(session, actor=actor, action="agreement.created", entity=agreement,
                 changes={"placement_id": placement.id, "version": 1,
                          **_terms_snapshot(agreement)})
    return agreement


def update_draft(session: Session, *, actor: User, agreement: Agreement,
                 starts_on: date | None, ends_on: date | None,
                 allowance_category: int | None = None, monthly_allowance: Any = 0,
                 rules: AgreementRules | None = None) -> Agreement:
    """Change the terms of a draft (kind and hours follow programme and placement); anything
    already sent or signed is refused."""
    placement = session.get(Placement, agreement.placement_id)
    parts = parts_of(session, placement)
    _require_manage(actor, parts.trajectory)
    session.refresh(agreement, with_for_update=True)
    if agreement.status != S.DRAFT.value:
        if agreement.status == S.AWAITING_SIGNATURES.value:
            message = _("Deze overeenkomst is verstuurd ter ondertekening. Neem ze eerst terug "
                        "om ze te wijzigen; alle partijen ondertekenen daarna opnieuw.")
        else:
            message = _("Een %(status)s overeenkomst wordt nooit gewijzigd; maak een nieuwe "
                        "versie.", status=status_label(agreement.status))
        raise DomainError(message)
    kind = parts.programme.agreement_kind
    allowance = _decimal(monthly_allowance)
    check_terms(kind=kind, starts_on=starts_on, ends_on=ends_on,
                hours_per_week=placement.hours_per_week, allowance_category=allowance_category,
                monthly_allowance=allowance, placement=placement, sector=parts.sector,
                rules=rules or AgreementRules.from_config())
    before = _terms_snapshot(agreement)
    agreement.kind, agreement.starts_on, agreement.ends_on = kind, starts_on, ends_on
    agreement.hours_per_week = float(placement.hours_per_week)
    agreement.allowance_category, agreement.monthly_allowance = allowance_category, allowance
    changes = audit.diff(before, _terms_snapshot(agreement))
    if changes:
        audit.record(session, actor=actor, action="agreement.updated", entity=agreement,
                     changes=changes)
    return agreement


def _follow_programme_and_placement(session: Session, *, actor: User, agreement: Agreement,
                                    parts: Parts) -> None:
    """A draft takes the programme's kind and the placement's hours as they are now."""
    before = _terms_snapshot(agreement)
    agreement.kind = parts.programme.agreement_kind
    agreement.hours_per_week = float(parts.placement.hours_per_week)
    changes = audit.diff(before, _terms_snapshot(agreement))
    if changes:
        audit.record(session, actor=actor, action="agreement.updated", entity=agreement,
                     changes=changes)


def new_version(session: Session, *, actor: User, agreement: Agreement) -> Agreement:
    """A draft copy of a signed agreement to change (version + 1); the signed one stays."""
    placement = session.get(Placement, agreement.placement_id)
    trajectory = session.get(Trajectory, placement.trajectory_id)
    _require_manage(actor, trajectory)
    if agreement.status != S.SIGNED.value:
        if agreement.status == S.DRAFT.value:
            raise DomainError(_("Dit is nog een ontwerp; wijzig het gewoon."))
        raise DomainError(
            _("Alleen van een ondertekende overeenkomst wordt een nieuwe versie gemaakt; deze is "
              "‘%(status)s’.", status=status_label(agreement.status)))
    latest = _latest_version(session, placement.id)
    if latest.id != agreement.id:
        raise DomainError(_("Er bestaat al een nieuwere versie (versie %(version)d).",
                            version=latest.version))
    copy = Agreement(placement_id=agreement.placement_id, version=agreement.version + 1,
                     previous_version_id=agreement.id, kind=agreement.kind,
                     starts_on=agreement.starts_on, ends_on=agreement.ends_on,
                     hours_per_week=agreement.hours_per_week,
                     allowance_category=agreement.allowance_category,
                     monthly_allowance=agreement.monthly_allowance, created_by_id=actor.id)
    session.add(copy)
    audit.record(session, actor=actor, action="agreement.versioned", entity=copy,
                 changes={"previous_version_id": agreement.id, "version": copy.version,
                          **_terms_snapshot(copy)})
    return copy


def preview_pdf(session: Session, *, actor: User, agreement: Agreement, today: date) -> bytes:
    """The contract as it would be sent today, marked as a draft; nothing is stored."""
    placement = session.get(Placement, agreement.placement_id)
    parts = parts_of(session, placement)
    _require_manage(actor, parts.trajectory)
    try:
        signers = {party.party: party.name
                   for party in signing_parties(session, actor=actor, parts=parts, today=today)}
    except DomainError:
        signers = {}  # what is missing is said when sending; the draft shows what is known
    return contract.render(contract.contract_data(session, agreement, today=today, draft=True,
                                                  signers=signers))


# --- sending ------------------------------------------------------------------------------

@dataclass
class Invitation:
    """A signature request to e-mail: the row and the raw secret of its link."""

    signature: Signature
    raw_token: str


@dataclass
class _Party:
    party: str
    email: str
    name: str
    language: str


def _user_language(user: User | None, default: str = "nl") -> str:
    return user.language if user is not None and user.language in ("nl", "fr", "en") else default


def signing_parties(session: Session, *, actor: User, parts: Parts, today: date) -> list[_Party]:
    """Who signs: learner, guardian when a minor today, company, school; or a clear refusal."""
    learner, company = parts.learner, parts.company
    # Mails and signing pages speak the learner's own language, whatever the contract's.
    learner_language = language_of(learner.language)
    learner_name = f"{learner.first_name} {learner.last_name}"
    if not learner.email:
        raise DomainError(_("Vul eerst het e-mailadres van %(name)s in: de lerende ondertekent "
                            "via een e-mail.", name=learner_name))
    parties = [_Party(P.LEARNER.value, learner.email, learner_name, learner_language)]
    if contract.is_minor(learner.birth_date, today):
        if not learner.guardian_name or not learner.guardian_email:
            raise DomainError(_("%(name)s is minderjarig: vul eerst naam en e-mailadres van de "
                                "wettelijk vertegenwoordiger in.", name=learner_name))
        parties.append(_Party(P.GUARDIAN.value, learner.guardian_email, learner.guardian_name,
                              learner_language))
    company_user = session.execute(
        select(User).where(User.company_id == company.id, User.role == Role.COMPANY.value,
                           User.is_active.is_(True))
        .order_by(User.id).limit(1)
    ).scalar_one_or_none()
    if company.contact_email and company.contact_name:
        contact_user = session.execute(
            select(User).where(func.lower(User.email) == company.contact_email.lower())
        ).scalar_one_or_none()
        parties.append(_Party(P.COMPANY.value, company.contact_email, company.contact_name,
                              _user_language(contact_user)))
    elif company_user is not None:
        parties.append(_Party(P.COMPANY.value, company_user.email, company_user.full_name,
                              _user_language(company_user)))
    else:
        raise DomainError(_("Vul eerst de contactpersoon (naam en e-mailadres) van %(company)s "
                            "in: die ondertekent voor de onderneming.", company=company.name))
    coordinator = (session.get(User, parts.trajectory.coordinator_id)
                   if parts.trajectory.coordinator_id else None)
    if coordinator is None or not coordinator.is_active or coordinator.role != Role.COORDINATOR:
        coordinator = actor if actor.role == Role.COORDINATOR else None
    if coordinator is None:
        raise DomainError(_("Dit traject heeft geen trajectbegeleider die voor de school kan "
                            "ondertekenen."))
    parties.append(_Party(P.SCHOOL.value, coordinator.email, coordinator.full_name,
                          _user_language(coordinator)))
    return parties


def _new_token(signature: Signature, *, now: datetime, rules: AgreementRules) -> str:
    raw = secrets.token_urlsafe(32)
    signature.token_hash = hash_token(raw)
    signature.token_expires_at = now + timedelta(days=rules.signature_days)
    signature.last_reminded_at = now
    return raw


def _store_document(session: Session, *, kind: str, filename: str, content: bytes,
                    agreement: Agreement, actor_id: int | None) -> Document:
    document = Document(kind=kind, filename=filename, content=content,
                        sha256=pdf.sha256(content), size_bytes=len(content),
                        subject_type="agreement", subject_id=agreement.id,
                        created_by_id=actor_id)
    session.add(document)
    session.flush()
    return document


def send_for_signature(session: Session, *, actor: User, agreement: Agreement, today: date,
                       now: datetime | None = None,
                       rules: AgreementRules | None = None) -> list[Invitation]:
    """Render and store the contract once, and ask every party to sign it (draft → awaiting)."""
    now, rules = now or utcnow(), rules or AgreementRules.from_config()
    placement = session.get(Placement, agreement.placement_id)
    parts = parts_of(session, placement)
    _require_manage(actor, parts.trajectory)
    _require_state(agreement, "send")
    # The rules are checked again: the programme, the placement or the sector may have changed.
    _follow_programme_and_placement(session, actor=actor, agreement=agreement, parts=parts)
    check_terms(kind=agreement.kind, starts_on=agreement.starts_on, ends_on=agreement.ends_on,
                hours_per_week=agreement.hours_per_week,
                allowance_category=agreement.allowance_category,
                monthly_allowance=Decimal(agreement.monthly_allowance), placement=placement,
                sector=parts.sector, rules=rules)
    gaps = contract.contract_gaps(session, agreement)
    if gaps:
        raise DomainError(" ".join([_("De overeenkomst kan nog niet verstuurd worden: ze moet "
                                      "dit vermelden."), *gaps]))
    parties = signing_parties(session, actor=actor, parts=parts, today=today)
    data = contract.contract_data(session, agreement, today=today,
                                  signers={party.party: party.name for party in parties})
    content = contract.render(data)
    _transition(session, agreement, "send", actor=actor)
    document = _store_document(
        session, kind="agreement", content=content, agreement=agreement, actor_id=actor.id,
        filename=f"overeenkomst-{agreement.id}-v{agreement.version}.pdf")
    agreement.document_id, agreement.contract_data = document.id, data
    agreement.sent_at, agreement.signed_at = now, None
    invitations = []
    for party in parties:
        signature = Signature(agreement_id=agreement.id, document_id=document.id,
                              party=party.party, signer_email=party.email,
                              expected_name=party.name, language=party.language)
        raw = _new_token(signature, now=now, rules=rules)
        session.add(signature)
        invitations.append(Invitation(signature, raw))
    session.flush()
    audit.record(session, actor=actor, action="signature.requested", entity=agreement,
                 changes={"document_id": document.id, "sha256": document.sha256,
                          "parties": {p.party: p.email for p in parties}})
    return invitations


def reopen(session: Session, *, actor: User, agreement: Agreement) -> Agreement:
    """Take a sent agreement back to change it; its links stop working (document changed)."""
    placement = session.get(Placement, agreement.placement_id)
    _require_manage(actor, session.get(Trajectory, placement.trajectory_id))
    _transition(session, agreement, "reopen", actor=actor,
                changes={"document_id": [agreement.document_id, None]})
    # The sent document stays stored; the agreement just no longer points at it, so that every
    # link sent for it is refused as "changed".
    agreement.document_id, agreement.contract_data, agreement.sent_at = None, None, None
    session.flush()
    return agreement


def current_signatures(session: Session, agreement: Agreement) -> list[Signature]:
    """The signature requests for the agreement's current document, in party order."""
    if agreement.document_id is None:
        return []
    rows = session.execute(
        select(Signature).where(Signature.agreement_id == agreement.id,
                                Signature.document_id == agreement.document_id)
    ).scalars().all()
    return sorted(rows, key=lambda row: PARTY_ORDER.index(row.party))


def resend_link(session: Session, *, actor: User, agreement: Agreement, signature: Signature,
                now: datetime | None = None, rules: AgreementRules | None = None) -> Invitation:
    """A new link for a party who has not signed yet; the earlier link stops working."""
    now, rules = now or utcnow(), rules or AgreementRules.from_config()
    placement = session.get(Placement, agreement.placement_id)
    _require_manage(actor, session.get(Trajectory, placement.trajectory_id))
    session.refresh(signature, with_for_update=True)
    if (signature.agreement_id != agreement.id or agreement.status != S.AWAITING_SIGNATURES.value
            or signature.document_id != agreement.document_id):
        raise DomainError(_("Deze overeenkomst wacht niet (meer) op deze handtekening."))
    if signature.signed_at is not None:
        raise DomainError(_("%(name)s heeft al ondertekend.", name=signature.signer_name))
    raw = _new_token(signature, now=now, rules=rules)
    session.flush()
    audit.record(session, actor=actor, action="signature.link_resent", entity=agreement,
                 changes={"party": signature.party, "email": signature.signer_email})
    return Invitation(signature, raw)


# --- signing (no account: the link is the key) --------------------------------------------

class LinkRefused(DomainError):
    """A signature link that cannot be used: `reason` is invalid, used, expired or changed."""

    def __init__(self, reason: str, message: Any, language: str | None = None) -> None:
        # `message` is lazy, so that the page shows it in the party's language.
        super().__init__(message)
        self.reason = reason
        self.language = language


@dataclass
class SigningLink:
    """A usable link: the request, its agreement and the exact document to show."""

    signature: Signature
    agreement: Agreement
    document: Document


@dataclass(frozen=True)
class Signer:
    """The audit trail's actor for a party who signs through a link (no account)."""

    email: str
    id: int | None = None

    def __str__(self) -> str:
        return self.email


LINK_MESSAGES = {
    "invalid": _l("Deze link is niet (meer) geldig."),
    "changed": _l("De overeenkomst is gewijzigd sinds deze link verstuurd werd. Deze link hoort "
                  "bij een document dat niet meer geldt; wacht op de nieuwe link van de school."),
    "changed_while_open": _l("Het document is gewijzigd terwijl je het bekeek. Open de link "
                             "opnieuw en lees de nieuwe versie."),
    "used": _l("Met deze link werd al ondertekend."),
    "closed": _l("Deze overeenkomst wacht niet meer op handtekeningen."),
    "expired": _l("Deze link is verlopen. Vraag de school om een nieuwe link."),
}


def _refuse(reason: str, signature: Signature | None, message_key: str | None = None):
    return LinkRefused(reason, LINK_MESSAGES[message_key or reason],
                       language=signature.language if signature is not None else None)


def open_link(session: Session, *, raw_token: str, now: datetime | None = None,
              lock: bool = False) -> SigningLink:
    """The request behind a link, or LinkRefused saying why it cannot be used."""
    now = now or utcnow()
    statement = select(Signature).where(Signature.token_hash == hash_token(raw_token or ""))
    if lock:
        statement = statement.with_for_update()
    signature = session.execute(statement).scalar_one_or_none()
    if signature is None:
        raise _refuse("invalid", None)
    agreement = session.get(Agreement, signature.agreement_id)
    if agreement.document_id is None or signature.document_id != agreement.document_id:
        raise _refuse("changed", signature)
    if signature.signed_at is not None:
        raise _refuse("used", signature)
    if agreement.status != S.AWAITING_SIGNATURES.value:
        raise _refuse("used", signature, "closed")
    if signature.token_expires_at is None or signature.token_expires_at <= now:
        raise _refuse("expired", signature)
    return SigningLink(signature, agreement, session.get(Document, agreement.document_id))


def normalise_name(name: str) -> str:
    """A name compared without case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    cleaned = "".join(char if char.isalnum() else " " for char in letters.casefold())
    return " ".join(cleaned.split())


def sign(session: Session, *, raw_token: str, full_name: str, approved: bool,
         shown_sha256: str, ip: str, user_agent: str,
         now: datetime | None = None) -> SigningLink:
    """Record a party's signature of the document it was shown; the last one completes it."""
    now = now or utcnow()
    link = open_link(session, raw_token=raw_token, now=now, lock=True)
    signature, agreement, document = link.signature, link.agreement, link.document
    if (shown_sha256 or "").strip().lower() != document.sha256:
        raise _refuse("changed", signature, "changed_while_open")
    if not (full_name or "").strip():
        raise DomainError(_("Typ je volledige naam."), field="full_name")
    if normalise_name(full_name) != normalise_name(signature.expected_name):
        raise DomainError(_("Deze naam komt niet overeen met de ondertekenaar. Typ je volledige "
                            "naam: %(name)s.", name=signature.expected_name), field="full_name")
    if not approved:
        raise DomainError(_("Vink ‘gelezen en goedgekeurd’ aan om te ondertekenen."),
                          field="approved")
    # A conditional update keeps the link single-use even when two requests race.
    result = session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.signed_at.is_(None))
        .values(signed_at=now, signer_name=full_name.strip()[:200], ip=(ip or "")[:64],
                user_agent=(user_agent or "")[:500], document_sha256=document.sha256)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _refuse("used", signature)
    session.refresh(signature)
    signer = Signer(email=f"{signature.party}:{signature.signer_email}")
    audit.record(session, actor=signer, action="signature.signed", entity=agreement,
                 ip=signature.ip,
                 changes={"party": signature.party, "name": signature.signer_name,
                          "sha256": signature.document_sha256,
                          "user_agent": signature.user_agent})
    pending = [row for row in current_signatures(session, agreement) if row.signed_at is None]
    if not pending:
        _complete(session, agreement, now=now, actor=signer)
    return link


def _complete(session: Session, agreement: Agreement, *, now: datetime, actor: Any) -> None:
    """All parties signed: the agreement is signed and its final PDF is stored for good."""
    signatures = current_signatures(session, agreement)
    sent = session.get(Document, agreement.document_id)
    data = agreement.contract_data
    content = contract.render(
        data, signatures=contract.signature_rows(signatures, data["lang"]),
        signed_sha256=sent.sha256, signed_on=local_datetime(now).date())
    _transition(session, agreement, "sign_complete", actor=actor)
    document = _store_document(
        session, kind="agreement_signed", content=content, agreement=agreement, actor_id=None,
        filename=f"overeenkomst-{agreement.id}-v{agreement.version}-ondertekend.pdf")
    agreement.signed_document_id, agreement.signed_at = document.id, now
    session.flush()
    audit.record(session, actor=actor, action="agreement.documented", entity=agreement,
                 changes={"signed_document_id": document.id, "sha256": document.sha256})


# --- ending -------------------------------------------------------------------------------

def terminate(session: Session, *, actor: User, agreement: Agreement, kind: str | None,
              terminated_on: date | None, reason: str) -> Agreement:
    """End a signed agreement on a date (today, past or future) with a kind and a reason.

    The end date ends the placement too. An agreement that ends on a later day still counts as
    signed until that day (see `in_force_on`); ending before its end date restarts the clock of
    20 training days from the day after.
    """
    placement = session.get(Placement, agreement.placement_id)
    trajectory = session.get(Trajectory, placement.trajectory_id)
    _require_manage(actor, trajectory)
    _require_state(agreement, "terminate")
    reason = (reason or "").strip()
    if kind not in TERMINATION_KIND_LABELS:
        raise DomainError(_("Kies hoe de overeenkomst eindigt."), field="kind")
    if terminated_on is None:
        raise DomainError(_("Vul de datum van de beëindiging in."), field="terminated_on")
    if not reason:
        raise DomainError(_("Geef de reden van de beëindiging."), field="reason")
    if not agreement.starts_on <= terminated_on <= agreement.ends_on:
        raise DomainError(
            _("De beëindiging valt binnen de looptijd van de overeenkomst, van %(start)s tot en "
              "met %(end)s.", start=format_date(agreement.starts_on),
              end=format_date(agreement.ends_on)), field="terminated_on")
    _transition(session, agreement, "terminate", actor=actor,
                changes={"terminated_on": terminated_on.isoformat(), "termination_kind": kind,
                         "reason": reason[:1000]})
    agreement.terminated_on, agreement.termination_reason = terminated_on, reason[:1000]
    agreement.termination_kind = kind
    if terminated_on < placement.ends_on:
        # The end date ends the placement too (DOMAIN.md, Agreement).
        before = placement.ends_on
        placement.ends_on = terminated_on
        audit.record(session, actor=actor, action="placement.ended", entity=placement,
                     changes={"ends_on": [before.isoformat(), terminated_on.isoformat()],
                              "agreement_id": agreement.id})
    if terminated_on < agreement.ends_on:
        # Ended early: a new signed agreement is due within 20 training days from the next day.
        clock = terminated_on + timedelta(days=1)
        before = trajectory.agreement_clock_starts_on
        trajectory.agreement_clock_starts_on = clock
        audit.record(session, actor=actor, action="trajectory.agreement_clock_restarted",
                     entity=trajectory, changes={
                         "agreement_clock_starts_on": [_plain(before), clock.isoformat()],
                         "agreement_id": agreement.id})
    session.flush()
    return agreement


def ends_later(agreement: Agreement, today: date) -> bool:
    """A terminated agreement whose last day is still to come: it shows "eindigt op"."""
    return (agreement.status == S.TERMINATED.value and agreement.terminated_on is not None
            and agreement.terminated_on >= today)


def display_status(agreement: Agreement, today: date) -> tuple[str, str]:
    """The status label and colour to show, with "eindigt op <date>" until a later end date."""
    if ends_later(agreement, today):
        return (_("eindigt op %(date)s", date=format_date(agreement.terminated_on)),
                "warning")
    return status_label(agreement.status), STATUS_VARIANTS.get(agreement.status, "secondary")


# --- reading ------------------------------------------------------------------------------

@dataclass
class AgreementSummary:
    """An agreement as the trajectory page lists it."""

    agreement: Agreement
    placement: Placement
    site_name: str
    company_name: str
    signed: int = 0
    parties: int = 0
    superseded_by: int | None = None
    actions: list[str] = field(default_factory=list)
    # Terminated with a last day still to come: shown as "eindigt op <date>".
    ends_later: bool = False


def agreements_for_trajectory(session: Session, user: User,
                              trajectory_id: int) -> list[AgreementSummary]:
    """The trajectory's agreements the user may see, newest version first per placement."""
    rows = session.execute(
        select(Agreement, Placement, Site.name, Company.name)
        .join(Placement, Placement.id == Agreement.placement_id)
        .join(Site, Site.id == Placement.site_id)
        .join(Company, Company.id == Site.company_id)
        .where(Placement.trajectory_id == trajectory_id, policy.visible(user, Agreement))
        .order_by(Placement.starts_on.desc(), Placement.id, Agreement.version.desc())
    ).all()
    if not rows:
        return []
    agreement_ids = [row[0].id for row in rows]
    counts = {
        agreement_id: (signed, total)
        for agreement_id, signed, total in session.execute(
            select(Signature.agreement_id, func.count(Signature.signed_at), func.count())
            .join(Agreement, Agreement.id == Signature.agreement_id)
            .where(Signature.agreement_id.in_(agreement_ids),
                   Signature.document_id == Agreement.document_id)
            .group_by(Signature.agreement_id)
        ).all()
    }
    newer = {row[0].previous_version_id: row[0].version for row in rows
             if row[0].previous_version_id}
    trajectory = session.get(Trajectory, trajectory_id)
    manage = trajectory is not None and may_manage(user, trajectory)
    today = today_brussels()
    summaries = []
    for agreement, placement, site_name, company_name in rows:
        signed, total = counts.get(agreement.id, (0, 0))
        summaries.append(AgreementSummary(
            agreement=agreement, placement=placement, site_name=site_name,
            company_name=company_name, signed=signed, parties=total,
            superseded_by=newer.get(agreement.id),
            actions=available_actions(agreement, manage=manage,
                                      latest=agreement.id not in newer),
            ends_later=ends_later(agreement, today),
        ))
    return summaries


def available_actions(agreement: Agreement, *, manage: bool, latest: bool = True) -> list[str]:
    """The actions the agreement's state allows for a user who may (or may not) manage it."""
    if not manage:
        return ["signed_pdf"] if agreement.signed_document_id else []
    by_status = {
        S.DRAFT.value: ["edit", "preview", "send"],
        S.AWAITING_SIGNATURES.value: ["document", "resend", "reopen"],
        S.SIGNED.value: ["signed_pdf", "terminate"] + (["new_version"] if latest else []),
        S.TERMINATED.value: ["signed_pdf"],
    }
    return by_status.get(agreement.status, [])


def history(session: Session, agreement: Agreement) -> list[dict[str, Any]]:
    """The agreement's audit trail, oldest first, for its page."""
    events = session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == Agreement.__tablename__,
                                 AuditEvent.entity_id == agreement.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).scalars().all()
    return [{"at": event.at, "label": AUDIT_LABELS.get(event.action, event.action),
             "actor": event.actor_label, "changes": event.changes} for event in events]


def versions(session: Session, agreement: Agreement) -> list[Agreement]:
    """Every version of the placement's agreement, newest first."""
    return list(session.execute(
        select(Agreement).where(Agreement.placement_id == agreement.placement_id)
        .order_by(Agreement.version.desc())
    ).scalars())


def _contract_lang(agreement: Agreement, parts: Parts) -> str:
    # A sent contract keeps the language it was drawn up in; a draft follows the site today.
    stored = (agreement.contract_data or {}).get("lang")
    return stored or contract.contract_language(parts.site, parts.learner)


def contract_language_note(agreement: Agreement, parts: Parts) -> str:
    """In which language the agreement's contract is (or will be) drawn up, and why."""
    return contract.language_note(parts.site, _contract_lang(agreement, parts))


def translation_available(agreement: Agreement, parts: Parts) -> bool:
    """Whether the contract is (or will be) in Dutch, so a French translation can be attached."""
    return _contract_lang(agreement, parts) == Language.NL.value


def translation_pdf(session: Session, *, agreement: Agreement, today: date) -> bytes:
    """The Dutch contract in French, for information only: rendered now, never stored or signed.

    A sent contract is translated from the data it was drawn up from, so the translation says
    what the signed text says; a draft from what it would say today.
    """
    data = agreement.contract_data
    if data is None:
        data = contract.contract_data(session, agreement, today=today, draft=True)
    if data.get("lang") != Language.NL.value:
        raise DomainError(_("Dit contract is niet in het Nederlands opgesteld; een vertaling ter "
                            "informatie is er niet voor nodig."))
    return contract.render(contract.informative_translation(data))


def language_of(code: str | None) -> str:
    """A mail or page language dualflow speaks, Dutch when unknown."""
    return code if code in {lang.value for lang in Language} else Language.NL.value
