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
    record_check_max_age_months: int = 12
    teaching_certificate_exempts: bool = False

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
            record_check_max_age_months=sector.record_check_max_age_months or 12,
            teaching_certificate_exempts=bool(sector.teaching_certificate_exempts),
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
    has_teaching_certificate: bool = False
    # The day of the first recognition decision naming the mentor: the training clock starts.
    recognised_on: date | None = None
    # The sector accepted the lower age and experience path at the recognition in question.
    lower_path_accepted: bool = False
    # The day on which the record extract must be recent: the recognition request's filing day
    # (None: judged on the day of the check, as for a request filed today).
    requested_on: date | None = None

    @classmethod
    def from_mentor(cls, mentor: Any, *, recognised_on: date | None = None,
                    lower_path_accepted: bool = False,
                    requested_on: date | None = None) -> MentorFacts:
        """The facts of a `Mentor` row, with those of the recognition in question."""
        return cls(
            birth_date=mentor.birth_date,
            experience_years=mentor.experience_years or 0,
            relevant_qualification=bool(mentor.relevant_qualification),
            appointed_on=mentor.appointed_on,
            training_completed_on=mentor.training_completed_on,
            record_check_on=mentor.record_check_on,
            has_teaching_certificate=bool(mentor.has_teaching_certificate),
            recognised_on=recognised_on,
            lower_path_accepted=lower_path_accepted,
            requested_on=requested_on,
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
    # Fails the standard age or experience but meets the lower path the sector may accept.
    lower_path_only: bool = False

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


def exempt_from_training(facts: MentorFacts, rules: MentorRules) -> bool:
    """A teaching certificate stands for the training where the sector says so."""
    return facts.has_teaching_certificate and rules.teaching_certificate_exempts


def training_start(facts: MentorFacts) -> date | None:
    """The day the training clock starts: the first recognition decision naming the mentor,
    or the appointment when the mentor was appointed after that decision (a new mentor at a
    workplace recognised earlier cannot have been trained in time before being appointed)."""
    if facts.recognised_on is None:
        return None
    if facts.appointed_on is not None and facts.appointed_on > facts.recognised_on:
        return facts.appointed_on
    return facts.recognised_on


def training_deadline(facts: MentorFacts, rules: MentorRules) -> date | None:
    """The last day on which the mentor training may be completed: the sector's months after
    the first recognition decision naming the mentor (None before it, or when exempt)."""
    start = training_start(facts)
    if start is None or exempt_from_training(facts, rules):
        return None
    return add_months(start, rules.training_months)


def _meets(age: int | None, years: int, minimum: tuple[int, int]) -> bool:
    return age is not None and age >= minimum[0] and years >= minimum[1]


def _thresholds(facts: MentorFacts, rules: MentorRules,
                age: int | None) -> tuple[tuple[int, int], bool]:
    """Minimum age and experience of the path that applies, and whether the mentor meets
    only the lower path (which the sector may accept at review, never automatically)."""
    standard = (rules.min_age, rules.min_experience_years)
    lower = (rules.min_age_qualified, rules.min_experience_years_qualified)
    if not facts.relevant_qualification or _meets(age, facts.experience_years, standard):
        return standard, False
    if not _meets(age, facts.experience_years, lower):
        return standard, False
    return (lower if facts.lower_path_accepted else standard), True


def _lower_path_note(rules: MentorRules) -> str:
    return _("Voldoet wel aan de lagere grens met relevante kwalificatie (%(age)d jaar, "
             "%(years)d jaar ervaring); die aanvaardt de sector bij de beoordeling van de "
             "erkenningsaanvraag.", age=rules.min_age_qualified,
             years=rules.min_experience_years_qualified)


def _age_rule(age: int | None, minimum: int, lower_note: str = "",
              accepted: bool = False) -> RuleResult:
    label = _("Leeftijd")
    if age is None:
        return RuleResult("age", label, False, _("De geboortedatum ontbreekt."))
    if age < minimum:
        detail = _("%(age)d jaar; minimaal %(min)d jaar vereist.", age=age, min=minimum)
        return RuleResult("age", label, False, " ".join(filter(None, (detail, lower_note))))
    if accepted:
        return RuleResult("age", label, True, _(
            "%(age)d jaar (minimaal %(min)d: lagere grens, door de sector aanvaard).",
            age=age, min=minimum))
    return RuleResult("age", label, True, _("%(age)d jaar (minimaal %(min)d).", age=age,
                                            min=minimum))


def _experience_rule(facts: MentorFacts, minimum: int, lower_note: str = "",
                     accepted: bool = False) -> RuleResult:
    label = _("Relevante ervaring")
    years = facts.experience_years
    qualified = accepted
    if years < minimum and lower_note:
        detail = _("%(years)d jaar; minimaal %(min)d jaar vereist.", years=years, min=minimum)
        return RuleResult("experience", label, False, f"{detail} {lower_note}")
    if years < minimum:
        detail = (_("%(years)d jaar; minimaal %(min)d jaar vereist met relevante kwalificatie.",
                    years=years, min=minimum) if qualified else
                  _("%(years)d jaar; minimaal %(min)d jaar vereist.", years=years, min=minimum))
        return RuleResult("experience", label, False, detail)
    detail = (_("%(years)d jaar (minimaal %(min)d, met relevante kwalificatie).", years=years,
                min=minimum) if qualified else
              _("%(years)d jaar (minimaal %(min)d).", years=years, min=minimum))
    return RuleResult("experience", label, True, detail)


def _age_in_words(start: date, end: date) -> str:
    """'10 maanden en 5 dagen', whole months first (clamped like `add_months`)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    days = (end - add_months(start, months)).days
    month_text = ngettext("%(num)d maand", "%(num)d maanden", months)
    day_text = ngettext("%(num)d dag", "%(num)d dagen", days)
    if months and days:
        return _("%(months)s en %(days)s", months=month_text, days=day_text)
    return month_text if months else day_text


def _record_rule(facts: MentorFacts, rules: MentorRules, on: date) -> RuleResult:
    label = _("Uittreksel strafregister (model 596.2)")
    if facts.record_check_on is None:
        return RuleResult("record_check", label, False,
                          _("Er is geen uittreksel uit het strafregister op dossier."))
    reference = facts.requested_on or on
    limit = ngettext("%(num)d maand", "%(num)d maanden", rules.record_check_max_age_months)
    extract = format_date(facts.record_check_on)
    if facts.record_check_on > reference:
        # Dated after the request: recent by definition (a newer extract replaced the old one).
        return RuleResult("record_check", label, True, _(
            "Uittreksel van %(date)s, na de aanvraag van %(request)s (hoogstens %(limit)s oud "
            "bij de aanvraag).", date=extract, request=format_date(reference), limit=limit))
    age = _age_in_words(facts.record_check_on, reference)
    ok = add_months(facts.record_check_on, rules.record_check_max_age_months) >= reference
    if facts.requested_on is not None:
        detail = _("Uittreksel van %(date)s: %(age)s oud op de dag van de aanvraag "
                   "(%(request)s); hoogstens %(limit)s toegelaten.", date=extract, age=age,
                   request=format_date(reference), limit=limit)
    else:
        detail = _("Uittreksel van %(date)s: vandaag %(age)s oud; bij een aanvraag hoogstens "
                   "%(limit)s toegelaten.", date=extract, age=age, limit=limit)
    return RuleResult("record_check", label, ok, detail)


def _training_rule(facts: MentorFacts, rules: MentorRules, on: date,
                   deadline: date | None) -> RuleResult:
    label = _("Mentoropleiding")
    months = ngettext("%(num)d maand", "%(num)d maanden", rules.training_months)
    if facts.training_completed_on is None and exempt_from_training(facts, rules):
        return RuleResult("training", label, True, _(
            "Vrijgesteld: pedagogisch getuigschrift (de sector %(sector)s aanvaardt het in de "
            "plaats van de mentoropleiding).", sector=rules.sector_name or "—"))
    if facts.training_completed_on is not None:
        detail = _("Gevolgd op %(date)s.", date=format_date(facts.training_completed_on))
        if deadline is not None and facts.training_completed_on > deadline:
            # Late, but done: the purpose of the rule (a trained mentor) is met now.
            detail += " " + _("Dat was na de termijn van %(months)s (%(deadline)s).",
                              months=months, deadline=format_date(deadline))
        return RuleResult("training", label, True, detail)
    if deadline is None:
        return RuleResult("training", label, True,
                          _("Nog niet gevolgd: te volgen binnen %(months)s na de eerste "
                            "erkenningsbeslissing die de mentor noemt.", months=months),
                          pending=True)
    if training_start(facts) != facts.recognised_on:
        since = _("de aanstelling op %(date)s (na de erkenningsbeslissing)",
                  date=format_date(facts.appointed_on))
    else:
        since = _("de erkenningsbeslissing van %(date)s", date=format_date(facts.recognised_on))
    if on <= deadline:
        return RuleResult("training", label, True,
                          _("Opleiding te volgen vóór of op %(date)s (%(months)s na "
                            "%(since)s).", date=format_date(deadline), months=months,
                            since=since),
                          pending=True)
    return RuleResult("training", label, False,
                      _("Niet gevolgd binnen %(months)s na %(since)s: de termijn liep af op "
                        "%(date)s.", months=months, since=since, date=format_date(deadline)))


def check_mentor(facts: MentorFacts, rules: MentorRules, *, on: date,
                 active_placements: int = 0) -> Eligibility:
    """Judge a mentor on day `on` against the rules, with the number of learners guided."""
    age = age_on(facts.birth_date, on) if facts.birth_date else None
    (min_age, min_experience), lower_only = _thresholds(facts, rules, age)
    accepted = lower_only and facts.lower_path_accepted
    note = _lower_path_note(rules) if lower_only and not accepted else ""
    deadline = training_deadline(facts, rules)
    results = (
        _age_rule(age, min_age, note, accepted),
        _experience_rule(facts, min_experience, note, accepted),
        _record_rule(facts, rules, on),
        _training_rule(facts, rules, on, deadline),
    )
    return Eligibility(
        on=on,
        rules=results,
        capacity=Capacity(active=active_placements, cap=rules.max_learners),
        training_deadline=deadline,
        lower_path_only=lower_only,
    )
