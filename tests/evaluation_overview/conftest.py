"""A school year of evaluation moments in every state, across two schools, programmes and classes.

Today is Friday 15 January 2027 (school year 2026-27) on every page of these tests.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from dualflow.evaluations.models import Evaluation
from tests import factories
from tests.conftest import fix_today

TODAY = date(2027, 1, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The overview and the dashboard both think it is TODAY."""
    fix_today(monkeypatch, TODAY)


def at(day: date) -> datetime:
    """Ten o'clock UTC on `day` (aware, as stored)."""
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def add_moment(session, trajectory, due_on: date, status: str = "planned", *,
               title: str = "Evaluatie", submitted_on: date | None = None,
               reviewed_on: date | None = None):
    """A moment of `trajectory` in `status`, with its evaluation's dates when it has one."""
    moment = factories.evaluation_moment(session, trajectory, title=title, due_on=due_on,
                                         status=status)
    if status != "planned":
        session.add(Evaluation(
            moment_id=moment.id,
            submitted_at=at(submitted_on) if submitted_on else None,
            reviewed_at=at(reviewed_on) if reviewed_on else None,
        ))
        session.flush()
    return moment


@pytest.fixture
def board(session, world) -> SimpleNamespace:
    """factories.placed_world plus moments in every state (school A unless said otherwise).

    traj_a  Anna Peeters, programme_a (Metselaar), class 5A, placed with Mia (mentor_a)
    traj_c  learner_c, programme_b (Zorgkundige), class 6B, placed with mentor_b
    traj_e  Emma Wouters, programme_a, class 6B, not placed
    traj_f  stopped on 1 October 2026: its open moment is nobody's job any more
    traj_old  an active trajectory of the school year 2025-26
    traj_b  school B, placed with Mia: must never show for school A

    state      moment        due          late  other
    overdue    a_overdue     13/10/2026   94
               e_overdue     01/12/2026   45
               c_overdue     10/01/2027    5   draft
    submitted  f_submitted   29/09/2026        submitted 28/09 (ended trajectory: still listed)
               a_submitted   10/11/2026        submitted 12/11
               c_submitted   15/12/2026        submitted 20/12
    due        c_due_today   15/01/2027
               a_due         20/01/2027
               e_due         01/03/2027
    reviewed   c_reviewed    24/11/2026        reviewed 01/12
               a_reviewed    29/09/2026        reviewed 05/10
    (left out) f_open        30/09/2026        planned, trajectory stopped
               old_overdue   01/03/2026        school year 2025-26
    """
    s = factories.placed_world(session, world)
    s.mentor_a.phone = "+32 470 12 34 56"  # Mia has no e-mail on file: her account's is used
    s.mentor_b.email = "mentor.b@zorg.example"
    s.traj_a.class_group = "5A"
    s.traj_c.class_group = "6B"
    s.learner_e = factories.learner(session, world.school_a, first_name="Emma",
                                    last_name="Wouters")
    s.traj_e = factories.trajectory(session, s.learner_e, world.programme_a, class_group="6B")
    s.learner_f = factories.learner(session, world.school_a, first_name="Fien",
                                    last_name="Stoppers")
    s.traj_f = factories.trajectory(session, s.learner_f, world.programme_a, status="stopped",
                                    ends_on=date(2026, 10, 1), end_reason="Gestopt")
    s.learner_old = factories.learner(session, world.school_a, first_name="Oscar",
                                      last_name="Vorigjaar")
    s.traj_old = factories.trajectory(session, s.learner_old, world.programme_a,
                                      school_year=2025, starts_on=date(2025, 9, 1))

    s.a_overdue = add_moment(session, s.traj_a, date(2026, 10, 13), title="Eerste")
    s.e_overdue = add_moment(session, s.traj_e, date(2026, 12, 1), title="Emma december")
    s.c_overdue = add_moment(session, s.traj_c, date(2027, 1, 10), "draft", title="Januari")
    s.f_submitted = add_moment(session, s.traj_f, date(2026, 9, 29), "submitted",
                               submitted_on=date(2026, 9, 28))
    s.a_submitted = add_moment(session, s.traj_a, date(2026, 11, 10), "submitted",
                               title="Tweede", submitted_on=date(2026, 11, 12))
    s.c_submitted = add_moment(session, s.traj_c, date(2026, 12, 15), "submitted",
                               submitted_on=date(2026, 12, 20))
    s.c_due_today = add_moment(session, s.traj_c, TODAY, title="Vandaag")
    s.a_due = add_moment(session, s.traj_a, date(2027, 1, 20), title="Derde")
    s.e_due = add_moment(session, s.traj_e, date(2027, 3, 1))
    s.c_reviewed = add_moment(session, s.traj_c, date(2026, 11, 24), "reviewed",
                              submitted_on=date(2026, 11, 25), reviewed_on=date(2026, 12, 1))
    s.a_reviewed = add_moment(session, s.traj_a, date(2026, 9, 29), "reviewed",
                              title="Start", submitted_on=date(2026, 9, 30),
                              reviewed_on=date(2026, 10, 5))
    s.f_open = add_moment(session, s.traj_f, date(2026, 9, 30))
    s.old_overdue = add_moment(session, s.traj_old, date(2026, 3, 1))

    s.b_moments = [
        add_moment(session, s.traj_b, date(2026, 10, 1)),
        add_moment(session, s.traj_b, date(2026, 11, 1), "submitted",
                   submitted_on=date(2026, 11, 2)),
        add_moment(session, s.traj_b, date(2027, 2, 1)),
        add_moment(session, s.traj_b, date(2026, 10, 20), "reviewed",
                   submitted_on=date(2026, 10, 21), reviewed_on=date(2026, 10, 22)),
    ]
    s.expected = {
        "overdue": [s.a_overdue, s.e_overdue, s.c_overdue],
        "submitted": [s.f_submitted, s.a_submitted, s.c_submitted],
        "due": [s.c_due_today, s.a_due, s.e_due],
        "reviewed": [s.c_reviewed, s.a_reviewed],
    }
    session.commit()
    return s


def listed(html: str) -> list[int]:
    """Ids of the moments a page lists, in order (each row links to its evaluation page)."""
    seen: list[int] = []
    for found in re.findall(r'href="/evaluations/(\d+)"', html):
        if int(found) not in seen:
            seen.append(int(found))
    return seen


def ids(moments) -> list[int]:
    """The ids of `moments`, in order."""
    return [moment.id for moment in moments]
