"""A national number of another school's learner: refused, audited for the admins, limited.

The uniqueness check tells a coordinator that a number is registered at another school (never
which one). Each such answer is recorded in the audit trail, even though the form is refused,
and a coordinator gets at most ten of them a day: after that the number is not looked up.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.learners.models import Learner
from dualflow.learners.services import NUMBER_TAKEN_ELSEWHERE, NUMBER_TAKEN_ELSEWHERE_PER_DAY
from dualflow.modelbase import utcnow
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login
from tests.learners.test_import import MINOR, csv_bytes, row, upload
from tests.learners.test_learners import BIRTH, FULL, NUMBER, learner_form

ELSEWHERE = "bij een lerende van een andere school"
LIMITED = "te vaak"


@pytest.fixture
def elsewhere(session, world) -> Learner:
    """A learner of school A whose national number a coordinator of school B types."""
    learner = factories.learner(session, world.school_a, first_name="Geheim", last_name="Kind",
                                birth_date=BIRTH, gender="F", national_number=NUMBER)
    session.commit()
    return learner


def _events(session, actor=None) -> list[AuditEvent]:
    session.expire_all()
    statement = select(AuditEvent).where(AuditEvent.action == NUMBER_TAKEN_ELSEWHERE)
    if actor is not None:
        statement = statement.where(AuditEvent.actor_id == actor.id)
    return list(session.execute(statement.order_by(AuditEvent.id)).scalars())


def _learners(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Learner)).scalar_one()


def test_a_number_of_another_school_is_refused_and_audited(client, session, world, elsewhere):
    login(client, world.coordinator_b)
    before = _learners(session)
    response = client.post("/learners/new", data=learner_form())
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert ELSEWHERE in body
    assert "Geheim" not in body and world.school_a.name not in body
    assert _learners(session) == before
    # Recorded although the request was refused and everything else it did was undone.
    [event] = _events(session)
    assert event.actor_id == world.coordinator_b.id
    assert (event.entity_type, event.entity_id) == ("learners", elsewhere.id)
    assert NUMBER not in str(event.changes)
    assert event.changes["school_id"] == world.school_a.id


def test_an_own_school_duplicate_is_not_a_probe(client, session, world, elsewhere):
    login(client, world.coordinator_a)
    response = client.post("/learners/new", data=learner_form())
    assert response.status_code == 422
    assert "Er is al een lerende met dit rijksregisternummer" in response.get_data(as_text=True)
    assert _events(session) == []


def test_admins_find_the_probes_in_the_audit_viewer(app, client, session, world, elsewhere):
    coordinator = isolated_client(app)
    login(coordinator, world.coordinator_b)
    coordinator.post("/learners/new", data=learner_form())
    login(client, world.admin)
    response = client.get("/admin/audit", query_string={"action": NUMBER_TAKEN_ELSEWHERE})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert world.coordinator_b.email in body
    assert NUMBER_TAKEN_ELSEWHERE in body
    assert coordinator.get("/admin/audit").status_code == 403


def test_after_ten_probes_a_day_numbers_are_not_looked_up(app, client, session, world,
                                                           elsewhere):
    login(client, world.coordinator_b)
    for _ in range(NUMBER_TAKEN_ELSEWHERE_PER_DAY):
        body = client.post("/learners/new", data=learner_form()).get_data(as_text=True)
        assert ELSEWHERE in body
    assert len(_events(session, world.coordinator_b)) == NUMBER_TAKEN_ELSEWHERE_PER_DAY
    response = client.post("/learners/new", data=learner_form())
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert LIMITED in body and ELSEWHERE not in body
    # Not looked up: no answer, and nothing more recorded.
    assert len(_events(session, world.coordinator_b)) == NUMBER_TAKEN_ELSEWHERE_PER_DAY
    # Editing a learner of the own school with that number is limited the same way.
    own = factories.learner(session, world.school_b, birth_date=BIRTH, gender="F",
                            guardian_name="Ouder", guardian_email="ouder@example.com")
    session.commit()
    response = client.post(f"/learners/{own.id}/edit", data=learner_form(national_number=FULL))
    assert LIMITED in response.get_data(as_text=True)
    # Another coordinator is not held back by it.
    other = isolated_client(app)
    login(other, world.coordinator_a)
    response = other.post("/learners/new", data=learner_form(
        national_number=factories.insz(BIRTH, 4)))
    assert response.status_code == 302, response.get_data(as_text=True)


def test_probes_older_than_a_day_do_not_count(client, session, world, elsewhere):
    long_ago = utcnow() - timedelta(hours=25)
    for _ in range(NUMBER_TAKEN_ELSEWHERE_PER_DAY):
        session.add(AuditEvent(actor_id=world.coordinator_b.id, action=NUMBER_TAKEN_ELSEWHERE,
                               entity_type="learners", entity_id=elsewhere.id, at=long_ago))
    session.commit()
    login(client, world.coordinator_b)
    assert ELSEWHERE in client.post("/learners/new", data=learner_form()).get_data(as_text=True)


def test_an_import_with_another_schools_number_is_audited_and_limited(client, session, world):
    numbers = [factories.insz(MINOR, n) for n in range(2, 2 * NUMBER_TAKEN_ELSEWHERE_PER_DAY + 4,
                                                        2)]
    for number in numbers:
        factories.learner(session, world.school_a, birth_date=MINOR, gender="F",
                          national_number=number)
    session.commit()
    login(client, world.coordinator_b)
    body = upload(client, csv_bytes([row("Eva", "Een", MINOR, "V", numbers[0])])
                  ).get_data(as_text=True)
    assert "andere school" in body
    assert len(_events(session, world.coordinator_b)) == 1
    # A file with more such numbers than are left today names none of them.
    many = [row("Eva", f"Nr{n}", MINOR, "V", number) for n, number in enumerate(numbers[1:])]
    response = upload(client, csv_bytes(many))
    body = response.get_data(as_text=True)
    assert LIMITED in body and "andere school" not in body
    # Over the limit: not looked up at all.
    recorded = len(_events(session, world.coordinator_b))
    response = upload(client, csv_bytes([row("Eva", "Een", MINOR, "V", numbers[0])]))
    assert LIMITED in response.get_data(as_text=True)
    assert len(_events(session, world.coordinator_b)) == recorded
