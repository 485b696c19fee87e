"""The rules of the three kinds: hours a week (boundary 20), allowance, sector, dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement
from dualflow.errors import DomainError, NotAllowed
from tests.agreements.conftest import draft


def create(session, scene, placement=None, **fields):
    fields.setdefault("kind", "alternating_training")
    fields.setdefault("monthly_allowance", Decimal("480"))
    return services.create_agreement(session, actor=scene.coordinator_a,
                                     placement=placement or scene.place_a, **fields)


def refused(session, scene, field, **fields):
    with pytest.raises(DomainError) as error:
        create(session, scene, **fields)
    session.rollback()
    assert error.value.field == field, error.value.message
    assert session.execute(select(func.count()).select_from(Agreement)).scalar_one() == 0
    return error.value.message


def test_defaults_come_from_the_placement(session, scene):
    agreement = create(session, scene)
    assert (agreement.starts_on, agreement.ends_on) == (scene.place_a.starts_on,
                                                        scene.place_a.ends_on)
    assert agreement.hours_per_week == 24 and agreement.status == "draft"
    assert agreement.version == 1 and agreement.created_by_id == scene.coordinator_a.id


@pytest.mark.parametrize("hours", [0.5, 12, 19.5, 19.99])
def test_internship_is_under_20_hours_without_allowance(session, scene, hours):
    agreement = create(session, scene, kind="internship", hours_per_week=hours,
                       monthly_allowance=0)
    assert agreement.kind == "internship" and agreement.monthly_allowance == 0


def test_internship_of_20_hours_is_refused(session, scene):
    message = refused(session, scene, "hours_per_week", kind="internship", hours_per_week=20,
                      monthly_allowance=0)
    assert "minder dan 20 uur" in message


def test_internship_with_an_allowance_is_refused(session, scene):
    message = refused(session, scene, "monthly_allowance", kind="internship",
                      hours_per_week=16, monthly_allowance=Decimal("0.01"))
    assert "geen leervergoeding" in message


@pytest.mark.parametrize("hours", [20, 20.5, 38, 50])
def test_alternating_training_needs_at_least_20_hours(session, scene, hours):
    assert create(session, scene, hours_per_week=hours).hours_per_week == hours


def test_alternating_training_of_19_5_hours_is_refused(session, scene):
    message = refused(session, scene, "hours_per_week", hours_per_week=19.5)
    assert "minstens 20 uur" in message and "19,5" in message


@pytest.mark.parametrize("amount", ["0.01", "520", "520.00", "300,50"])
def test_alternating_allowance_up_to_the_maximum(session, scene, amount):
    agreement = create(session, scene, monthly_allowance=amount)
    assert Decimal("0") < agreement.monthly_allowance <= Decimal("520")


@pytest.mark.parametrize("amount", ["0", None, "", "-5"])
def test_alternating_without_allowance_is_refused(session, scene, amount):
    refused(session, scene, "monthly_allowance", monthly_allowance=amount)


def test_alternating_allowance_above_the_maximum_is_refused(session, scene):
    message = refused(session, scene, "monthly_allowance", monthly_allowance="520.01")
    assert "€ 520,00" in message


def test_maximum_comes_from_the_configuration(session, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "AGREEMENT_MAX_ALLOWANCE", Decimal("600"))
    assert create(session, scene, monthly_allowance="590").monthly_allowance == Decimal("590")


def test_nonsense_amount_is_refused(session, scene):
    refused(session, scene, "monthly_allowance", monthly_allowance="veel")


def test_part_time_employment_only_in_a_sector_that_allows_it(session, scene):
    message = refused(session, scene, "kind", kind="part_time_employment",
                      monthly_allowance="1200")
    assert "staat geen deeltijdse arbeidsovereenkomst toe" in message
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    agreement = create(session, scene, kind="part_time_employment", monthly_allowance="1200")
    assert agreement.kind == "part_time_employment"


def test_part_time_employment_needs_20_hours_and_a_wage(session, scene):
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    refused(session, scene, "hours_per_week", kind="part_time_employment", hours_per_week=19.5,
            monthly_allowance="1200")
    refused(session, scene, "monthly_allowance", kind="part_time_employment",
            monthly_allowance="0")


@pytest.mark.parametrize("hours", [0, -1, 50.5])
def test_hours_out_of_range_are_refused(session, scene, hours):
    refused(session, scene, "hours_per_week", hours_per_week=hours)


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


def test_unknown_kind_is_refused(session, scene):
    refused(session, scene, "kind", kind="apprenticeship")


def test_one_agreement_per_placement_then_versions(session, scene):
    draft(session, scene)
    with pytest.raises(DomainError, match="bestaat al een overeenkomst"):
        create(session, scene)


def test_coordinator_of_another_school_may_not_draw_up(session, scene):
    with pytest.raises(NotAllowed):
        services.create_agreement(session, actor=scene.coordinator_b, placement=scene.place_a,
                                  kind="alternating_training", monthly_allowance=480)
    with pytest.raises(NotAllowed):
        services.create_agreement(session, actor=scene.company_user_a, placement=scene.place_a,
                                  kind="alternating_training", monthly_allowance=480)


def test_ended_trajectory_gets_no_new_agreement(session, scene):
    scene.traj_a.status, scene.traj_a.ends_on = "stopped", date(2026, 10, 1)
    session.commit()
    with pytest.raises(DomainError, match="afgesloten"):
        create(session, scene)


def test_draft_edit_checks_the_same_rules(session, scene):
    agreement = draft(session, scene)
    with pytest.raises(DomainError) as error:
        services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                              kind="internship", starts_on=agreement.starts_on,
                              ends_on=agreement.ends_on, hours_per_week=24, monthly_allowance=0)
    assert error.value.field == "hours_per_week"
    session.rollback()
    services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                          kind="internship", starts_on=agreement.starts_on,
                          ends_on=agreement.ends_on, hours_per_week=16, monthly_allowance=0)
    assert (agreement.kind, agreement.hours_per_week) == ("internship", 16)
