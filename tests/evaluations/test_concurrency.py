"""Two people editing the same evaluation: the second save is refused, the first is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from dualflow.audit import AuditEvent
from dualflow.errors import ConcurrentEdit
from dualflow.evaluations import services
from dualflow.evaluations.models import Evaluation, EvaluationScore


def _stored(session, moment):
    evaluation = services.evaluation_of(session, moment)
    scores = {row.competency_id: (row.level, row.comment) for row in session.execute(
        select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
        .execution_options(populate_existing=True)
    ).scalars()}
    return evaluation.version, evaluation.general_comment, scores


def _save(session, s, *, level, comment, seen_version):
    return services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                               scores={s.c1.id: level}, comments={},
                               general_comment=comment, seen_version=seen_version)


def test_a_second_save_with_the_same_version_is_refused_and_the_first_kept(session, scene):
    s = scene
    _save(session, s, level=2, comment="Opgeslagen", seen_version=None)  # version 1
    session.commit()
    # Two browser tabs both loaded version 1.
    _save(session, s, level=3, comment="Eerste tab", seen_version=1)
    session.commit()
    events = session.execute(select(AuditEvent.id)).all()
    with pytest.raises(ConcurrentEdit, match="Iemand anders heeft deze evaluatie"):
        _save(session, s, level=4, comment="Tweede tab", seen_version=1)
    session.rollback()
    assert _stored(session, s.m1) == (2, "Eerste tab", {s.c1.id: (3, "")})
    assert session.execute(select(AuditEvent.id)).all() == events


def test_two_first_saves_the_second_is_refused(session, scene):
    s = scene
    _save(session, s, level=2, comment="Eerste", seen_version=None)
    session.commit()
    with pytest.raises(ConcurrentEdit):
        _save(session, s, level=4, comment="Tweede", seen_version=None)
    session.rollback()
    assert _stored(session, s.m1) == (1, "Eerste", {s.c1.id: (2, "")})


def test_the_version_column_catches_a_save_between_check_and_write(session, scene, monkeypatch):
    """Another request commits after our version check: the ORM's UPDATE finds no row."""
    s = scene
    _save(session, s, level=2, comment="Eerste", seen_version=None)
    session.commit()
    original = services.evaluation_of

    def read_then_someone_else_saves(db_session, moment):
        evaluation = original(db_session, moment)
        db_session.execute(
            update(Evaluation).where(Evaluation.id == evaluation.id)
            .values(version=Evaluation.version + 1, general_comment="Ander venster"),
            execution_options={"synchronize_session": False},
        )
        return evaluation

    monkeypatch.setattr(services, "evaluation_of", read_then_someone_else_saves)
    with pytest.raises(ConcurrentEdit):
        _save(session, s, level=4, comment="Verloren race", seen_version=1)
    monkeypatch.undo()
    assert _stored(session, s.m1) == (2, "Ander venster", {s.c1.id: (2, "")})


def test_a_stale_submission_is_refused(session, scene):
    s = scene
    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 2, s.c3.id: 2, s.c4.id: 2}, comments={},
                        general_comment="", seen_version=None)
    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 3, s.c3.id: 2, s.c4.id: 2}, comments={},
                        general_comment="", seen_version=1)
    with pytest.raises(ConcurrentEdit):
        services.submit(session, actor=s.mentor_user_a, moment=s.m1, seen_version=1)
    assert s.m1.status == "draft"
