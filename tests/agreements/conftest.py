"""Shared arrangement: placed learners with the contact data an agreement needs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dualflow.agreements import services
from dualflow.catalog.models import Competency
from tests import factories

# Sending happens on this day: learner_a (born 1 May 2009) is 17, a minor.
TODAY = date(2026, 8, 25)
NOW = datetime(2026, 8, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def scene(session, world) -> SimpleNamespace:
    """factories.placed_world plus the contact data signing needs (see `build_scene`)."""
    return build_scene(session, world)


def build_scene(session, world) -> SimpleNamespace:
    """factories.placed_world plus the contact data signing needs (see the comments)."""
    # learner_a (Anna Peeters, school A, Dutch, a minor) has an e-mail and a guardian (Marc
    # Peeters); company_a (Bouw A) a contact person (Sofie Van Damme); traj_a's coordinator is
    # coordinator_a; programme_a has named competencies and traj_a two evaluation moments.
    # learner_c (Chloé Lambert, school A, French, adult) is placed at company_b (place_c).
    s = factories.placed_world(session, world)
    s.learner_a.email = "anna.peeters@example.be"
    s.learner_a.street, s.learner_a.postcode, s.learner_a.municipality = (
        "Kerkstraat 12", "9000", "Gent")
    s.learner_a.guardian_name, s.learner_a.guardian_email = "Marc Peeters", "marc@example.be"
    s.company_a.contact_name, s.company_a.contact_email = "Sofie Van Damme", "sofie@bouwa.be"
    s.company_a.legal_form = "BV"
    s.company_b.contact_name, s.company_b.contact_email = "Jeanne Dupont", "jeanne@zorgb.be"
    s.coordinator_a.full_name = "Tom Coördinator"
    s.traj_a.coordinator_id = s.coordinator_a.id
    s.learner_c.first_name, s.learner_c.last_name = "Chloé", "Lambert"
    s.learner_c.language, s.learner_c.email = "fr", "chloe@example.be"
    s.learner_c.birth_date = date(2007, 3, 3)  # an adult: no guardian signs
    s.traj_c.coordinator_id = s.coordinator_a.id
    titles = ["Metselwerk uitzetten volgens plan", "Bouwplannen lezen", "Voegwerk uitvoeren"]
    for competency, title in zip(
        session.execute(select(Competency).where(Competency.programme_id == s.programme_a.id)
                        .order_by(Competency.position)).scalars(), titles, strict=True):
        competency.title = title
    factories.evaluation_moment(session, s.traj_a, title="Eerste evaluatie",
                                due_on=date(2026, 10, 13))
    factories.evaluation_moment(session, s.traj_a, title="Tweede evaluatie",
                                due_on=date(2026, 12, 15))
    session.commit()
    return s


def draft(session, scene, placement=None, **fields):
    """A draft created through the service by coordinator A (the programme's kind: alternating
    training, allowance category 1 unless told)."""
    fields.setdefault("allowance_category", 1)
    agreement = services.create_agreement(session, actor=scene.coordinator_a,
                                          placement=placement or scene.place_a, **fields)
    session.commit()
    return agreement


def sent(session, scene, placement=None, *, now=NOW, **fields):
    """A draft sent for signature on TODAY; returns (agreement, {party: raw token})."""
    # Pages read the real clock: tests of them pass `now=utcnow()` so the links are still valid.
    agreement = draft(session, scene, placement, **fields)
    invitations = services.send_for_signature(session, actor=scene.coordinator_a,
                                              agreement=agreement, today=TODAY, now=now)
    session.commit()
    return agreement, {i.signature.party: i.raw_token for i in invitations}


def sign_all(session, agreement, tokens, now=NOW):
    """Every party signs with the expected name."""
    from dualflow.agreements.models import Signature

    for party, raw in tokens.items():
        row = session.execute(select(Signature).where(
            Signature.agreement_id == agreement.id, Signature.party == party,
            Signature.document_id == agreement.document_id)).scalar_one()
        document = services.open_link(session, raw_token=raw, now=now).document
        services.sign(session, raw_token=raw, full_name=row.expected_name, approved=True,
                      shown_sha256=document.sha256, ip="192.0.2.10",
                      user_agent="pytest-browser/1.0", now=now)
        session.commit()
