"""The level history per competency and the latest assessed level, n.v.t. included."""

from __future__ import annotations

from dualflow.evaluations import services
from tests.conftest import count_queries
from tests.evaluations.conftest import fill


def _history(session, s):
    return {
        competency_id: [(moment.title, level) for moment, level in entries]
        for competency_id, entries in services.level_history(session, s.traj_a.id).items()
    }


def test_history_and_latest_levels_across_three_moments(app, session, scene):
    s = scene
    # Filled out of order; m3 (March) is latest, m1 (October) first.
    fill(session, s, s.m2, {s.c1.id: 3, s.c3.id: None, s.c4.id: None})
    fill(session, s, s.m1, {s.c1.id: 1, s.c3.id: 2, s.c4.id: None})
    fill(session, s, s.m3, {s.c1.id: None, s.c3.id: 3, s.c4.id: None})
    services.review(session, actor=s.coordinator_a, moment=s.m1, school_comment="")

    assert _history(session, s) == {
        s.c1.id: [("Eerste", 1), ("Tweede", 3), ("Derde", None)],
        s.c3.id: [("Eerste", 2), ("Tweede", None), ("Derde", 3)],
        s.c4.id: [("Eerste", None), ("Tweede", None), ("Derde", None)],
    }
    trajectory_id = s.traj_a.id
    session.expire_all()
    with count_queries(app) as statements:
        latest = services.latest_levels(session, trajectory_id)
    assert len(statements) <= 2
    # c1: n.v.t. in March does not erase December's 3; c4 was never assessed; c2 is a school
    # competency and not the mentor's.
    assert latest == {s.c1.id: 3, s.c3.id: 3, s.c4.id: None}


def test_only_submitted_and_reviewed_evaluations_count(session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 2, s.c4.id: 2})
    fill(session, s, s.m2, {s.c1.id: 4, s.c3.id: 4, s.c4.id: 4}, submit=False)  # a draft
    fill(session, s, s.m3, {s.c1.id: 4, s.c3.id: 4, s.c4.id: 4})
    services.send_back(session, actor=s.coordinator_a, moment=s.m3, reason="Te rooskleurig")
    assert _history(session, s) == {s.c1.id: [("Eerste", 2)], s.c3.id: [("Eerste", 2)],
                                    s.c4.id: [("Eerste", 2)]}
    assert services.latest_levels(session, s.traj_a.id) == {s.c1.id: 2, s.c3.id: 2, s.c4.id: 2}


def test_a_trajectory_without_evaluations(session, scene):
    s = scene
    assert services.level_history(session, s.traj_a.id) == {}
    assert services.latest_levels(session, s.traj_a.id) == {s.c1.id: None, s.c3.id: None,
                                                             s.c4.id: None}
    assert services.latest_levels(session, s.traj_d.id) == {s.c1.id: None, s.c3.id: None,
                                                             s.c4.id: None}
