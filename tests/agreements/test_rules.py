"""The rules of the three kinds: the programme's kind, the placement's hours (boundary 20), the
allowance (OAO: a category, never a free amount), the sector, dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement
from dualflow.errors import DomainError, NotAllowed
from tests.agreements.conftest import draft


def arrange(session, scene, kind=None, hours=None):
    """The programme's kind and the placement's hours, as the admin and coordinator set them."""
    if kind is not None:
        scene.programme_a.agreement_kind = kind
    if hours is not None:
        scene.place_a.hours_per_week = hours
    session.commit()


def create(session, scene, placement=None, *, kind=None, hours=None, **fields):
    arrange(session, scene, kind, hours)
    if (kind or scene.programme_a.agreement_kind) == "alternating_training":
        fields.setdefault("allowance_category", 2)
    return services.create_agreement(session, actor=scene.coordinator_a,
                                     placement=placement or scene.place_a, **fields)


def refused(session, scene, field, **fields):
    with pytest.raises(DomainError) as error:
        create(session, scene, **fields)
    session.rollback()
    assert error.value.field == field, error.value.message
    assert session.execute(select(func.count()).select_from(Agreement)).scalar_one() == 0
    return error.value.message


def test_defaults_come_from_the_placement_and_the_kind_from_the_programme(session, scene):
    agreement = create(session, scene)
    assert (agreement.starts_on, agreement.ends_on) == (scene.place_a.starts_on,
                                                        scene.place_a.ends_on)
    assert agreement.hours_per_week == 24 and agreement.status == "draft"
    assert agreement.kind == "alternating_training" == scene.programme_a.agreement_kind
    assert agreement.version == 1 and agreement.created_by_id == scene.coordinator_a.id
    assert agreement.allowance_category == 2 and agreement.monthly_allowance == 0


def test_the_kind_cannot_be_chosen(session, scene):
    with pytest.raises(TypeError):
        services.create_agreement(session, actor=scene.coordinator_a, placement=scene.place_a,
                                  kind="internship", allowance_category=1)


@pytest.mark.parametrize("hours", [0.5, 12, 19.5, 19.99])
def test_internship_is_under_20_hours_without_allowance(session, scene, hours):
    agreement = create(session, scene, kind="internship", hours=hours)
    assert agreement.kind == "internship" and agreement.monthly_allowance == 0
    assert agreement.hours_per_week == hours and agreement.allowance_category is None


def test_internship_placement_of_20_hours_is_refused_with_a_word_on_the_placement(session,
                                                                                  scene):
    message = refused(session, scene, "hours_per_week", kind="internship", hours=20)
    assert "minder dan 20 uur" in message and "Wijzig de uren van de plaatsing" in message


def test_internship_may_state_an_expense_allowance_but_no_category(session, scene):
    agreement = create(session, scene, kind="internship", hours=16, monthly_allowance="45,50")
    assert agreement.monthly_allowance == Decimal("45.50")
    session.rollback()
    message = refused(session, scene, "allowance_category", kind="internship", hours=16,
                      allowance_category=1)
    assert "Alleen een overeenkomst alternerende opleiding" in message


@pytest.mark.parametrize("hours", [20, 20.5, 38, 50])
def test_alternating_training_needs_at_least_20_hours(session, scene, hours):
    assert create(session, scene, hours=hours).hours_per_week == hours


def test_alternating_training_placement_of_19_5_hours_is_refused(session, scene):
    message = refused(session, scene, "hours_per_week", hours=19.5)
    assert "minstens 20 uur" in message and "19,5" in message
    assert "Wijzig de uren van de plaatsing" in message


@pytest.mark.parametrize("category", [1, 2, 3])
def test_alternating_training_records_the_category(session, scene, category):
    agreement = create(session, scene, allowance_category=category)
    assert agreement.allowance_category == category and agreement.monthly_allowance == 0


@pytest.mark.parametrize("category", [None, 0, 4])
def test_alternating_training_without_a_category_is_refused(session, scene, category):
    message = refused(session, scene, "allowance_category", allowance_category=category)
    assert "categorie" in message


@pytest.mark.parametrize("amount", ["480", "0.01", "600.50", "-5"])
def test_a_free_amount_for_an_alternating_training_is_refused(session, scene, amount):
    message = refused(session, scene, "monthly_allowance", monthly_allowance=amount)
    assert "vaste, geïndexeerde bedrag van de categorie" in message


def test_nonsense_amount_is_refused(session, scene):
    refused(session, scene, "monthly_allowance", monthly_allowance="veel")


def test_part_time_employment_only_in_a_sector_that_allows_it(session, scene):
    message = refused(session, scene, "kind", kind="part_time_employment",
                      monthly_allowance="1200")
    assert "staat geen deeltijdse arbeidsovereenkomst toe" in message
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    agreement = create(session, scene, kind="part_time_employment", monthly_allowance="1200")
    assert agreement.kind == "part_time_employment" and agreement.allowance_category is None


def test_part_time_employment_needs_20_hours_and_a_wage_and_no_category(session, scene):
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    refused(session, scene, "hours_per_week", kind="part_time_employment", hours=19.5,
            monthly_allowance="1200")
    refused(session, scene, "monthly_allowance", kind="part_time_employment", hours=24,
            monthly_allowance="0")
    refused(session, scene, "allowance_category", kind="part_time_employment",
            monthly_allowance="1200", allowance_category=1)


def test_dates_on_the_placement_boundaries_are_accepted(session, scene):
    agreement = create(session, scene, starts_on=scene.place_a.starts_on,
                       ends_on=scene.place_a.ends_on)
    assert agreement.ends_on == date(2027, 6, 30)


def test_start_before_the_placement_is_refused(session, scene):
    message = refused(session, scene, "starts_on",
                      starts_on=scene.place_a.starts_on - timedelta(days=1))
    assert "01/09/2026" in message


def test_end_after_the_placement_is_refused(session, scene):
    message = refused(session, scene, "ends_on", ends_on=scene.place_a.ends_on + timedelta(days=1))
    assert "30/06/2027" in message


def test_end_before_start_is_refused(session, scene):
    refused(session, scene, "ends_on", starts_on=date(2026, 10, 1), ends_on=date(2026, 9, 30))


def test_one_agreement_per_placement_then_versions(session, scene):
    draft(session, scene)
    with pytest.raises(DomainError, match="bestaat al een overeenkomst"):
        create(session, scene)


def test_coordinator_of_another_school_may_not_draw_up(session, scene):
    with pytest.raises(NotAllowed):
        services.create_agreement(session, actor=scene.coordinator_b, placement=scene.place_a,
                                  allowance_category=1)
    with pytest.raises(NotAllowed):
        services.create_agreement(session, actor=scene.company_user_a, placement=scene.place_a,
                                  allowance_category=1)


def test_ended_trajectory_gets_no_new_agreement(session, scene):
    scene.traj_a.status, scene.traj_a.ends_on = "stopped", date(2026, 10, 1)
    session.commit()
    with pytest.raises(DomainError, match="afgesloten"):
        create(session, scene)


def test_draft_follows_the_programme_and_the_placement_and_checks_the_same_rules(session, scene):
    agreement = draft(session, scene)
    arrange(session, scene, kind="internship")
    with pytest.raises(DomainError) as error:
        services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                              starts_on=agreement.starts_on, ends_on=agreement.ends_on)
    assert error.value.field == "hours_per_week"
    session.rollback()
    arrange(session, scene, kind="internship", hours=16)
    services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                          starts_on=agreement.starts_on, ends_on=agreement.ends_on)
    assert (agreement.kind, agreement.hours_per_week) == ("internship", 16)
    assert agreement.allowance_category is None


def test_sending_takes_the_placement_hours_as_they_are_now(session, scene):
    agreement = draft(session, scene)
    arrange(session, scene, hours=30)
    from tests.agreements.conftest import TODAY

    services.send_for_signature(session, actor=scene.coordinator_a, agreement=agreement,
                                today=TODAY)
    assert agreement.hours_per_week == 30 and agreement.contract_data["hours"] == "30"
