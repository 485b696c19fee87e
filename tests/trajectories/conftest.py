"""Shared arrangement: school A's trajectory, a recognised site of company A, eligible mentors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from dualflow.companies.models import Company, Mentor, Site
from dualflow.recognitions.models import Recognition
from dualflow.trajectories.models import Trajectory
from tests import factories


@dataclass
class Arena:
    world: factories.World
    trajectory: Trajectory  # learner_a x programme_a (Bouw: 1 learner per mentor), 2026-27
    site: Site  # of company A, recognised for programme_a from 01/01/2026 to 30/06/2027
    recognition: Recognition
    mentor: Mentor  # Mia (mentor_user_a), meets every rule
    other_company: Company
    other_mentor: Mentor  # of company B, meets every rule


@pytest.fixture
def arena(session, world) -> Arena:
    """The world plus what a placement of learner A needs; nothing placed yet."""
    site = factories.site(session, world.company_a, name="Werf Gent")
    recognition = factories.recognition(session, site, world.programme_a,
                                        valid_from=date(2026, 1, 1),
                                        valid_until=date(2027, 6, 30))
    mentor = session.execute(
        select(Mentor).where(Mentor.user_id == world.mentor_user_a.id)
    ).scalar_one()
    mentor.birth_date = date(1980, 1, 1)
    mentor.experience_years = 10
    mentor.appointed_on = date(2024, 1, 1)
    mentor.training_completed_on = date(2024, 3, 1)
    mentor.record_check_on = factories.RECENT_RECORD_CHECK
    other_mentor = factories.eligible_mentor(session, world.company_b, first_name="Bert")
    trajectory = session.execute(
        select(Trajectory).where(Trajectory.learner_id == world.learner_a.id)
    ).scalar_one()
    session.commit()
    return Arena(world=world, trajectory=trajectory, site=site, recognition=recognition,
                 mentor=mentor, other_company=world.company_b, other_mentor=other_mentor)
