"""The national number (INSZ) and the learner rules as pure functions."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualflow.errors import DomainError
from dualflow.learners import services
from tests.factories import insz

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize("written", ["09.05.01-002.27", "09050100227", "09 05 01 002 27",
                                     "09-05-01-002-27", " 090501-00227 "])
def test_national_number_accepts_dots_dashes_and_spaces(written):
    assert services.parse_national_number(written) == "09050100227"


def test_empty_national_number_is_none():
    assert services.parse_national_number("  ") is None
    assert services.parse_national_number(None) is None


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("09.05.01-002.28", "controlecijfers kloppen niet"),
        ("0905010022", "11 cijfers"),
        ("0905010022A", "11 cijfers"),
    ],
)
def test_bad_national_numbers_are_refused(written, message):
    with pytest.raises(DomainError) as refused:
        services.parse_national_number(written)
    assert message in refused.value.message
    assert refused.value.field == "national_number"


def test_month_outside_range_is_not_a_birth_date():
    base = "091301002"
    number = f"{base}{97 - int('2' + base) % 97:02d}"
    with pytest.raises(DomainError, match="geen geldige geboortedatum"):
        services.parse_national_number(number)


def test_bis_number_is_accepted_and_checked_against_birth_date():
    # A BIS number adds 40 to the month when the gender is known (here: even sequence = F).
    base = "094501002"
    number = f"{base}{97 - int('2' + base) % 97:02d}"
    assert services.parse_national_number(number) == number
    assert services.national_number_problems(number, birth_date=date(2009, 5, 1),
                                             gender="F") == []
    assert services.national_number_problems(number, birth_date=date(2009, 5, 2), gender="F")
    assert services.national_number_problems(number, birth_date=date(2009, 5, 1), gender="M")


def test_consistency_with_birth_date_and_gender():
    number = insz(date(2009, 5, 1), 2)  # even: female
    assert services.national_number_problems(number, birth_date=date(2009, 5, 1),
                                             gender="F") == []
    [wrong_date] = services.national_number_problems(number, birth_date=date(2009, 5, 2),
                                                     gender="F")
    assert "01/05/2009" in wrong_date and "02/05/2009" in wrong_date
    [wrong_gender] = services.national_number_problems(number, birth_date=date(2009, 5, 1),
                                                       gender="M")
    assert "vrouw" in wrong_gender
    # X is not checked against the sequence.
    assert services.national_number_problems(number, birth_date=date(2009, 5, 1),
                                             gender="X") == []
    male = insz(date(1985, 7, 30), 33)
    assert male == "85073003328"
    assert "man" in services.national_number_problems(male, birth_date=date(1985, 7, 30),
                                                      gender="F")[0]


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2014, 12, 31)),
       st.integers(min_value=1, max_value=997))
def test_generated_numbers_validate_and_agree(birth, sequence):
    number = insz(birth, sequence)
    assert services.parse_national_number(number) == number
    gender = "M" if sequence % 2 else "F"
    assert services.national_number_problems(number, birth_date=birth, gender=gender) == []
    assert services.mask_national_number(number) == f"{birth:%y.%m.%d}-***.**"


def test_mask_and_format():
    assert services.mask_national_number("09050100227") == "09.05.01-***.**"
    assert services.mask_national_number(None) == ""
    assert services.format_national_number("09050100227") == "09.05.01-002.27"


def test_minor_is_under_eighteen_today():
    assert services.is_minor(date(2008, 11, 25), TODAY)
    assert not services.is_minor(date(2008, 11, 24), TODAY)
    assert services.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 18


def _values(**overrides):
    values = services.all_values(None) | {
        "first_name": "Emma", "last_name": "Peeters", "birth_date": date(2009, 5, 1),
        "gender": "F", "guardian_name": "An Peeters", "guardian_email": "an@example.com",
    }
    values.update(overrides)
    return values


def test_learner_rules_list_every_problem():
    assert services.learner_problems(_values(), today=TODAY) == []
    problems = services.learner_problems(
        _values(first_name="", guardian_name="", guardian_email="", email="geen-adres",
                postcode="12", language="de", national_number=insz(date(2009, 5, 2), 1)),
        today=TODAY,
    )
    fields = [field for field, _message in problems]
    assert fields == ["first_name", "language", "email", "postcode", "national_number",
                      "national_number", "guardian_name", "guardian_email"]


def test_adult_needs_no_guardian_and_birth_date_must_be_plausible():
    adult = _values(birth_date=date(1990, 1, 1), guardian_name="", guardian_email="")
    assert services.learner_problems(adult, today=TODAY) == []
    assert [f for f, _m in services.learner_problems(_values(birth_date=date(2027, 1, 1)),
                                                     today=TODAY)] == ["birth_date"]
