"""A coordinator signs in and sees the own school's dashboard, never another school's data."""

from __future__ import annotations

from tests.e2e.conftest import sign_in


def test_coordinator_sees_own_school_only(page, live_server):
    world = live_server.world
    sign_in(page, live_server, world.coordinator_a.email)
    body = page.locator("main").inner_text()
    assert "Campus A" in body
    assert "Anna" in body and "Peeters" in body  # unplaced learner of the own school
    assert "Janssens" not in body and "Campus B" not in body
