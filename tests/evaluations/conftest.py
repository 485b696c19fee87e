"""Shared arrangement: traj_a (Mia's learner) with workplace competencies and three moments."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dualflow.catalog.models import Competency
from tests import factories


@pytest.fixture
def scene(session, world) -> SimpleNamespace:
    """factories.placed_world plus programme_a's competencies and three moments of traj_a.

    programme_a: c1 (workplace), c2 (school), c3 (workplace), c4 (both, added here), so the
    mentor evaluates c1, c3 and c4. Moments m1, m2, m3 are due in October, December, March.
    """
    s = factories.placed_world(session, world)
    s.c1, s.c2, s.c3 = session.execute(
        select(Competency).where(Competency.programme_id == s.programme_a.id)
        .order_by(Competency.position)
    ).scalars()
    s.c4 = Competency(programme_id=s.programme_a.id, position=4, code="C4",
                      title="Veilig werken", location="both")
    session.add(s.c4)
    session.flush()
    s.other_competency = session.execute(
        select(Competency).where(Competency.programme_id == s.programme_b.id,
                                 Competency.location == "workplace")
    ).scalars().first()
    # Created out of order on purpose: the history follows the due date.
    s.m3 = factories.evaluation_moment(session, s.traj_a, title="Derde", due_on=date(2027, 3, 9))
    s.m1 = factories.evaluation_moment(session, s.traj_a, title="Eerste",
                                       due_on=date(2026, 10, 13))
    s.m2 = factories.evaluation_moment(session, s.traj_a, title="Tweede",
                                       due_on=date(2026, 12, 15))
    session.commit()
    return s


def fill(session, s, moment, levels: dict, *, submit: bool = True, **fields):
    """Save (and submit) an evaluation of `moment` by Mia with {competency_id: level}."""
    from dualflow.evaluations import services

    evaluation = services.save_draft(
        session, actor=s.mentor_user_a, moment=moment,
        scores=levels,
        comments=fields.pop("comments", {}), general_comment=fields.pop("general_comment", ""),
        seen_version=fields.pop("seen_version", None),
    )
    if submit:
        services.submit(session, actor=s.mentor_user_a, moment=moment)
    return evaluation
