"""Ending an agreement: how (four kinds), on which day (also later), and why.

A later end date ends the agreement and the placement on that day; until then the agreement
still counts as signed and its pages say "eindigt op"; the clock of 20 training days restarts
from the day after.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement
from dualflow.audit import AuditEvent
from dualflow.errors import DomainError
from dualflow.trajectories import services as trajectories
from dualflow.trajectories.models import Placement, Trajectory
from tests.agreements.conftest import TODAY, sent, sign_all
from tests.clients import isolated_client
from tests.conftest import fix_today, login

LATER = date(2026, 10, 15)  # after TODAY (25/08/2026), inside the agreement (09/2026–06/2027)


@pytest.fixture
def on_today(monkeypatch):
    """The pages' today is TODAY."""
    return fix_today(monkeypatch, TODAY)


def signed(session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    return session.get(Agreement, agreement.id)


def terminate(session, scene, agreement, kind="notice", on=LATER, reason="Het bedrijf sluit"):
    services.terminate(session, actor=scene.coordinator_a, agreement=agreement, kind=kind,
                       terminated_on=on, reason=reason)
    session.commit()


def counted_as_signed(session, scene, day) -> bool:
    in_sql = session.execute(select(Trajectory.id).where(
        Trajectory.id == scene.traj_a.id, trajectories.signed_agreement_exists(day))).first()
    rows = trajectories.placements(session, scene.traj_a)
    in_python = trajectories.has_signed_agreement(rows, day)
    assert bool(in_sql) == in_python
    return in_python


def test_a_later_end_date_ends_agreement_and_placement_that_day(session, scene):
    agreement = signed(session, scene)
    terminate(session, scene, agreement)
    session.expire_all()
    agreement = session.get(Agreement, agreement.id)
    assert (agreement.status, agreement.terminated_on, agreement.termination_kind) == (
        "terminated", LATER, "notice")
    assert session.get(Placement, scene.place_a.id).ends_on == LATER
    event = session.execute(select(AuditEvent).where(
        AuditEvent.entity_type == "placements", AuditEvent.action == "placement.ended")
    ).scalar_one()
    assert event.changes["ends_on"] == ["2027-06-30", "2026-10-15"]
    # The clock of 20 training days restarts from the day after.
    assert session.get(Trajectory, scene.traj_a.id).agreement_clock_starts_on == date(2026, 10,
                                                                                      16)


def test_it_counts_as_signed_until_its_last_day(session, scene):
    agreement = signed(session, scene)
    assert counted_as_signed(session, scene, TODAY)
    terminate(session, scene, agreement)
    assert counted_as_signed(session, scene, TODAY)
    assert counted_as_signed(session, scene, LATER)
    assert not counted_as_signed(session, scene, LATER + timedelta(days=1))


def test_the_pages_say_ends_on_until_then(app, session, scene, on_today):
    agreement = signed(session, scene)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    response = client.post(f"/agreements/{agreement.id}/terminate", data={
        "kind": "mutual", "terminated_on": LATER.isoformat(), "reason": "In onderling overleg"})
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "eindigen op 15/10/2026" in flashed
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Eindigt op 15/10/2026" in page and "eindigt op 15/10/2026" in page
    assert "Beëindigd op" not in page and "In onderling overleg" in page
    assert "Met onderlinge toestemming" in page
    trajectory = client.get(f"/trajectories/{scene.traj_a.id}").get_data(as_text=True)
    assert "eindigt op 15/10/2026" in trajectory and "beëindigd" not in trajectory
    assert trajectory.count("eindigt op 15/10/2026") == 2  # the placement and the panel


def test_once_the_day_has_passed_it_shows_ended(app, session, scene, monkeypatch):
    agreement = signed(session, scene)
    terminate(session, scene, agreement)
    fix_today(monkeypatch, LATER + timedelta(days=1))
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Beëindigd op 15/10/2026" in page and "Eindigt op" not in page


@pytest.mark.parametrize(("kind", "label"), [
    ("mutual", "Met onderlinge toestemming"), ("notice", "Opzegging door een partij"),
    ("urgent_reason", "Om een dringende reden"),
    ("left_programme", "De lerende verlaat de opleiding"),
])
def test_each_kind_is_stored_and_shown(app, session, scene, kind, label):
    agreement = signed(session, scene)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    form = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert f'value="{kind}"' in form
    response = client.post(f"/agreements/{agreement.id}/terminate", data={
        "kind": kind, "terminated_on": "2026-09-30", "reason": "Reden"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Agreement, agreement.id).termination_kind == kind
    assert label in client.get(f"/agreements/{agreement.id}").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "", "terminated_on": "2026-10-15", "reason": "x"}, "Kies hoe"),
    ({"kind": "fired", "terminated_on": "2026-10-15", "reason": "x"}, "Kies hoe"),
    ({"kind": "notice", "terminated_on": "", "reason": "x"}, ""),
    ({"kind": "notice", "terminated_on": "2027-07-01", "reason": "x"}, "binnen de looptijd"),
    ({"kind": "notice", "terminated_on": "2026-08-31", "reason": "x"}, "binnen de looptijd"),
    ({"kind": "notice", "terminated_on": "2026-10-15", "reason": " "}, ""),
])
def test_refused_terminations_change_nothing(app, session, scene, data, message):
    agreement = signed(session, scene)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    response = client.post(f"/agreements/{agreement.id}/terminate", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Agreement, agreement.id).status == "signed"
    assert session.get(Placement, scene.place_a.id).ends_on == date(2027, 6, 30)
    assert session.get(Trajectory, scene.traj_a.id).agreement_clock_starts_on is None


def test_termination_refused_outside_the_agreement_by_the_service(session, scene):
    agreement = signed(session, scene)
    with pytest.raises(DomainError) as error:
        terminate(session, scene, agreement, kind="mutual", on=agreement.ends_on
                  + timedelta(days=1))
    assert error.value.field == "terminated_on"
