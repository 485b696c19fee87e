"""Mentor eligibility on the boundaries: birthdays, experience, training deadline, the cap."""

from __future__ import annotations

from datetime import date

import pytest

from dualflow.companies.eligibility import (
    MentorFacts,
    MentorRules,
    add_months,
    age_on,
    check_mentor,
)

DEFAULT = MentorRules()  # 25/5, or 23/2 with a qualification; training within 12 months
CONSTRUCTION = MentorRules(training_months=6, max_learners=1)

BORN = date(2001, 3, 15)  # 25 on 15/03/2026, 23 on 15/03/2024
RECOGNISED = date(2026, 1, 15)  # the first recognition decision naming the mentor
TRAINED = date(2025, 6, 1)
RECORD = date(2026, 1, 1)


def facts(**overrides) -> MentorFacts:
    values = {"birth_date": date(1980, 1, 1), "experience_years": 10,
              "relevant_qualification": False, "recognised_on": RECOGNISED,
              "training_completed_on": TRAINED, "record_check_on": RECORD}
    values.update(overrides)
    return MentorFacts(**values)


def rule(result, code):
    return next(item for item in result.rules if item.code == code)


# (id, facts, rules, day, rule code, expected ok, expected pending, text in the detail)
CASES = [
    ("day before 25th birthday", facts(birth_date=BORN, experience_years=5), DEFAULT,
     date(2026, 3, 14), "age", False, False, "24 jaar; minimaal 25"),
    ("on 25th birthday", facts(birth_date=BORN, experience_years=5), DEFAULT,
     date(2026, 3, 15), "age", True, False, "25 jaar"),
    ("day before 23rd birthday, qualified, accepted", facts(
        birth_date=BORN, experience_years=2, relevant_qualification=True,
        lower_path_accepted=True), DEFAULT,
     date(2024, 3, 14), "age", False, False, "22 jaar; minimaal 25"),
    ("on 23rd birthday, qualified, accepted by the sector", facts(
        birth_date=BORN, experience_years=2, relevant_qualification=True,
        lower_path_accepted=True), DEFAULT,
     date(2024, 3, 15), "age", True, False, "23 jaar (minimaal 23: lagere grens"),
    ("on 23rd birthday, qualified, not (yet) accepted", facts(
        birth_date=BORN, experience_years=2, relevant_qualification=True), DEFAULT,
     date(2024, 3, 15), "age", False, False, "minimaal 25 jaar vereist. Voldoet wel aan de "
     "lagere grens"),
    ("on 23rd birthday without qualification", facts(birth_date=BORN, experience_years=2),
     DEFAULT, date(2024, 3, 15), "age", False, False, "minimaal 25"),
    ("exactly 5 years of experience", facts(experience_years=5), DEFAULT,
     date(2026, 6, 1), "experience", True, False, "5 jaar"),
    ("4 years of experience", facts(experience_years=4), DEFAULT,
     date(2026, 6, 1), "experience", False, False, "minimaal 5 jaar"),
    ("qualified: exactly 2 years, accepted", facts(
        birth_date=BORN, experience_years=2, relevant_qualification=True,
        lower_path_accepted=True), DEFAULT,
     date(2024, 6, 1), "experience", True, False, "minimaal 2"),
    ("qualified: exactly 2 years, not accepted", facts(
        birth_date=BORN, experience_years=2, relevant_qualification=True), DEFAULT,
     date(2024, 6, 1), "experience", False, False, "minimaal 5 jaar vereist"),
    ("qualified: 1 year, accepted", facts(
        birth_date=BORN, experience_years=1, relevant_qualification=True,
        lower_path_accepted=True), DEFAULT,
     date(2024, 6, 1), "experience", False, False, "minimaal 5 jaar"),
    ("no birth date", facts(birth_date=None), DEFAULT, date(2026, 6, 1), "age", False, False,
     "geboortedatum ontbreekt"),
    ("no record check", facts(record_check_on=None), DEFAULT, date(2026, 6, 1),
     "record_check", False, False, "strafregister"),
    ("extract exactly 12 months old at the request", facts(
        record_check_on=date(2025, 3, 10), requested_on=date(2026, 3, 10)), DEFAULT,
     date(2026, 6, 1), "record_check", True, False,
     "Uittreksel van 10/03/2025: 12 maanden oud op de dag van de aanvraag (10/03/2026); "
     "hoogstens 12 maanden toegelaten."),
    ("extract a day too old at the request", facts(
        record_check_on=date(2025, 3, 10), requested_on=date(2026, 3, 11)), DEFAULT,
     date(2026, 3, 11), "record_check", False, False, "12 maanden en 1 dag oud"),
    ("extract old now, recent at the request", facts(
        record_check_on=date(2025, 3, 10), requested_on=date(2025, 9, 1)), DEFAULT,
     date(2027, 1, 1), "record_check", True, False, "5 maanden en 22 dagen oud"),
    ("sector limit of 6 months", facts(
        record_check_on=date(2025, 3, 10), requested_on=date(2025, 9, 11)),
     MentorRules(record_check_max_age_months=6), date(2025, 9, 11), "record_check", False,
     False, "hoogstens 6 maanden"),
    ("no request: judged today", facts(record_check_on=date(2025, 3, 10)), DEFAULT,
     date(2025, 3, 17), "record_check", True, False, "vandaag 7 dagen oud"),
    ("12 months: untrained before deadline", facts(training_completed_on=None), DEFAULT,
     date(2026, 6, 1), "training", True, True, "Opleiding te volgen vóór of op 15/01/2027"),
    ("12 months: last day of the period", facts(training_completed_on=None), DEFAULT,
     date(2027, 1, 15), "training", True, True, "15/01/2027"),
    ("12 months: the day after", facts(training_completed_on=None), DEFAULT,
     date(2027, 1, 16), "training", False, False, "liep af op 15/01/2027"),
    ("6 months: last day of the period", facts(training_completed_on=None), CONSTRUCTION,
     date(2026, 7, 15), "training", True, True, "vóór of op 15/07/2026"),
    ("6 months: the day after", facts(training_completed_on=None), CONSTRUCTION,
     date(2026, 7, 16), "training", False, False, "6 maanden"),
    ("trained late is trained", facts(training_completed_on=date(2027, 2, 1)), DEFAULT,
     date(2027, 3, 1), "training", True, False, "na de termijn"),
    ("untrained, not recognised yet: no clock", facts(
        training_completed_on=None, recognised_on=None, appointed_on=date(2020, 1, 1)),
     DEFAULT, date(2026, 6, 1), "training", True, True, "na de eerste erkenningsbeslissing"),
    ("appointed after the decision: the clock starts at the appointment", facts(
        training_completed_on=None, appointed_on=date(2026, 9, 9)), CONSTRUCTION,
     date(2027, 3, 9), "training", True, True,
     "vóór of op 09/03/2027 (6 maanden na de aanstelling op 09/09/2026"),
    ("appointed before the decision: the decision counts", facts(
        training_completed_on=None, appointed_on=date(2020, 1, 1)), CONSTRUCTION,
     date(2026, 7, 16), "training", False, False,
     "na de erkenningsbeslissing van 15/01/2026: de termijn liep af op 15/07/2026"),
    ("teaching certificate exempts where the sector says so", facts(
        training_completed_on=None, has_teaching_certificate=True),
     MentorRules(training_months=6, teaching_certificate_exempts=True, sector_name="Bouw"),
     date(2027, 6, 1), "training", True, False, "Vrijgesteld: pedagogisch getuigschrift"),
    ("teaching certificate counts for nothing elsewhere", facts(
        training_completed_on=None, has_teaching_certificate=True), DEFAULT,
     date(2027, 1, 16), "training", False, False, "liep af op 15/01/2027"),
]


@pytest.mark.parametrize(
    ("mentor", "rules", "day", "code", "ok", "pending", "text"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule_boundaries(mentor, rules, day, code, ok, pending, text):
    result = check_mentor(mentor, rules, on=day)
    checked = rule(result, code)
    assert checked.ok is ok
    assert checked.pending is pending
    assert text in checked.detail
    assert result.eligible is all(item.ok for item in result.rules)
    if not ok:
        assert not result.eligible and checked in result.failures


@pytest.mark.parametrize(
    ("rules", "active", "has_room", "over", "can_take"),
    [
        (CONSTRUCTION, 0, True, False, True),
        (CONSTRUCTION, 1, False, False, False),  # the cap of 1 is reached
        (CONSTRUCTION, 2, False, True, False),
        (DEFAULT, 7, True, False, True),  # no cap
    ],
    ids=["cap 1, none placed", "cap 1, one placed", "cap 1, two placed", "no cap"],
)
def test_capacity(rules, active, has_room, over, can_take):
    result = check_mentor(facts(), rules, on=date(2026, 6, 1), active_placements=active)
    assert result.eligible
    assert result.capacity.has_room is has_room
    assert result.capacity.over is over
    assert result.can_take_learner is can_take


def test_deadline_is_reported_and_clamped_to_month_end():
    result = check_mentor(facts(recognised_on=date(2026, 8, 31), training_completed_on=None),
                          CONSTRUCTION, on=date(2026, 9, 1))
    assert result.training_deadline == date(2027, 2, 28)
    assert result.eligible and result.pending
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_higher_qualified_thresholds_still_allow_the_standard_path():
    rules = MentorRules(min_experience_years_qualified=8)  # odd but possible configuration
    mentor = facts(experience_years=6, relevant_qualification=True)
    assert check_mentor(mentor, rules, on=date(2026, 6, 1)).eligible


def test_lower_path_is_reported_and_only_passes_when_accepted():
    mentor = {"birth_date": BORN, "experience_years": 3, "relevant_qualification": True}
    waiting = check_mentor(facts(**mentor), DEFAULT, on=date(2024, 6, 1))
    accepted = check_mentor(facts(**mentor, lower_path_accepted=True), DEFAULT,
                            on=date(2024, 6, 1))
    assert waiting.lower_path_only and not waiting.eligible
    assert accepted.lower_path_only and accepted.eligible
    # Who meets the standard path never needs the sector's acceptance.
    assert not check_mentor(facts(relevant_qualification=True), DEFAULT,
                            on=date(2026, 6, 1)).lower_path_only


def test_age_counts_the_birthday_itself():
    assert age_on(date(2000, 5, 10), date(2025, 5, 9)) == 24
    assert age_on(date(2000, 5, 10), date(2025, 5, 10)) == 25


def test_rules_come_from_the_sector(world):
    rules = MentorRules.from_sector(world.sector_a)
    assert (rules.training_months, rules.max_learners, rules.min_age) == (6, 1, 25)
    assert MentorRules.from_sector(None) == MentorRules()
