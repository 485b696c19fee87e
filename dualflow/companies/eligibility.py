"""Whether a mentor meets a sector's rules: a pure function of facts, rules and a date.

No database access here, so that the company pages, the recognition pages and the placement
screens all judge a mentor the same way, and tests can walk the boundaries day by day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from dualflow.i18n import format_date


@dataclass(frozen=True)
class MentorRules:
    """The sector parameters that decide mentor eligibility (defaults from DOMAIN.md)."""

    min_age: int = 25
    min_experience_years: int = 5
    min_age_qualified: int = 23
    min_experience_years_qualified: int = 2
    training_months: int = 12
    max_learners: int | None = None
    sector_name: str = ""

    @classmethod
    def from_sector(cls, sector: Any | None) -> MentorRules:
        """The rules of a `Sector` row; the defaults when the sector is unknown."""
        if sector is None:
            return cls()
        return cls(
            min_age=sector.mentor_min_age,
            min_experience_years=sector.mentor_min_experience_years,
            min_age_qualified=sector.mentor_min_age_qualified,
            min_experience_years_qualified=sector.mentor_min_experience_years_qualified,
            training_months=sector.mentor_training_months,
            max_learners=sector.max_learners_per_mentor,
            sector_name=sector.name,
        )


@dataclass(frozen=True)
class MentorFacts:
    """What is known about a mentor that the rules look at."""

    birth_date: date | None = None
    experience_years: int = 0
    relevant_qualification: bool = False
    appointed_on: date | None = None
    training_completed_on: date | None = None
    record_check_on: date | None = None

    @classmethod
    def from_mentor(cls, mentor: Any) -> MentorFacts:
        """The facts of a `Mentor` row."""
        return cls(
            birth_date=mentor.birth_date,
            experience_years=mentor.experience_years or 0,
            relevant_qualification=bool(mentor.relevant_qualification),
            appointed_on=mentor.appointed_on,
            training_completed_on=mentor.training_completed_on,
            record_check_on=mentor.record_check_on,
        )


@dataclass(frozen=True)
class RuleResult:
    """One line of the checklist: passed or not, and why."""

    code: str
    label: str
    ok: bool
    detail: str
    # Passed for now, but something must still happen (training before the deadline).
    pending: bool = False


@dataclass(frozen=True)
class Capacity:
    """Learners the mentor guides (current or upcoming placements) against the sector's cap."""

    active: int
    cap: int | None

    @property
    def has_room(self) -> bool:
        """Whether one more learner fits."""
        return self.cap is None or self.active < self.cap

    @property
    def over(self) -> bool:
        """Whether the mentor already guides more learners than allowed."""
        return self.cap is not None and self.active > self.cap

    @property
    def label(self) -> str:
        """'1 / 1', or '2 (geen maximum)' without a cap."""
        if self.cap is None:
            return _("%(active)d (geen maximum)", active=self.active)
        return f"{self.active} / {self.cap}"


@dataclass(frozen=True)
class Eligibility:
    """The whole verdict on one mentor on one day."""

    on: date
    rules: tuple[RuleResult, ...]
    capacity: Capacity
    training_deadline: date | None

    @property
    def eligible(self) -> bool:
        """Every personal rule is met (capacity is judged separately)."""
        return all(rule.ok for rule in self.rules)

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        """The rules that are not met."""
        return tuple(rule for rule in self.rules if not rule.ok)

    @property
    def pending(self) -> tuple[RuleResult, ...]:
        """Rules met for now that still need action."""
        return tuple(rule for rule in self.rules if rule.ok and rule.pending)

    @property
    def can_take_learner(self) -> bool:
        """Eligible and room for one more learner: may be put on a new placement."""
        return self.eligible and self.capacity.has_room


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31/08 + 6 months = 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on `on`: the birthday itself counts."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def training_deadline(facts: MentorFacts, rules: MentorRules) -> date | None:
    """The last day on which the mentor training may be completed (None without appointment)."""
    if facts.appointed_on is None:
        return None
    return add_months(facts.appointed_on, rules.training_months)


def _thresholds(facts: MentorFacts, rules: MentorRules, age: int | None) -> tuple[int, int]:
    """Minimum age and experience of the path that applies to this mentor."""
    standard = (rules.min_age, rules.min_experience_years)
    if not facts.relevant_qualification:
        return standard
    if age is not None and age >= standard[0] and facts.experience_years >= standard[1]:
        return standard
    # A relevant qualification opens the second path (normally lower age and experience).
    return (rules.min_age_qualified, rules.min_experience_years_qualified)


def _age_rule(facts: MentorFacts, age: int | None, minimum: int) -> RuleResult:
    label = _("Leeftijd")
    if age is None:
        return RuleResult("age", label, False, _("De geboortedatum ontbreekt."))
    if age < minimum:
        detail = _("%(age)d jaar; minimaal %(min)d jaar vereist.", age=age, min=minimum)
        return RuleResult("age", label, False, detail)
    return RuleResult("age", label, True, _("%(age)d jaar (minimaal %(min)d).", age=age,
                                            min=minimum))


def _experience_rule(facts: MentorFacts, minimum: int) -> RuleResult:
    label = _("Relevante ervaring")
    years = facts.experience_years
    qualified = facts.relevant_qualification
    if years < minimum:
        detail = (_("%(years)d jaar; minimaal %(min)d jaar vereist met relevante kwalificatie.",
                    years=years, min=minimum) if qualified else
                  _("%(years)d jaar; minimaal %(min)d jaar vereist.", years=years, min=minimum))
        return RuleResult("experience", label, False, detail)
    detail = (_("%(years)d jaar (minimaal %(min)d, met relevante kwalificatie).", years=years,
                min=minimum) if qualified else
              _("%(years)d jaar (minimaal %(min)d).", years=years, min=minimum))
    return RuleResult("experience", label, True, detail)


def _record_rule(facts: MentorFacts) -> RuleResult:
    label = _("Uittreksel strafregister (model 596.2)")
    if facts.record_check_on is None:
        return RuleResult("record_check", label, False,
                          _("Er is geen uittreksel uit het strafregister op dossier."))
    return RuleResult("record_check", label, True,
                      _("Op dossier sinds %(date)s.", date=format_date(facts.record_check_on)))


def _training_rule(facts: MentorFacts, rules: MentorRules, on: date,
                   deadline: date | None) -> RuleResult:
    label = _("Mentoropleiding")
    months = ngettext("%(num)d maand", "%(num)d maanden", rules.training_months)
    if facts.training_completed_on is not None:
        detail = _("Gevolgd op %(date)s.", date=format_date(facts.training_completed_on))
        if deadline is not None and facts.training_completed_on > deadline:
            # Late, but done: the purpose of the rule (a trained mentor) is met now.
            detail += " " + _("Dat was na de termijn van %(months)s (%(deadline)s).",
                              months=months, deadline=format_date(deadline))
        return RuleResult("training", label, True, detail)
    if deadline is None:
        return RuleResult("training", label, False,
                          _("Niet gevolgd, en zonder aanstellingsdatum is er geen termijn: vul "
                            "de aanstellingsdatum of de opleidingsdatum in."))
    if on <= deadline:
        return RuleResult("training", label, True,
                          _("Opleiding te volgen vóór of op %(date)s (%(months)s na de "
                            "aanstelling).", date=format_date(deadline), months=months),
                          pending=True)
    return RuleResult("training", label, False,
                      _("Niet gevolgd binnen %(months)s na de aanstelling: de termijn liep "
                        "af op %(date)s.", months=months, date=format_date(deadline)))


def check_mentor(facts: MentorFacts, rules: MentorRules, *, on: date,
                 active_placements: int = 0) -> Eligibility:
    """Judge a mentor on day `on` against the rules, with the number of learners guided."""
    age = age_on(facts.birth_date, on) if facts.birth_date else None
    min_age, min_experience = _thresholds(facts, rules, age)
    deadline = training_deadline(facts, rules)
    results = (
        _age_rule(facts, age, min_age),
        _experience_rule(facts, min_experience),
        _record_rule(facts),
        _training_rule(facts, rules, on, deadline),
    )
    return Eligibility(
        on=on,
        rules=results,
        capacity=Capacity(active=active_placements, cap=rules.max_learners),
        training_deadline=deadline,
    )
