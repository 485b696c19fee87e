"""The mentor file: the criminal record extract (model 596.2) as a private document, its age
at the request, and the teaching certificate."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.companies.models import Mentor
from dualflow.reports.models import Document
from tests import factories
from tests.conftest import fix_today, login

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    fix_today(monkeypatch, TODAY)


def upload(client, mentor, content: bytes, *, filename="uittreksel.pdf", on=None):
    data = {"extract-record_check_on": (on or TODAY - timedelta(days=10)).isoformat(),
            "extract-file": (io.BytesIO(content), filename)}
    return client.post(f"/companies/{mentor.company_id}/mentors/{mentor.id}/record-extract",
                       data=data, content_type="multipart/form-data")


def _documents(session) -> int:
    return session.execute(select(func.count()).select_from(Document)).scalar_one()


@pytest.fixture
def file(session, world):
    """Mentor Mia of company A with an uploaded extract, named in a request of sector A."""
    mentor = session.execute(
        select(Mentor).where(Mentor.user_id == world.mentor_user_a.id)).scalar_one()
    site = factories.site(session, world.company_a)
    factories.recognition_request(session, site, world.programme_a, mentors=[mentor])
    session.commit()
    return mentor


def test_company_uploads_the_extract_as_a_private_document(client, session, world, file):
    login(client, world.company_user_a)
    response = upload(client, file, PDF, on=TODAY - timedelta(days=10))
    assert response.status_code == 302
    session.expire_all()
    mentor = session.get(Mentor, file.id)
    document = session.get(Document, mentor.record_extract_document_id)
    assert (document.kind, document.subject_type, document.subject_id) == (
        "record_extract", "mentor", mentor.id)
    assert document.media_type == "application/pdf" and document.content == PDF
    assert mentor.record_check_on == TODAY - timedelta(days=10)
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "mentor.record_extract_uploaded",
        AuditEvent.entity_id == mentor.id)).scalar_one()
    page = client.get(response.location).get_data(as_text=True)
    assert "opgeladen" in page and f"/mentors/{mentor.id}/record-extract" in page
    # The checklist says how old the extract is, and the limit.
    assert "vandaag 10 dagen oud; bij een aanvraag hoogstens 12 maanden toegelaten" in page


@pytest.mark.parametrize(("content", "filename", "media_type"), [
    (PNG, "foto.png", "image/png"), (JPEG, "scan.jpeg", "image/jpeg"),
    (PNG, "verkeerde-naam.pdf", "image/png"),  # the bytes decide, not the name
])
def test_images_are_accepted_by_their_bytes(client, session, world, file, content, filename,
                                           media_type):
    login(client, world.company_user_a)
    assert upload(client, file, content, filename=filename).status_code == 302
    session.expire_all()
    document = session.get(Document, session.get(Mentor, file.id).record_extract_document_id)
    assert document.media_type == media_type
    assert document.filename.endswith(media_type.split("/")[1].replace("jpeg", "jpg"))


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"MZ\x90\x00 not a pdf at all", "uittreksel.pdf", "Dit is geen PDF-, JPEG- of PNG-bestand"),
    (b"<html><script>alert(1)</script>", "uittreksel.png", "Dit is geen PDF-"),
    (b"%PDF-" + b"0" * (5 * 1024 * 1024), "groot.pdf", "groter dan 5 MB"),
])
def test_uploads_that_are_not_an_extract_are_refused(client, session, world, file, content,
                                                    filename, message):
    login(client, world.company_user_a)
    before = _documents(session)
    response = upload(client, file, content, filename=filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert _documents(session) == before
    assert session.get(Mentor, file.id).record_extract_document_id is None
    # The profile form next to it still shows the stored facts (the mentor stays active).
    assert re.search(r'<input checked[^>]*name="is_active"', response.get_data(as_text=True))


def test_an_extract_dated_in_the_future_is_refused(client, session, world, file):
    login(client, world.company_user_a)
    response = upload(client, file, PDF, on=TODAY + timedelta(days=1))
    assert response.status_code == 422
    assert "Deze datum ligt in de toekomst." in response.get_data(as_text=True)


def test_who_may_not_maintain_the_company_cannot_upload(client, session, world, file):
    before = _documents(session)
    for user in (world.coordinator_b, world.sector_user_a, world.mentor_user_a):
        client.post("/logout")
        login(client, user)
        assert upload(client, file, PDF).status_code in (403, 404), user.role
    session.expire_all()
    assert _documents(session) == before


def test_the_registering_school_uploads_while_it_maintains_the_company(client, session, world):
    company = factories.company(session, name="Nog zonder account",
                                registered_by_school_id=world.school_a.id)
    mentor = factories.mentor(session, company)
    session.commit()
    login(client, world.coordinator_a)
    assert upload(client, mentor, PDF).status_code == 302
    # ... but even that school does not open it afterwards.
    assert client.get(f"/mentors/{mentor.id}/record-extract").status_code == 404


def _visibility(session, world, file):
    """Every kind of user, and whether the extract opens for them."""
    other_company_user = factories.user(session, "company", company_id=world.company_b.id)
    # School A registered company A and placed a learner there: still not theirs to open.
    world.company_a.registered_by_school_id = world.school_a.id
    session.commit()
    return [
        ("company user of the mentor's company", world.company_user_a, True),
        ("admin", world.admin, True),
        ("sector deciding a request naming the mentor", world.sector_user_a, True),
        ("another sector", world.sector_user_b, False),
        ("company user of another company", other_company_user, False),
        ("coordinator of the registering school", world.coordinator_a, False),
        ("coordinator of another school", world.coordinator_b, False),
        ("the mentor's own account", world.mentor_user_a, False),
    ]


def test_visibility_matrix_of_the_extract(client, session, world, file):
    login(client, world.company_user_a)
    assert upload(client, file, PDF).status_code == 302
    url = f"/mentors/{file.id}/record-extract"
    seen = {}
    for label, user, allowed in _visibility(session, world, file):
        client.post("/logout")
        login(client, user)
        response = client.get(url)
        seen[label] = response.status_code
        if allowed:
            assert response.status_code == 200, label
            assert response.data == PDF and response.mimetype == "application/pdf"
            assert "no-store" in response.headers["Cache-Control"]
        else:
            assert response.status_code == 404, label
    downloads = session.execute(select(AuditEvent.actor_id).where(
        AuditEvent.action == "mentor.record_extract_downloaded",
        AuditEvent.entity_id == file.id)).scalars().all()
    assert sorted(downloads) == sorted([world.company_user_a.id, world.admin.id,
                                        world.sector_user_a.id])
    client.post("/logout")
    assert client.get(url).status_code in (302, 401)  # anonymous: to the login page


def test_a_mentor_without_extract_or_an_unknown_mentor_is_404(client, session, world, file):
    login(client, world.admin)
    assert client.get(f"/mentors/{file.id}/record-extract").status_code == 404
    assert client.get("/mentors/999999/record-extract").status_code == 404


def test_the_teaching_certificate_is_on_the_mentor_form(client, session, world, file):
    world.company_a.sector_id = world.sector_a.id
    world.sector_a.teaching_certificate_exempts = True
    session.commit()
    login(client, world.company_user_a)
    url = f"/companies/{world.company_a.id}/mentors/{file.id}"
    assert "pedagogisch getuigschrift" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={
        "first_name": "Mia", "last_name": "Mentor", "birth_date": "1980-01-01",
        "experience_years": "10", "has_teaching_certificate": "y", "is_active": "y",
    })
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Mentor, file.id).has_teaching_certificate is True
    page = client.get(url).get_data(as_text=True)
    assert "Vrijgesteld: pedagogisch getuigschrift" in page
