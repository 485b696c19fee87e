"""Progression and qualified exit come from the class council's decisions, on a known data set."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from dualflow.trajectories.models import ClassCouncilDecision
from tests import factories
from tests.conftest import login

YEAR = 2024
FILTERS = f"school_year={YEAR}&reference_year={YEAR}"


@pytest.fixture
def decided_class(session, world):
    """School A, 2024-25: ten learners decided on (6 pass, 2 qualified, 2 do not pass) and one
    who left in January before the council. School B: one learner who passes."""

    def learner_with(school, programme, decision, *, status="unqualified",
                     ends_on=date(2025, 6, 30)):
        pupil = factories.learner(session, school)
        trajectory = factories.trajectory(session, pupil, programme, school_year=YEAR,
                                          starts_on=date(YEAR, 9, 1), ends_on=ends_on,
                                          status=status)
        if decision:
            session.add(ClassCouncilDecision(trajectory_id=trajectory.id, decision=decision,
                                             decided_on=date(2025, 6, 26)))
        return trajectory

    for _ in range(6):
        learner_with(world.school_a, world.programme_a, "passes")
    # One qualified learner whose trajectory is already closed as qualified: counted once.
    learner_with(world.school_a, world.programme_a, "qualified", status="qualified")
    learner_with(world.school_a, world.programme_a, "qualified", ends_on=None,
                 status="active")
    learner_with(world.school_a, world.programme_a, "does_not_pass")
    # Closed as qualified by mistake, but the council decided otherwise: the decision counts.
    learner_with(world.school_a, world.programme_a, "does_not_pass", status="qualified")
    learner_with(world.school_a, world.programme_a, None, status="stopped",
                 ends_on=date(2025, 1, 20))
    learner_with(world.school_b, world.programme_b, "passes")
    session.commit()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_progression_is_the_share_of_the_decided_who_pass_or_qualify(client, world,
                                                                     decided_class):
    login(client, world.coordinator_a)
    html = client.get(f"/indicators?{FILTERS}").get_data(as_text=True)
    table = _text(html.split('id="table-flow"')[1].split("</table>")[0])
    # Intake 11 (all STEM), 10 decided, 8 progressed = 80,0 %, 2 qualified = 20,0 %.
    assert "2024-25 11 11 10 8 80,0% 2 20,0% 2" in table
    # Not the share of everybody (8 of 11 = 72,7 %).
    assert "72,7%" not in table
    assert "Aandeel doorstroom van de beslisten" in table
    definitions = _text(html.split('id="definitions"')[1])
    assert "als aandeel van de lerenden met een beslissing" in definitions
    note = _text(html.split('id="table-flow"')[1].split("</div>\n</div>")[0])
    assert "Zonder beslissing van de klassenraad (niet in de aandelen): 2024-25: 1." in note


def test_the_exports_carry_the_same_percentages(client, world, decided_class):
    login(client, world.coordinator_a)
    body = client.get(f"/indicators/export/flow.csv?{FILTERS}").data.decode("utf-8-sig")
    assert "2024-25;11;11;10;8;80,0;2;20,0;2" in body.splitlines()
    sheet = load_workbook(io.BytesIO(client.get(
        f"/indicators/export/flow.xlsx?{FILTERS}").data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3:8] == ("Met beslissing klassenraad",
                            "Doorstroom: geslaagd of kwalificatie behaald",
                            "Aandeel doorstroom van de beslisten", "Gekwalificeerde uitstroom",
                            "Aandeel gekwalificeerd van de beslisten")
    assert ("2024-25", 11, 11, 10, 8, 80.0, 2, 20.0, 2) in rows


def test_other_schools_decisions_are_not_counted(client, world, decided_class):
    login(client, world.coordinator_b)
    html = client.get(f"/indicators?{FILTERS}").get_data(as_text=True)
    table = _text(html.split('id="table-flow"')[1].split("</table>")[0])
    assert "2024-25 1 0 1 1 100,0% 0 0,0% 0" in table
