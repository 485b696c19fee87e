"""The individual training plan and the weekly schedule of a placement."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.catalog.models import Competency
from dualflow.errors import DomainError
from dualflow.trajectories import services
from dualflow.trajectories.models import Placement, TrainingPlanEntry
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _competencies(session, arena) -> list[Competency]:
    return list(session.execute(select(Competency).where(
        Competency.programme_id == arena.trajectory.programme_id)
        .order_by(Competency.position)).scalars())


def _entries(session, arena) -> dict[int, str]:
    return {entry.competency_id: entry.location for entry in session.execute(
        select(TrainingPlanEntry).where(
            TrainingPlanEntry.trajectory_id == arena.trajectory.id)).scalars()}


# --- the service ------------------------------------------------------------------------------

def test_the_plan_follows_the_standard_path_until_adapted(session, arena):
    c1, c2, c3 = _competencies(session, arena)
    rows = services.training_plan(session, arena.trajectory)
    assert [(row.competency.code, row.standard, row.location, row.differs) for row in rows] == [
        ("C1", "workplace", "workplace", False), ("C2", "school", "school", False),
        ("C3", "workplace", "workplace", False)]
    services.save_training_plan(session, actor=arena.world.coordinator_a,
                                trajectory=arena.trajectory,
                                choices={c1.id: "both", c2.id: "school", c3.id: "workplace"})
    session.commit()
    assert _entries(session, arena) == {c1.id: "both"}  # only the difference is stored
    rows = services.training_plan(session, arena.trajectory)
    assert [(row.location, row.differs) for row in rows] == [
        ("both", True), ("school", False), ("workplace", False)]
    # Back to the standard path: the entry goes.
    services.save_training_plan(session, actor=arena.world.coordinator_a,
                                trajectory=arena.trajectory, choices={c1.id: "workplace"})
    session.commit()
    assert _entries(session, arena) == {}


def test_an_unknown_location_is_refused(session, arena):
    c1 = _competencies(session, arena)[0]
    with pytest.raises(DomainError):
        services.save_training_plan(session, actor=arena.world.coordinator_a,
                                    trajectory=arena.trajectory, choices={c1.id: "garden"})


# --- the page ---------------------------------------------------------------------------------

def test_the_coordinator_adapts_the_plan_on_its_page_and_it_is_audited(client, session, arena):
    c1, c2, _c3 = _competencies(session, arena)
    login(client, arena.world.coordinator_a)
    detail = client.get(f"/trajectories/{arena.trajectory.id}").get_data(as_text=True)
    url = f"/trajectories/{arena.trajectory.id}/plan"
    assert f'href="{url}"' in detail
    page = _text(client.get(url))
    assert "Competentie 1 van Metselaar" in page and "standaardtraject" in page.lower()
    response = client.post(url, data={f"loc-{c1.id}": "school", f"loc-{c2.id}": "school"})
    assert response.status_code == 302
    assert _entries(session, arena) == {c1.id: "school"}
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "training_plan.updated")).scalar_one()
    assert event.actor_id == arena.world.coordinator_a.id
    assert event.entity_id == arena.trajectory.id
    assert event.changes == {"C1": ["workplace", "school"]}
    # The trajectory page shows the learner's plan, with the adapted competency at school.
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "aangepast" in body
    # A bad value is refused on the page; nothing changes.
    response = client.post(url, data={f"loc-{c1.id}": "garden"})
    assert response.status_code == 422
    assert _entries(session, arena) == {c1.id: "school"}


def test_another_schools_coordinator_gets_404_on_the_plan(client, session, arena):
    c1 = _competencies(session, arena)[0]
    login(client, arena.world.coordinator_b)
    url = f"/trajectories/{arena.trajectory.id}/plan"
    assert client.get(url).status_code == 404
    assert client.post(url, data={f"loc-{c1.id}": "school"}).status_code == 404
    assert _entries(session, arena) == {}


def test_a_mentor_cannot_change_the_plan(client, session, arena):
    c1 = _competencies(session, arena)[0]
    login(client, arena.world.mentor_user_a)
    response = client.post(f"/trajectories/{arena.trajectory.id}/plan",
                           data={f"loc-{c1.id}": "school"})
    assert response.status_code in (403, 404)
    assert _entries(session, arena) == {}


# --- the weekly schedule ----------------------------------------------------------------------

def _place(session, arena, **fields):
    fields.setdefault("weekly_schedule", ["mon_am", "mon_pm", "tue_am"])
    return services.create_placement(
        session, actor=arena.world.coordinator_a, trajectory=arena.trajectory,
        site_id=arena.site.id, mentor_id=arena.mentor.id, starts_on=date(2026, 9, 1),
        ends_on=date(2027, 6, 30), hours_per_week=20, **fields)


def test_a_placement_keeps_its_schedule_in_week_order(session, arena):
    placement = _place(session, arena, weekly_schedule=["tue_am", "mon_pm", "mon_am"])
    assert placement.weekly_schedule == ["mon_am", "mon_pm", "tue_am"]


def test_an_unknown_half_day_is_refused(session, arena):
    with pytest.raises(DomainError) as refused:
        _place(session, arena, weekly_schedule=["mon_am", "sun_am"])
    assert refused.value.field == "weekly_schedule"


def test_the_placement_form_has_a_schedule_grid_and_the_page_shows_it(client, session, arena):
    login(client, arena.world.coordinator_a)
    url = f"/trajectories/{arena.trajectory.id}/placements/new"
    form = client.get(f"{url}?site_id={arena.site.id}").get_data(as_text=True)
    assert 'value="mon_am"' in form and 'value="fri_pm"' in form
    data = {"site_id": arena.site.id, "mentor_id": arena.mentor.id, "starts_on": "2026-09-01",
            "ends_on": "2027-06-30", "hours_per_week": "20",
            "weekly_schedule": ["mon_am", "mon_pm", "wed_am"]}
    response = client.post(url, data={**data, "weekly_schedule": ["mon_am", "moon_pm"]})
    assert response.status_code == 422
    response = client.post(url, data=data)
    assert response.status_code == 302, _text(response)
    placement = session.execute(select(Placement)).scalar_one()
    assert placement.weekly_schedule == ["mon_am", "mon_pm", "wed_am"]
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "maandag (hele dag)" in body and "woensdag (voormiddag)" in body


def test_the_schedule_of_an_existing_placement_is_changed_and_audited(app, client, session,
                                                                     arena):
    placement = factories.placement(session, arena.trajectory, arena.mentor, arena.recognition)
    session.commit()
    login(client, arena.world.coordinator_a)
    url = f"/trajectories/{arena.trajectory.id}/placements/{placement.id}/schedule"
    response = client.post(url, data={"weekly_schedule": ["thu_am", "thu_pm"]})
    assert response.status_code == 302
    session.refresh(placement)
    assert placement.weekly_schedule == ["thu_am", "thu_pm"]
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "placement.schedule_changed")).scalar_one()
    other = isolated_client(app)
    login(other, arena.world.coordinator_b)
    assert other.post(url, data={"weekly_schedule": ["fri_am"]}).status_code == 404
