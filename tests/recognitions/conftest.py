"""Shared arrangement: a site of company A with a mentor, and sector A's programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from dualflow.companies.models import Mentor, Site
from tests import factories


@dataclass
class Setup:
    world: factories.World
    site: Site
    mentor: Mentor


@pytest.fixture
def setup(session, world) -> Setup:
    """World plus a site of company A (Gent) and its mentor (Mia's profile, fully eligible)."""
    site = factories.site(session, world.company_a, name="Werf Gent", postcode="9000",
                          municipality="Gent")
    mentor = session.execute(
        select(Mentor).where(Mentor.user_id == world.mentor_user_a.id)
    ).scalar_one()
    mentor.appointed_on = date(2025, 1, 1)
    mentor.training_completed_on = date(2025, 3, 1)
    mentor.record_check_on = date(2025, 1, 1)
    session.commit()
    return Setup(world=world, site=site, mentor=mentor)
