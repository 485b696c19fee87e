"""Shared arrangement for the progress reports: traj_a with named people, competencies, moments.

Modelled on tests/evaluations/conftest.py: programme_a (Metselaar) has c1 (workplace), c2
(school), c3 (workplace) and c4 (both, added here), so the mentor evaluates c1, c3 and c4, with
recognisable titles. Moments m1, m2, m3 of traj_a are due in October, December and March.
"""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dualflow.catalog.models import Competency
from tests import factories

TITLES = {"C1": "Metselwerk uitvoeren", "C2": "Bouwtekeningen lezen",
          "C3": "Voegwerk afwerken", "C4": "Veilig werken op de werf"}


@pytest.fixture
def scene(session, world) -> SimpleNamespace:
    """factories.placed_world plus named people, titled competencies and three moments."""
    s = factories.placed_world(session, world)
    s.c1, s.c2, s.c3 = session.execute(
        select(Competency).where(Competency.programme_id == s.programme_a.id)
        .order_by(Competency.position)
    ).scalars()
    s.c4 = Competency(programme_id=s.programme_a.id, position=4, code="C4",
                      title=TITLES["C4"], location="both")
    session.add(s.c4)
    for competency in (s.c1, s.c2, s.c3):
        competency.title = TITLES[competency.code]
    s.mentor_a.first_name, s.mentor_a.last_name = "Mia", "Maes"
    s.mentor_a.function_title = "Ploegbaas"
    s.coordinator_a.full_name = "Cor Claes"
    s.traj_a.class_group = "5BOa"
    s.traj_a.coordinator_id = s.coordinator_a.id
    s.m3 = factories.evaluation_moment(session, s.traj_a, title="Eindevaluatie",
                                       due_on=date(2027, 3, 9))
    s.m1 = factories.evaluation_moment(session, s.traj_a, title="Eerste evaluatie",
                                       due_on=date(2026, 10, 13))
    s.m2 = factories.evaluation_moment(session, s.traj_a, title="Tweede evaluatie",
                                       due_on=date(2026, 12, 15))
    session.commit()
    return s


def fill(session, s, moment, levels: dict, *, submit: bool = True, **fields):
    """Save (and submit) an evaluation of `moment` by Mia with {competency_id: level}."""
    from dualflow.evaluations import services

    evaluation = services.save_draft(
        session, actor=s.mentor_user_a, moment=moment, scores=levels,
        comments=fields.pop("comments", {}), general_comment=fields.pop("general_comment", ""),
        seen_version=None,
    )
    if submit:
        services.submit(session, actor=s.mentor_user_a, moment=moment)
    session.commit()
    return evaluation


def pdf_text(content: bytes) -> str:
    """All text of a PDF, pages joined, whitespace runs made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def group(session, scene) -> SimpleNamespace:
    """More trajectories of school_a, for the batches.

    2026-27 Metselaar (programme_a): traj_a (Anna Peeters, 5BOa), twin (another Anna Peeters,
    5BOb) and lien (Lien Wouters, 5BOb). Outside that selection: traj_c (Zorgkundige), old (a
    2025-26 Metselaar trajectory of school_a) and traj_d (school_b's 2026-27 Metselaar).
    """
    s = scene
    twin = factories.learner(session, s.school_a, first_name="Anna", last_name="Peeters")
    s.traj_twin = factories.trajectory(session, twin, s.programme_a, class_group="5BOb")
    lien = factories.learner(session, s.school_a, first_name="Lien", last_name="Wouters")
    s.traj_lien = factories.trajectory(session, lien, s.programme_a, class_group="5BOb")
    former = factories.learner(session, s.school_a, first_name="Oud", last_name="Leerling")
    s.traj_old = factories.trajectory(session, former, s.programme_a, school_year=2025,
                                      starts_on=date(2025, 9, 1))
    fill(session, s, s.m1, {s.c1.id: 3, s.c3.id: 2, s.c4.id: None})
    session.commit()
    return s
