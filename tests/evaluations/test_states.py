"""The evaluation's states: draft, submitted, sent back, reviewed, and every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.evaluations import services
from dualflow.evaluations.models import EvaluationScore
from tests import factories
from tests.evaluations.conftest import fill


def _actions(session, evaluation) -> list[str]:
    return list(session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_type == "evaluations",
                                        AuditEvent.entity_id == evaluation.id)
        .order_by(AuditEvent.id)
    ).scalars())


def _levels(session, evaluation) -> dict[int, tuple[int | None, str]]:
    rows = session.execute(
        select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation.id)
    ).scalars()
    return {row.competency_id: (row.level, row.comment) for row in rows}


def test_the_whole_way_draft_submitted_sent_back_submitted_reviewed(session, scene):
    s = scene
    evaluation = services.save_draft(
        session, actor=s.mentor_user_a, moment=s.m1, scores={s.c1.id: 2},
        comments={s.c1.id: "  Meet nog te slordig. "}, general_comment="Goede start",
        seen_version=None,
    )
    assert s.m1.status == "draft"
    assert evaluation.version == 1
    assert evaluation.mentor_id == s.mentor_a.id
    assert _levels(session, evaluation) == {s.c1.id: (2, "Meet nog te slordig.")}

    # A second save with the version just seen; c4 explicitly n.v.t.
    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 3, s.c3.id: 2, s.c4.id: None},
                        comments={}, general_comment="Goede start", seen_version=1)
    assert evaluation.version == 2
    assert _levels(session, evaluation) == {s.c1.id: (3, ""), s.c3.id: (2, ""),
                                            s.c4.id: (None, "")}

    services.submit(session, actor=s.mentor_user_a, moment=s.m1, seen_version=2)
    assert s.m1.status == "submitted" and evaluation.submitted_at is not None

    services.send_back(session, actor=s.coordinator_a, moment=s.m1,
                       reason="Licht het niveau van C3 toe.")
    assert s.m1.status == "draft"
    assert evaluation.sent_back_reason == "Licht het niveau van C3 toe."
    assert evaluation.submitted_at is None

    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 3, s.c3.id: 2, s.c4.id: None},
                        comments={s.c3.id: "Voegt netjes, nog traag."},
                        general_comment="Goede start", seen_version=evaluation.version)
    services.submit(session, actor=s.mentor_user_a, moment=s.m1)
    assert evaluation.sent_back_reason == ""

    services.review(session, actor=s.coordinator_a, moment=s.m1,
                    school_comment="Besproken met de lerende.")
    assert s.m1.status == "reviewed"
    assert evaluation.school_comment == "Besproken met de lerende."
    assert evaluation.reviewed_by_id == s.coordinator_a.id and evaluation.reviewed_at

    services.add_self_reflection(session, moment=s.m1, text="Ik moet sneller leren voegen.")
    assert evaluation.self_reflection == "Ik moet sneller leren voegen."
    assert evaluation.self_reflection_at is not None

    assert _actions(session, evaluation) == [
        "evaluation.created", "evaluation.saved", "evaluation.submitted",
        "evaluation.sent_back", "evaluation.saved", "evaluation.submitted",
        "evaluation.reviewed", "evaluation.self_reflection",
    ]


def test_only_the_mentor_of_the_placement_covering_the_moment_writes(session, scene):
    s = scene
    for actor in (s.mentor_user_b, s.coordinator_a, s.admin, s.company_user_a):
        with pytest.raises(NotAllowed, match="Alleen de mentor"):
            services.save_draft(session, actor=actor, moment=s.m1, scores={s.c1.id: 2},
                                comments={}, general_comment="", seen_version=None)
    # Mia guides traj_a, but not on a date outside her placement.
    late = factories.evaluation_moment(session, s.traj_a, due_on=date(2027, 9, 1))
    with pytest.raises(NotAllowed):
        services.save_draft(session, actor=s.mentor_user_a, moment=late, scores={},
                            comments={}, general_comment="", seen_version=None)
    assert s.m1.status == "planned" and late.status == "planned"
    assert services.evaluation_of(session, s.m1) is None


def test_only_workplace_competencies_and_levels_one_to_four(session, scene):
    s = scene
    bad = [
        ({s.c2.id: 3}, {}, "hoort niet bij"),  # a school competency
        ({s.other_competency.id: 3}, {}, "hoort niet bij"),  # another programme's
        ({s.c1.id: 5}, {}, "niveau van 1 tot 4"),
        ({s.c1.id: 0}, {}, "niveau van 1 tot 4"),
        ({s.c1.id: True}, {}, "niveau van 1 tot 4"),
        ({}, {s.c1.id: "een opmerking zonder niveau"}, "om de opmerking te bewaren"),
        ({s.c1.id: 2}, {s.c1.id: "x" * 2001}, "te lang"),
    ]
    for scores, comments, message in bad:
        with pytest.raises(DomainError, match=message):
            services.save_draft(session, actor=s.mentor_user_a, moment=s.m1, scores=scores,
                                comments=comments, general_comment="", seen_version=None)
    assert services.evaluation_of(session, s.m1) is None
    assert s.m1.status == "planned"


def test_submit_needs_a_choice_for_every_workplace_competency(session, scene):
    s = scene
    with pytest.raises(DomainError, match="in ontwerp"):
        services.submit(session, actor=s.mentor_user_a, moment=s.m1)  # still planned
    fill(session, s, s.m1, {s.c1.id: 2, s.c4.id: None}, submit=False)
    with pytest.raises(DomainError, match="nog open: Competentie 3") as refused:
        services.submit(session, actor=s.mentor_user_a, moment=s.m1)
    assert refused.value.field == f"score-{s.c3.id}"
    assert s.m1.status == "draft"
    with pytest.raises(NotAllowed):
        services.submit(session, actor=s.mentor_user_b, moment=s.m1)


def test_a_submitted_evaluation_is_read_only_for_the_mentor(session, scene):
    s = scene
    evaluation = fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    with pytest.raises(DomainError, match="‘ingediend’ en kan niet meer gewijzigd"):
        services.save_draft(session, actor=s.mentor_user_a, moment=s.m1, scores={s.c1.id: 4},
                            comments={}, general_comment="", seen_version=evaluation.version)
    with pytest.raises(DomainError, match="in ontwerp"):
        services.submit(session, actor=s.mentor_user_a, moment=s.m1)
    assert _levels(session, evaluation)[s.c1.id] == (2, "")


def test_review_and_send_back_only_by_the_learners_school(session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    for actor in (s.coordinator_b, s.mentor_user_a, s.inactive_coordinator_a, s.admin):
        with pytest.raises(NotAllowed, match="Alleen de school"):
            services.review(session, actor=actor, moment=s.m1, school_comment="")
        with pytest.raises(NotAllowed, match="Alleen de school"):
            services.send_back(session, actor=actor, moment=s.m1, reason="Nee")
    assert s.m1.status == "submitted"


def test_sending_back_needs_a_reason(session, scene):
    s = scene
    evaluation = fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    for reason in ("", "   "):
        with pytest.raises(DomainError, match="reden") as refused:
            services.send_back(session, actor=s.coordinator_a, moment=s.m1, reason=reason)
        assert refused.value.field == "reason"
    assert s.m1.status == "submitted" and evaluation.sent_back_reason == ""


def test_a_reviewed_evaluation_is_locked(session, scene):
    s = scene
    evaluation = fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3, s.c4.id: None})
    services.review(session, actor=s.coordinator_a, moment=s.m1, school_comment="Ok")
    with pytest.raises(DomainError, match="‘nagekeken’ en kan niet meer gewijzigd"):
        services.save_draft(session, actor=s.mentor_user_a, moment=s.m1, scores={s.c1.id: 4},
                            comments={}, general_comment="", seen_version=evaluation.version)
    with pytest.raises(DomainError, match="Alleen een ingediende evaluatie kan nagekeken"):
        services.review(session, actor=s.coordinator_a, moment=s.m1, school_comment="Opnieuw")
    with pytest.raises(DomainError, match="Alleen een ingediende evaluatie kan teruggestuurd"):
        services.send_back(session, actor=s.coordinator_a, moment=s.m1, reason="Toch niet")
    assert s.m1.status == "reviewed" and evaluation.school_comment == "Ok"


def test_the_self_reflection_comes_after_submission_and_once(session, scene):
    s = scene
    with pytest.raises(DomainError, match="zelfreflectie kan pas"):
        services.add_self_reflection(session, moment=s.m1, text="Te vroeg")
    fill(session, s, s.m1, {s.c1.id: 2, s.c3.id: 3}, submit=False)
    with pytest.raises(DomainError, match="zelfreflectie kan pas"):
        services.add_self_reflection(session, moment=s.m1, text="Nog een ontwerp")
    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 2, s.c3.id: 3, s.c4.id: 1}, comments={},
                        general_comment="", seen_version=1)
    services.submit(session, actor=s.mentor_user_a, moment=s.m1)
    with pytest.raises(DomainError, match="Schrijf"):
        services.add_self_reflection(session, moment=s.m1, text="  ")
    evaluation = services.add_self_reflection(session, moment=s.m1, text="Het gaat goed.")
    with pytest.raises(DomainError, match="al bewaard"):
        services.add_self_reflection(session, moment=s.m1, text="Nog eens")
    assert evaluation.self_reflection == "Het gaat goed."
