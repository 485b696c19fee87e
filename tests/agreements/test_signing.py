"""Signing through single-use links: the service rules and the public pages."""

from __future__ import annotations

import email
import hashlib
import io
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement, Signature
from dualflow.audit import AuditEvent
from dualflow.errors import DomainError
from dualflow.modelbase import utcnow
from dualflow.reports.models import Document
from dualflow.tokens import hash_token
from tests.agreements.conftest import NOW, TODAY, draft, sent, sign_all
from tests.clients import isolated_client


def signature_of(session, agreement, party) -> Signature:
    return session.execute(select(Signature).where(
        Signature.agreement_id == agreement.id, Signature.party == party,
        Signature.document_id == agreement.document_id)).scalar_one()


def do_sign(session, raw, name, *, approved=True, sha=None, now=NOW):
    sha = sha or services.open_link(session, raw_token=raw, now=now).document.sha256
    return services.sign(session, raw_token=raw, full_name=name, approved=approved,
                         shown_sha256=sha, ip="198.51.100.7", user_agent="UA/1", now=now)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


# --- the service ----------------------------------------------------------------------------


def test_sending_asks_every_party_and_stores_only_token_hashes(session, scene):
    agreement, tokens = sent(session, scene)
    assert agreement.status == "awaiting_signatures"
    assert set(tokens) == {"learner", "guardian", "company", "school"}
    expected = {"learner": ("anna.peeters@example.be", "Anna Peeters"),
                "guardian": ("marc@example.be", "Marc Peeters"),
                "company": ("sofie@bouwa.be", "Sofie Van Damme"),
                "school": (scene.coordinator_a.email, "Tom Coördinator")}
    for party, raw in tokens.items():
        row = signature_of(session, agreement, party)
        assert (row.signer_email, row.expected_name) == expected[party]
        assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() != raw
        assert row.token_expires_at == NOW + timedelta(days=14)
        assert row.signed_at is None


def test_guardian_signs_only_for_a_minor_on_the_sending_day(session, scene):
    # Anna turns 18 on 1 May 2027: sent after that, no guardian signs.
    agreement = draft(session, scene)
    invitations = services.send_for_signature(session, actor=scene.coordinator_a,
                                              agreement=agreement, today=TODAY.replace(
                                                  year=2027, month=5, day=1), now=NOW)
    assert {i.signature.party for i in invitations} == {"learner", "company", "school"}


def test_sending_refuses_missing_contact_data(session, scene):
    agreement = draft(session, scene)
    scene.learner_a.guardian_email = ""
    session.commit()
    with pytest.raises(DomainError, match="minderjarig"):
        services.send_for_signature(session, actor=scene.coordinator_a, agreement=agreement,
                                    today=TODAY, now=NOW)
    session.rollback()
    assert session.get(Agreement, agreement.id).status == "draft"
    assert session.execute(select(func.count()).select_from(Document)).scalar_one() == 0


def test_company_user_signs_when_there_is_no_contact_person(session, scene):
    scene.company_a.contact_name = scene.company_a.contact_email = ""
    session.commit()
    agreement, _tokens = sent(session, scene)
    row = signature_of(session, agreement, "company")
    assert (row.signer_email, row.expected_name) == (scene.company_user_a.email,
                                                      scene.company_user_a.full_name)


def test_sign_records_name_time_ip_agent_and_hash_of_the_document_shown(session, scene):
    agreement, tokens = sent(session, scene)
    link = do_sign(session, tokens["learner"], "anna PEETERS")
    session.commit()
    row = signature_of(session, agreement, "learner")
    assert row.signed_at == NOW and row.signer_name == "anna PEETERS"
    assert (row.ip, row.user_agent) == ("198.51.100.7", "UA/1")
    assert row.document_sha256 == link.document.sha256 == hashlib.sha256(
        link.document.content).hexdigest()
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "signature.signed")).scalar_one()
    assert event.actor_label == "learner:anna.peeters@example.be" and event.ip == "198.51.100.7"
    assert session.get(Agreement, agreement.id).status == "awaiting_signatures"


def test_name_match_ignores_case_accents_and_spacing(session, scene):
    agreement, tokens = sent(session, scene)
    do_sign(session, tokens["school"], "  tom   COORDINATOR ")
    session.commit()
    assert signature_of(session, agreement, "school").signed_at is not None


@pytest.mark.parametrize("name", ["", "Anna", "Anna Peters", "Marc Peeters"])
def test_wrong_name_is_refused(session, scene, name):
    agreement, tokens = sent(session, scene)
    with pytest.raises(DomainError) as refused:
        do_sign(session, tokens["learner"], name)
    assert refused.value.field == "full_name"
    session.rollback()
    assert signature_of(session, agreement, "learner").signed_at is None


def test_read_and_approved_is_required(session, scene):
    _agreement, tokens = sent(session, scene)
    with pytest.raises(DomainError) as refused:
        do_sign(session, tokens["learner"], "Anna Peeters", approved=False)
    assert refused.value.field == "approved"


def test_a_link_signs_once(session, scene):
    _agreement, tokens = sent(session, scene)
    do_sign(session, tokens["learner"], "Anna Peeters")
    session.commit()
    with pytest.raises(services.LinkRefused) as refused:
        do_sign(session, tokens["learner"], "Anna Peeters", sha="0" * 64)
    assert refused.value.reason == "used"


def test_an_expired_link_is_refused(session, scene):
    _agreement, tokens = sent(session, scene)
    later = NOW + timedelta(days=14)
    with pytest.raises(services.LinkRefused) as refused:
        services.open_link(session, raw_token=tokens["learner"], now=later)
    assert refused.value.reason == "expired"
    services.open_link(session, raw_token=tokens["learner"], now=later - timedelta(seconds=1))


def test_an_unknown_link_is_refused(session, scene):
    sent(session, scene)
    with pytest.raises(services.LinkRefused) as refused:
        services.open_link(session, raw_token="made-up")
    assert refused.value.reason == "invalid"


def test_link_for_a_document_that_changed_is_refused(session, scene):
    agreement, old = sent(session, scene)
    do_sign(session, old["learner"], "Anna Peeters")
    services.reopen(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    # While the agreement is a draft again, the sent links point at a document no longer valid.
    with pytest.raises(services.LinkRefused) as refused:
        services.open_link(session, raw_token=old["guardian"], now=NOW)
    assert refused.value.reason == "changed"
    services.update_draft(session, actor=scene.coordinator_a, agreement=agreement,
                          starts_on=agreement.starts_on, ends_on=agreement.ends_on,
                          allowance_category=2)
    invitations = services.send_for_signature(session, actor=scene.coordinator_a,
                                              agreement=agreement, today=TODAY, now=NOW)
    session.commit()
    new = {i.signature.party: i.raw_token for i in invitations}
    for raw in old.values():  # including the learner's, who signed the earlier document
        with pytest.raises(services.LinkRefused) as refused:
            services.open_link(session, raw_token=raw, now=NOW)
        assert refused.value.reason == "changed"
    # Everyone signs the new document again; the earlier signature stays as evidence.
    assert services.open_link(session, raw_token=new["learner"], now=NOW).signature.signed_at \
        is None
    earlier = session.execute(select(Signature).where(
        Signature.agreement_id == agreement.id, Signature.party == "learner",
        Signature.document_id != agreement.document_id)).scalar_one()
    assert earlier.signed_at is not None


def test_hash_shown_must_be_the_current_document(session, scene):
    _agreement, tokens = sent(session, scene)
    with pytest.raises(services.LinkRefused) as refused:
        do_sign(session, tokens["learner"], "Anna Peeters", sha="ab" * 32)
    assert refused.value.reason == "changed"


def test_resent_link_replaces_the_old_one(session, scene):
    agreement, tokens = sent(session, scene)
    row = signature_of(session, agreement, "company")
    invitation = services.resend_link(session, actor=scene.coordinator_a, agreement=agreement,
                                      signature=row, now=NOW + timedelta(days=3))
    session.commit()
    with pytest.raises(services.LinkRefused):
        services.open_link(session, raw_token=tokens["company"], now=NOW)
    assert services.open_link(session, raw_token=invitation.raw_token,
                              now=NOW + timedelta(days=16)).signature.id == row.id
    do_sign(session, invitation.raw_token, "Sofie Van Damme", now=NOW + timedelta(days=4))
    session.commit()
    with pytest.raises(DomainError, match="al ondertekend"):
        services.resend_link(session, actor=scene.coordinator_a, agreement=agreement,
                             signature=row, now=NOW)


def test_all_signed_makes_the_agreement_signed_with_a_final_pdf(session, scene):
    agreement, tokens = sent(session, scene)
    sent_document = session.get(Document, agreement.document_id)
    sign_all(session, agreement, tokens)
    agreement = session.get(Agreement, agreement.id)
    assert agreement.status == "signed" and agreement.signed_at == NOW
    final = session.get(Document, agreement.signed_document_id)
    assert final.kind == "agreement_signed"
    assert final.sha256 == hashlib.sha256(final.content).hexdigest()
    assert final.content != sent_document.content
    # The sent document is untouched; the final one repeats it and adds the signature page.
    assert session.get(Document, agreement.document_id).sha256 == sent_document.sha256
    reader = pypdf.PdfReader(io.BytesIO(final.content))
    assert len(reader.pages) == len(pypdf.PdfReader(io.BytesIO(sent_document.content)).pages) + 1
    last_page = reader.pages[-1].extract_text()
    assert "Handtekeningenpagina" in last_page
    for name in ("Anna Peeters", "Marc Peeters", "Sofie Van Damme", "Tom Coördinator"):
        assert name in last_page
    assert "192.0.2.10" in last_page
    assert sent_document.sha256 in last_page.replace("\n", "").replace(" ", "")
    assert pdf_text(final.content).count("Overeenkomst alternerende opleiding") >= 1
    actions = session.execute(select(AuditEvent.action).where(
        AuditEvent.entity_id == agreement.id, AuditEvent.entity_type == "agreements")
    ).scalars().all()
    assert actions.count("signature.signed") == 4
    assert "agreement.signed" in actions and "agreement.documented" in actions


# --- the public pages -------------------------------------------------------------------------


@pytest.fixture
def anonymous(app):
    return isolated_client(app)


def test_signing_page_shows_the_exact_pdf_and_signs(anonymous, session, scene, outbox):
    agreement, tokens = sent(session, scene, now=utcnow())
    raw = tokens["learner"]
    page = anonymous.get(f"/sign/{raw}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    document = session.get(Document, agreement.document_id)
    assert document.sha256 in html and f"/sign/{raw}/pdf" in html
    assert page.headers["Cache-Control"] == "no-store"
    served = anonymous.get(f"/sign/{raw}/pdf")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert served.data == document.content
    response = anonymous.post(f"/sign/{raw}", data={
        "full_name": "Anna Peeters", "approved": "y", "document_sha256": document.sha256},
        headers={"User-Agent": "Journey/2.0"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert response.status_code == 200
    assert "Bedankt, je hebt ondertekend" in response.get_data(as_text=True)
    session.expire_all()
    row = signature_of(session, agreement, "learner")
    assert (row.ip, row.user_agent, row.document_sha256) == ("203.0.113.5", "Journey/2.0",
                                                             document.sha256)
    again = anonymous.get(f"/sign/{raw}")
    assert again.status_code == 410 and "al gebruikt" in again.get_data(as_text=True)
    assert anonymous.get(f"/sign/{raw}/pdf").status_code == 410


def test_wrong_name_over_http_is_422_and_writes_nothing(anonymous, session, scene):
    agreement, tokens = sent(session, scene, now=utcnow())
    document = session.get(Document, agreement.document_id)
    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    response = anonymous.post(f"/sign/{tokens['learner']}", data={
        "full_name": "Iemand Anders", "approved": "y", "document_sha256": document.sha256})
    assert response.status_code == 422
    assert "komt niet overeen" in response.get_data(as_text=True)
    session.expire_all()
    assert signature_of(session, agreement, "learner").signed_at is None
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before


def test_expired_and_unknown_links_get_410(anonymous, session, scene):
    agreement, tokens = sent(session, scene, now=utcnow())
    row = signature_of(session, agreement, "learner")
    row.token_expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    expired = anonymous.get(f"/sign/{tokens['learner']}")
    assert expired.status_code == 410 and "verlopen" in expired.get_data(as_text=True)
    assert anonymous.get("/sign/not-a-token").status_code == 410


def test_changed_document_link_gets_a_clear_page(anonymous, session, scene):
    agreement, tokens = sent(session, scene, now=utcnow())
    services.reopen(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    response = anonymous.get(f"/sign/{tokens['learner']}")
    assert response.status_code == 409
    assert "De overeenkomst is gewijzigd" in response.get_data(as_text=True)
    assert anonymous.get(f"/sign/{tokens['learner']}/pdf").status_code == 409


def test_every_party_signs_over_http_and_the_signed_pdf_downloads(app, anonymous, session,
                                                                   scene):
    from tests.conftest import login

    agreement, tokens = sent(session, scene, now=utcnow())
    document = session.get(Document, agreement.document_id)
    for party, raw in tokens.items():
        name = signature_of(session, agreement, party).expected_name
        response = anonymous.post(f"/sign/{raw}", data={
            "full_name": name.upper(), "approved": "y", "document_sha256": document.sha256})
        assert response.status_code == 200, party
    session.expire_all()
    agreement = session.get(Agreement, agreement.id)
    assert agreement.status == "signed"
    coordinator = isolated_client(app)
    login(coordinator, scene.coordinator_a)
    download = coordinator.get(f"/agreements/{agreement.id}/signed.pdf")
    assert download.status_code == 200
    final = session.get(Document, agreement.signed_document_id)
    assert download.data == final.content
    assert "Handtekeningenpagina" in pdf_text(download.data)


def test_mails_carry_the_link_in_the_party_language(session, scene, outbox, app):
    from tests.conftest import login

    agreement = draft(session, scene, scene.place_c)  # Chloé speaks French
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    response = client.post(f"/agreements/{agreement.id}/send")
    assert response.status_code == 302
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(outbox.glob("*.eml"))]
    by_recipient = {message["To"]: message for message in messages}
    assert set(by_recipient) == {"chloe@example.be", "jeanne@zorgb.be", scene.coordinator_a.email}
    learner_mail = by_recipient["chloe@example.be"]
    assert learner_mail["Subject"].startswith("À signer : le contrat de formation en alternance")
    body = learner_mail.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Chloé Lambert" in body and "Vous signez en tant qu’apprenant" in body
    raw = body.split("http://dualflow.test/sign/")[1].split()[0]
    session.expire_all()
    row = session.execute(select(Signature).where(Signature.token_hash == hash_token(raw))
                          ).scalar_one()
    assert row.party == "learner" and row.language == "fr"
    school_mail = by_recipient[scene.coordinator_a.email]
    assert school_mail["Subject"].startswith("Te ondertekenen: de overeenkomst alternerende")
