"""Every transition of the recognition state machine, and every illegal one refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.recognitions import services
from dualflow.recognitions.models import Recognition, RecognitionMentor
from tests import factories

TODAY = date(2026, 11, 24)


def events(session, recognition) -> list[str]:
    return session.execute(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "recognitions", AuditEvent.entity_id == recognition.id)
        .order_by(AuditEvent.id)
    ).scalars().all()


def submit(session, setup, **overrides):
    values = {"actor": setup.world.company_user_a, "site": setup.site,
              "programme_id": setup.world.programme_a.id, "mentor_ids": [setup.mentor.id],
              "sworn_declaration": True, "today": TODAY}
    values.update(overrides)
    return services.request_recognition(session, **values)


def in_state(session, setup, status: str) -> Recognition:
    """A recognition brought into `status` through the service functions."""
    sector_user = setup.world.sector_user_a
    recognition = submit(session, setup)
    if status == "submitted":
        return recognition
    services.start_review(session, actor=sector_user, recognition=recognition, today=TODAY)
    if status == "in_review":
        return recognition
    if status == "refused":
        services.refuse(session, actor=sector_user, recognition=recognition,
                        reason="Onvolledig", today=TODAY)
        return recognition
    services.approve(session, actor=sector_user, recognition=recognition, today=TODAY)
    if status == "withdrawn":
        services.withdraw(session, actor=sector_user, recognition=recognition,
                          reason="Geen mentor meer", today=TODAY)
    if status == "expired":
        recognition.valid_until = TODAY - timedelta(days=1)
        recognition.valid_from = TODAY - timedelta(days=30)
        services.expire_due(session, TODAY)
    return recognition


def test_request_is_submitted_with_mentors_and_audited(session, setup):
    recognition = submit(session, setup, note="Graag snel")
    assert recognition.status == "submitted"
    assert recognition.submitted_by_id == setup.world.company_user_a.id
    named = session.execute(
        select(RecognitionMentor.mentor_id).where(
            RecognitionMentor.recognition_id == recognition.id)
    ).scalars().all()
    assert named == [setup.mentor.id]
    assert events(session, recognition) == ["recognition.submitted"]


def test_full_path_to_approval(session, setup):
    recognition = in_state(session, setup, "approved")
    assert recognition.status == "approved"
    assert recognition.valid_from == TODAY
    # Default: the sector's 5 years, the last day included.
    assert recognition.valid_until == date(2031, 11, 23)
    assert recognition.decided_by_id == setup.world.sector_user_a.id
    assert events(session, recognition) == [
        "recognition.submitted", "recognition.in_review", "recognition.approved"]


def test_approval_with_explicit_validity(session, setup):
    recognition = in_state(session, setup, "in_review")
    services.approve(session, actor=setup.world.sector_user_a, recognition=recognition,
                     today=TODAY, valid_from=date(2027, 1, 1), valid_until=date(2028, 12, 31),
                     note="Na controle ter plaatse")
    assert (recognition.valid_from, recognition.valid_until) == (date(2027, 1, 1),
                                                                 date(2028, 12, 31))
    assert recognition.decision_reason == "Na controle ter plaatse"


def test_refusal_keeps_the_reason(session, setup):
    recognition = in_state(session, setup, "refused")
    assert recognition.status == "refused"
    assert recognition.decision_reason == "Onvolledig"
    assert events(session, recognition)[-1] == "recognition.refused"


def test_withdrawal_flags_running_placements(session, setup):
    recognition = in_state(session, setup, "approved")
    trajectory = factories.trajectory(session, factories.learner(session, setup.world.school_a),
                                      setup.world.programme_a)
    running = factories.placement(session, trajectory, setup.mentor, recognition,
                                  starts_on=TODAY - timedelta(days=60),
                                  ends_on=TODAY + timedelta(days=60))
    ended = factories.placement(session, trajectory, setup.mentor, recognition,
                                starts_on=TODAY - timedelta(days=200),
                                ends_on=TODAY - timedelta(days=100))
    services.withdraw(session, actor=setup.world.sector_user_a, recognition=recognition,
                      reason="Geen begeleiding meer", today=TODAY)
    session.refresh(running)
    session.refresh(ended)
    assert recognition.status == "withdrawn"
    assert running.recognition_lost_on == TODAY
    assert ended.recognition_lost_on is None
    assert events(session, recognition)[-2:] == ["recognition.withdrawn",
                                                "recognition.placements_flagged"]


def test_expire_due_marks_and_flags_once(session, setup):
    recognition = in_state(session, setup, "approved")
    recognition.valid_from, recognition.valid_until = date(2025, 1, 1), date(2026, 12, 31)
    trajectory = factories.trajectory(session, factories.learner(session, setup.world.school_a),
                                      setup.world.programme_a)
    past_end = factories.placement(session, trajectory, setup.mentor, recognition,
                                   starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30))
    inside = factories.placement(session, trajectory, setup.mentor, recognition,
                                 starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30))
    # On the last valid day nothing happens; the day after it is expired.
    assert services.expire_due(session, date(2026, 12, 31)) == []
    assert services.effective_status(recognition, date(2026, 12, 31)) == "approved"
    assert services.effective_status(recognition, date(2027, 1, 1)) == "expired"
    assert services.expire_due(session, date(2027, 1, 1)) == [recognition]
    session.refresh(past_end)
    session.refresh(inside)
    assert recognition.status == "expired"
    assert past_end.recognition_lost_on == date(2027, 1, 1)
    assert inside.recognition_lost_on is None
    assert services.expire_due(session, date(2027, 1, 2)) == []
    assert events(session, recognition).count("recognition.expired") == 1


# Every (state, action) pair the machine does not allow.
ALLOWED = {("submitted", "start_review"), ("in_review", "approve"), ("in_review", "refuse"),
           ("approved", "withdraw")}
STATES = ["submitted", "in_review", "approved", "refused", "withdrawn", "expired"]
ACTIONS = ["start_review", "approve", "refuse", "withdraw"]
ILLEGAL = [(state, action) for state in STATES for action in ACTIONS
           if (state, action) not in ALLOWED]


def act(session, setup, action, recognition):
    sector_user = setup.world.sector_user_a
    if action == "start_review":
        services.start_review(session, actor=sector_user, recognition=recognition, today=TODAY)
    elif action == "approve":
        services.approve(session, actor=sector_user, recognition=recognition, today=TODAY)
    else:
        getattr(services, action)(session, actor=sector_user, recognition=recognition,
                                  reason="Een reden", today=TODAY)


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_transitions_are_refused(session, setup, state, action):
    recognition = in_state(session, setup, state)
    session.commit()
    before = (recognition.status, recognition.valid_until, recognition.decision_reason,
              len(events(session, recognition)))
    with pytest.raises(DomainError) as refused:
        act(session, setup, action, recognition)
    session.rollback()
    session.refresh(recognition)
    assert "‘" + services.status_label(state) + "’" in refused.value.message
    assert (recognition.status, recognition.valid_until, recognition.decision_reason,
            len(events(session, recognition))) == before


def test_a_lapsed_approval_reads_as_expired_and_cannot_be_withdrawn(session, setup):
    recognition = in_state(session, setup, "approved")
    recognition.valid_from, recognition.valid_until = date(2020, 1, 1), TODAY - timedelta(days=1)
    session.commit()
    assert services.effective_status(recognition, TODAY) == "expired"
    with pytest.raises(DomainError) as refused:
        services.withdraw(session, actor=setup.world.sector_user_a, recognition=recognition,
                          reason="Te laat", today=TODAY)
    assert "verlopen" in refused.value.message
    session.rollback()
    session.refresh(recognition)
    assert recognition.status == "approved"


@pytest.mark.parametrize("action", ["refuse", "withdraw"])
def test_refusal_and_withdrawal_need_a_reason(session, setup, action):
    recognition = in_state(session, setup, "in_review" if action == "refuse" else "approved")
    status = recognition.status
    with pytest.raises(DomainError) as refused:
        getattr(services, action)(session, actor=setup.world.sector_user_a,
                                  recognition=recognition, reason="   ", today=TODAY)
    assert refused.value.field == "reason"
    assert recognition.status == status


def test_valid_until_before_valid_from_is_refused(session, setup):
    recognition = in_state(session, setup, "in_review")
    count = len(events(session, recognition))
    with pytest.raises(DomainError) as refused:
        services.approve(session, actor=setup.world.sector_user_a, recognition=recognition,
                         today=TODAY, valid_from=date(2027, 1, 1), valid_until=date(2026, 12, 31))
    assert refused.value.field == "valid_until"
    assert recognition.status == "in_review" and recognition.valid_until is None
    assert len(events(session, recognition)) == count


def test_only_the_programmes_sector_decides(session, setup):
    recognition = in_state(session, setup, "submitted")
    for actor in (setup.world.sector_user_b, setup.world.coordinator_a, setup.world.admin):
        with pytest.raises(NotAllowed):
            services.start_review(session, actor=actor, recognition=recognition, today=TODAY)
    assert recognition.status == "submitted"


def test_second_live_request_is_refused_until_the_first_is_closed(session, setup):
    first = submit(session, setup)
    with pytest.raises(DomainError) as refused:
        submit(session, setup)
    assert refused.value.field == "programme_id"
    assert "loopt al een aanvraag" in refused.value.message
    count = session.execute(select(func.count()).select_from(Recognition)).scalar_one()
    assert count == 1
    services.start_review(session, actor=setup.world.sector_user_a, recognition=first,
                          today=TODAY)
    services.refuse(session, actor=setup.world.sector_user_a, recognition=first,
                    reason="Onvolledig", today=TODAY)
    second = submit(session, setup)
    assert second.status == "submitted" and second.id != first.id


def test_new_request_after_a_lapsed_approval_marks_it_expired(session, setup):
    old = in_state(session, setup, "approved")
    old.valid_from, old.valid_until = date(2020, 1, 1), TODAY - timedelta(days=3)
    session.flush()
    new = submit(session, setup)
    assert old.status == "expired" and new.status == "submitted"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sworn_declaration": False}, "sworn_declaration"),
        ({"mentor_ids": []}, "mentor_ids"),
        ({"programme_id": None}, "programme_id"),
    ],
    ids=["no sworn declaration", "no mentor", "no programme"],
)
def test_incomplete_requests_are_refused(session, setup, overrides, field):
    with pytest.raises(DomainError) as refused:
        submit(session, setup, **overrides)
    assert refused.value.field == field
    assert session.execute(select(func.count()).select_from(Recognition)).scalar_one() == 0


def test_mentor_or_site_of_another_company_is_refused(session, setup):
    other_mentor = factories.mentor(session, setup.world.company_b)
    with pytest.raises(DomainError) as refused:
        submit(session, setup, mentor_ids=[other_mentor.id])
    assert refused.value.field == "mentor_ids"
    site_b = factories.site(session, setup.world.company_b)
    with pytest.raises(DomainError) as refused:
        submit(session, setup, site=site_b)
    assert refused.value.field == "site_id"
    assert session.execute(select(func.count()).select_from(Recognition)).scalar_one() == 0
