"""The shared web plumbing: full URLs from DUALFLOW_BASE_URL, the same with or without a request,
also when the application lives under a path (https://school.example/dualflow)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from icalendar import Calendar

from dualflow.accounts.services import issue_sign_in_link
from dualflow.i18n import today_brussels
from dualflow.notifications import delivery, feeds
from dualflow.web import absolute_url
from tests import factories
from tests.admin.helpers import mails
from tests.notifications.delivery_helpers import NOW, add_notification, html_part, text_part

PREFIXED = "https://school.example/dualflow"


@pytest.fixture
def prefixed(app, monkeypatch):
    """The application served under a path of the school's host."""
    monkeypatch.setitem(app.config, "BASE_URL", PREFIXED)


def test_a_full_url_keeps_the_base_urls_path_with_and_without_a_request(app, prefixed):
    outside = absolute_url("accounts.reset_password", token="abc")
    # Behind a proxy that mounts the application at /dualflow, pages link to /dualflow/...;
    # the full URL is still the base URL and the application's own path, once.
    with app.test_request_context("/login", base_url=PREFIXED):
        assert url_for("accounts.reset_password", token="abc") == "/dualflow/password/reset/abc"
        inside = absolute_url("accounts.reset_password", token="abc")
    assert outside == inside == PREFIXED + "/password/reset/abc"


def test_a_sign_in_link_made_by_a_job_has_the_prefix(session, world, prefixed):
    link = issue_sign_in_link(session, user=world.mentor_user_a)
    assert link.startswith(PREFIXED + "/login/link/")


def test_a_mail_sent_by_the_scheduler_links_under_the_prefix(session, world, outbox, prefixed):
    mentor = world.mentor_user_a
    add_notification(session, user=mentor, subject="Evaluatie te laat",
                     link="/trajectories/1")
    assert delivery.deliver_pending(NOW).status == "succeeded"
    (message,) = [sent for sent in mails(outbox) if sent["To"] == mentor.email]
    for body in (text_part(message), html_part(message)):
        assert PREFIXED + "/trajectories/1" in body
        assert PREFIXED + "/login/link/" in body
        assert PREFIXED + "/notifications/settings" in body
        assert "/dualflow/dualflow" not in body
        assert "http://dualflow.test" not in body


def test_a_calendar_feed_built_without_a_request_links_under_the_prefix(session, world,
                                                                        prefixed):
    scene = factories.placed_world(session, world)
    moment = factories.evaluation_moment(session, scene.traj_a, title="Eerste evaluatie",
                                         due_on=today_brussels() + timedelta(10))
    session.commit()
    body = feeds.build_feed(session, scene.mentor_user_a, today=today_brussels())
    urls = {str(event["UID"]): str(event["URL"])
            for event in Calendar.from_ical(body).walk("VEVENT")}
    assert urls[f"evaluation-{moment.id}@dualflow"] == f"{PREFIXED}/evaluations/{moment.id}"
    assert feeds.feed_url("xyz") == PREFIXED + "/calendar/xyz.ics"
