"""The demo data carries class council decisions for past school years: real progression."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from dualflow.accounts.models import User
from dualflow.demo import load_demo, school_year_of
from dualflow.trajectories.models import ClassCouncilDecision, Trajectory
from tests.conftest import fix_demo_day, login


@pytest.mark.slow
def test_past_years_have_decisions_and_the_progression_shows_figures(client, session,
                                                                     monkeypatch):
    today = fix_demo_day(monkeypatch, date(2026, 12, 7))
    load_demo(render_contracts=False)
    session.expire_all()
    year = school_year_of(today)
    per_year = dict(session.execute(
        select(Trajectory.school_year, func.count())
        .join(ClassCouncilDecision, ClassCouncilDecision.trajectory_id == Trajectory.id)
        .group_by(Trajectory.school_year)).all())
    assert set(per_year) == {year - 1, year - 2, year - 3, year - 4}
    decisions = set(session.execute(select(ClassCouncilDecision.decision)).scalars())
    assert decisions == {"passes", "does_not_pass", "qualified"}
    # Loading again adds nothing.
    assert load_demo(render_contracts=False).get("class_council_decisions", 0) == 0

    coordinator = session.execute(
        select(User).where(User.email == "coordinator@dualflow.demo")).scalar_one()
    login(client, coordinator, "dualflow-demo")
    html = client.get(f"/indicators?school_year={year - 1}").get_data(as_text=True)
    table = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="table-flow"')[1]
                                       .split("</table>")[0]))
    shares = re.findall(r"(\d+,\d)%", table)
    assert shares and not all(share == "0,0" for share in shares)
