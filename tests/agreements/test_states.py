"""The state machine: each transition, the illegal ones, versions and termination."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement
from dualflow.audit import AuditEvent
from dualflow.errors import DomainError
from dualflow.reports.models import Document
from tests.agreements.conftest import NOW, TODAY, draft, sent, sign_all


def actions(session, entity_id, entity_type="agreements"):
    return session.execute(select(AuditEvent.action).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)).scalars().all()


def signed(session, scene, placement=None):
    agreement, tokens = sent(session, scene, placement)
    sign_all(session, agreement, tokens)
    return session.get(Agreement, agreement.id)


def send(session, scene, agreement):
    return services.send_for_signature(session, actor=scene.coordinator_a, agreement=agreement,
                                       today=TODAY, now=NOW)


def terminate(session, scene, agreement, on=date(2027, 2, 15), reason="Bedrijf sluit",
              kind="mutual"):
    return services.terminate(session, actor=scene.coordinator_a, agreement=agreement,
                              kind=kind, terminated_on=on, reason=reason)


def test_the_happy_path_is_audited_step_by_step(session, scene):
    agreement = signed(session, scene)
    terminate(session, scene, agreement)
    session.commit()
    assert agreement.status == "terminated"
    assert actions(session, agreement.id) == [
        "agreement.created", "agreement.awaiting_signatures", "signature.requested",
        "signature.signed", "signature.signed", "signature.signed", "signature.signed",
        "agreement.signed", "agreement.documented", "agreement.terminated"]


def test_sending_twice_is_refused(session, scene):
    agreement, _tokens = sent(session, scene)
    with pytest.raises(DomainError, match="Alleen een ontwerp kan ter ondertekening"):
        send(session, scene, agreement)


@pytest.mark.parametrize("state", ["draft", "awaiting_signatures"])
def test_only_a_signed_agreement_can_be_terminated(session, scene, state):
    agreement = draft(session, scene) if state == "draft" else sent(session, scene)[0]
    with pytest.raises(DomainError, match="Alleen een ondertekende overeenkomst kan beëindigd"):
        terminate(session, scene, agreement)


def test_a_terminated_agreement_cannot_be_terminated_sent_or_reopened(session, scene):
    agreement = signed(session, scene)
    terminate(session, scene, agreement)
    session.commit()
    with pytest.raises(DomainError):
        terminate(session, scene, agreement)
    with pytest.raises(DomainError):
        send(session, scene, agreement)
    with pytest.raises(DomainError):
        services.reopen(session, actor=scene.coordinator_a, agreement=agreement)
    with pytest.raises(DomainError):
        services.new_version(session, actor=scene.coordinator_a, agreement=agreement)


@pytest.mark.parametrize("state", ["draft", "signed"])
def test_only_a_sent_agreement_can_be_reopened(session, scene, state):
    agreement = draft(session, scene) if state == "draft" else signed(session, scene)
    with pytest.raises(DomainError, match="Alleen een overeenkomst die op handtekeningen"):
        services.reopen(session, actor=scene.coordinator_a, agreement=agreement)


def test_reopen_makes_a_draft_again_and_keeps_the_sent_document(session, scene):
    agreement, _tokens = sent(session, scene)
    document_id = agreement.document_id
    services.reopen(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    assert agreement.status == "draft" and agreement.document_id is None
    assert session.get(Document, document_id) is not None
    assert "agreement.draft" in actions(session, agreement.id)


def test_a_sent_agreement_is_not_edited(session, scene):
    agreement, _tokens = sent(session, scene)
    with pytest.raises(DomainError, match="Neem ze eerst terug"):
        services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                              starts_on=agreement.starts_on,
                              ends_on=agreement.ends_on, allowance_category=3)


def test_a_signed_agreement_is_never_edited_a_change_is_a_new_version(session, scene):
    agreement = signed(session, scene)
    final = session.get(Document, agreement.signed_document_id)
    with pytest.raises(DomainError, match="nooit gewijzigd; maak een nieuwe versie"):
        services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                              starts_on=agreement.starts_on,
                              ends_on=agreement.ends_on, allowance_category=3)
    session.rollback()
    copy = services.new_version(session, actor=scene.coordinator_a, agreement=agreement)
    services.update_draft(session, actor=scene.coordinator_a, agreement=copy,
                          starts_on=copy.starts_on, ends_on=copy.ends_on,
                          allowance_category=3)
    session.commit()
    assert (copy.version, copy.previous_version_id, copy.status) == (2, agreement.id, "draft")
    assert copy.document_id is None and copy.signed_document_id is None
    old = session.get(Agreement, agreement.id)
    assert (old.status, old.allowance_category, copy.allowance_category) == ("signed", 1, 3)
    assert session.get(Document, old.signed_document_id).sha256 == final.sha256
    assert actions(session, copy.id) == ["agreement.versioned", "agreement.updated"]
    # Only one newer version at a time, and only from the latest.
    with pytest.raises(DomainError, match="nieuwere versie"):
        services.new_version(session, actor=scene.coordinator_a, agreement=old)


def test_new_version_of_a_draft_is_refused(session, scene):
    agreement = draft(session, scene)
    with pytest.raises(DomainError, match="nog een ontwerp"):
        services.new_version(session, actor=scene.coordinator_a, agreement=agreement)


def test_new_version_is_signed_on_its_own(session, scene):
    agreement = signed(session, scene)
    copy = services.new_version(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    invitations = send(session, scene, copy)
    session.commit()
    sign_all(session, copy, {i.signature.party: i.raw_token for i in invitations})
    assert session.get(Agreement, copy.id).status == "signed"
    assert session.get(Agreement, agreement.id).status == "signed"
    summaries = services.agreements_for_trajectory(session, scene.coordinator_a, scene.traj_a.id)
    assert [(s.agreement.version, s.superseded_by) for s in summaries] == [(2, None), (1, 2)]


def test_termination_needs_a_date_inside_the_agreement_and_a_reason(session, scene):
    agreement = signed(session, scene)
    with pytest.raises(DomainError) as error:
        terminate(session, scene, agreement, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        terminate(session, scene, agreement, on=date(2027, 7, 1))
    assert error.value.field == "terminated_on"
    with pytest.raises(DomainError) as error:
        terminate(session, scene, agreement, on=date(2026, 8, 31))
    assert error.value.field == "terminated_on"
    with pytest.raises(DomainError) as error:
        terminate(session, scene, agreement, on=None)
    assert error.value.field == "terminated_on"
    for kind in (None, "", "fired"):
        with pytest.raises(DomainError) as error:
            terminate(session, scene, agreement, kind=kind)
        assert error.value.field == "kind" and "Kies hoe" in error.value.message
    assert session.get(Agreement, agreement.id).status == "signed"


def test_early_termination_restarts_the_20_day_clock(session, scene):
    agreement = signed(session, scene)
    terminate(session, scene, agreement, on=date(2027, 2, 15), reason="Leerling stopt")
    session.commit()
    assert (agreement.terminated_on, agreement.termination_reason) == (date(2027, 2, 15),
                                                                      "Leerling stopt")
    assert scene.traj_a.agreement_clock_starts_on == date(2027, 2, 16)
    assert actions(session, scene.traj_a.id, "trajectories") == [
        "trajectory.agreement_clock_restarted"]
    # The end date ends the placement too, audited.
    assert scene.place_a.ends_on == date(2027, 2, 15)
    assert actions(session, scene.place_a.id, "placements") == ["placement.ended"]


def test_termination_on_the_end_date_does_not_restart_the_clock(session, scene):
    agreement = signed(session, scene)
    scene.traj_a.agreement_clock_starts_on = date(2026, 9, 1)
    session.commit()
    terminate(session, scene, agreement, on=agreement.ends_on)
    session.commit()
    assert scene.traj_a.agreement_clock_starts_on == date(2026, 9, 1)
