"""The coordinator's dashboard: trajectories needing action, most urgent first."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dualflow.trajectories import services
from tests import factories
from tests.conftest import fix_today, login

TODAY = date(2026, 10, 5)  # a Monday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    fix_today(monkeypatch, TODAY)


@pytest.fixture
def school(session, arena):
    """Trajectories of school A in every situation the worklist distinguishes.

    Clock start -> 20th training day (no holidays before November), training days left on 5/10:
    Anna   01/09, no placement                      -> 28/09, overdue (-5)
    Bart   14/09, placed, draft agreement           -> 09/10, 5 left (near)
    Cis    21/09, no placement                      -> 16/10, 10 left
    Dani   21/09, placed, out for signature         -> 16/10, 10 left (after Cis: placed)
    Ewout  01/09, placed until 30/09 with a signed agreement, clock restarted 01/10
                                                    -> 28/10, 18 left, no placement ahead
    Fleur  01/09, placed with a signed agreement    -> not listed
    Gert   ended (stopped)                          -> not listed
    Hanne  of school B, no placement                -> not listed (other school)
    """
    world = arena.world
    mentor = factories.eligible_mentor(session, world.company_a)
    world.sector_a.max_learners_per_mentor = None

    def make(first, starts_on, school=world.school_a, **fields):
        pupil = factories.learner(session, school, first_name=first, last_name=f"{first}sen")
        return factories.trajectory(session, pupil, world.programme_a, starts_on=starts_on,
                                    **fields)

    def placed(trajectory, agreement=None, **fields):
        placement = factories.placement(session, trajectory, mentor, arena.recognition,
                                        starts_on=trajectory.starts_on, **fields)
        if agreement:
            factories.placement_agreement(session, placement, status=agreement)

    placed(make("Bart", date(2026, 9, 14)), "draft")
    make("Cis", date(2026, 9, 21))
    placed(make("Dani", date(2026, 9, 21)), "awaiting_signatures")
    placed(make("Ewout", date(2026, 9, 1), agreement_clock_starts_on=date(2026, 10, 1)),
           "signed", ends_on=date(2026, 9, 30))
    placed(make("Fleur", date(2026, 9, 1)), "signed")
    make("Gert", date(2026, 9, 1), status="stopped", ends_on=date(2026, 9, 20))
    make("Hanne", date(2026, 9, 1), school=world.school_b)
    session.commit()
    return world


def test_the_worklist_is_ordered_by_urgency(session, school):
    worklist = services.attention(session, school.coordinator_a, today=TODAY)
    rows = [(row.first_name, row.deadline.days_left, row.kind) for row in worklist.rows]
    assert rows == [
        ("Anna", -5, "unplaced"),
        ("Bart", 5, "unsigned"),
        ("Cis", 10, "unplaced"),
        ("Dani", 10, "unsigned"),
        ("Ewout", 18, "unplaced"),
    ]
    assert (worklist.total, worklist.overdue, worklist.near, worklist.unplaced) == (5, 1, 1, 3)
    dani = worklist.rows[3]
    assert dani.awaiting_signatures and dani.deadline.deadline == date(2026, 10, 16)


def test_the_worklist_is_limited_but_counts_everything(session, school):
    worklist = services.attention(session, school.coordinator_a, today=TODAY, limit=2)
    assert [row.first_name for row in worklist.rows] == ["Anna", "Bart"]
    assert worklist.total == 5


def test_the_dashboard_lists_them_in_that_order(client, school):
    login(client, school.coordinator_a)
    html = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    names = ["Peeters, Anna", *(f"{name}sen, {name}" for name in ("Bart", "Cis", "Dani",
                                                                   "Ewout"))]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    for absent in ("Fleur", "Gert", "Hanne"):
        assert absent not in text
    assert "termijn verstreken" in text and "nog 5 opleidingsdagen" in text
    assert "wacht op handtekeningen" in text and "geen werkplek" in text
    assert "uiterlijk 28/09/2026" in text
    assert 'href="/trajectories?attention=unsigned"' in html


def test_holidays_push_the_deadline_and_the_order(session, school):
    # A holiday of school A in the week of 5/10 pushes every deadline after it by a week.
    factories.school_holiday(session, school.school_a, starts_on=date(2026, 10, 5),
                             ends_on=date(2026, 10, 9))
    session.commit()
    worklist = services.attention(session, school.coordinator_a, today=TODAY)
    bart = next(row for row in worklist.rows if row.first_name == "Bart")
    assert bart.deadline.deadline == date(2026, 10, 16) and bart.deadline.days_left == 5
