"""The notification centre: the bell, the list, opening and marking read, mail settings."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.notifications import delivery
from dualflow.notifications.forms import stored_mail_frequencies
from tests.admin.helpers import main_html
from tests.conftest import count_queries, login
from tests.notifications.delivery_helpers import NOW, add_notification, reload


def _bell(page: str) -> str:
    match = re.search(r'<a class="nav-link df-bell.*?</a>', page, re.S)
    assert match, "no bell in the top bar"
    return match.group(0)


def _audit(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def test_the_bell_shows_the_unread_count_on_every_page(client, session, world):
    user = world.coordinator_a
    add_notification(session, user=user, subject="Een")
    add_notification(session, user=user, subject="Twee")
    add_notification(session, user=user, subject="Gelezen", read_at=NOW)
    add_notification(session, user=world.coordinator_b, subject="Van een ander")
    login(client, user)
    bell = _bell(client.get("/").get_data(as_text=True))
    assert 'href="/notifications"' in bell
    assert "2 ongelezen meldingen" in bell
    assert re.search(r'badge[^>]*>\s*2\s*<', bell)
    # Nothing unread: a bell without a number.
    client.post("/notifications/read-all")
    bell = _bell(client.get("/").get_data(as_text=True))
    assert "ongelezen" not in bell and "badge" not in bell


def test_the_bell_costs_one_query_and_stops_counting_at_99_plus(app, client, session, world):
    user = world.sector_user_a
    for n in range(delivery.BELL_CAP + 5):
        add_notification(session, user=user, subject=f"Melding {n}")
    login(client, user)
    assert client.get("/").status_code == 200
    with count_queries(app) as statements:
        page = client.get("/").get_data(as_text=True)
    assert "99+" in _bell(page)
    assert len([sql for sql in statements if "FROM notifications" in sql]) == 1


def test_the_list_shows_own_notifications_unread_first(client, session, world):
    user = world.coordinator_a
    add_notification(session, user=user, subject="Oud en gelezen", read_at=NOW,
                     created_at=NOW - timedelta(days=2))
    add_notification(session, user=user, subject="Nieuw", created_at=NOW)
    add_notification(session, user=user, subject="Ouder maar ongelezen",
                     created_at=NOW - timedelta(days=3))
    add_notification(session, user=world.coordinator_b, subject="Van Campus B")
    login(client, user)
    page = main_html(client.get("/notifications"))
    assert "Van Campus B" not in page
    order = [page.index(subject) for subject in ("Nieuw", "Ouder maar ongelezen",
                                                 "Oud en gelezen")]
    assert order == sorted(order)
    unread_only = main_html(client.get("/notifications?show=unread"))
    assert "Nieuw" in unread_only and "Oud en gelezen" not in unread_only


def test_the_list_issues_a_bounded_number_of_queries(app, client, session, world):
    user = world.coordinator_a
    login(client, user)
    add_notification(session, user=user)
    client.get("/notifications")
    with count_queries(app) as few:
        assert client.get("/notifications").status_code == 200
    for n in range(40):
        add_notification(session, user=user, subject=f"Melding {n}", link=f"/trajectories/{n}")
    with count_queries(app) as many:
        assert client.get("/notifications").status_code == 200
    assert len(many) == len(few)


def test_opening_a_notification_marks_it_read_and_goes_to_its_thing(client, session, world):
    user = world.coordinator_a
    row = add_notification(session, user=user, subject="Evaluatie te laat",
                           link="/trajectories/5")
    login(client, user)
    page = main_html(client.get("/notifications"))
    assert f'action="/notifications/{row.id}/open"' in page
    response = client.post(f"/notifications/{row.id}/open")
    assert response.status_code == 302
    assert response.location == "/trajectories/5"
    assert reload(session, row).read_at is not None
    assert len(_audit(session, "notification.read")) == 1
    # Opening it again changes nothing and still leads there.
    assert client.post(f"/notifications/{row.id}/open").location == "/trajectories/5"
    assert len(_audit(session, "notification.read")) == 1


def test_only_links_inside_the_site_are_followed(client, session, world):
    user = world.coordinator_a
    outside = add_notification(session, user=user, link="https://evil.example/phish")
    protocol_relative = add_notification(session, user=user, link="//evil.example/x")
    login(client, user)
    for row in (outside, protocol_relative):
        response = client.post(f"/notifications/{row.id}/open")
        assert response.location == "/notifications"
    assert "evil.example" not in main_html(client.get("/notifications"))


def test_another_users_notification_is_not_found(client, session, world):
    theirs = add_notification(session, user=world.coordinator_b, subject="Van Campus B")
    login(client, world.admin)
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert reload(session, theirs).read_at is None


def test_mark_one_and_mark_all_read(client, session, world):
    user = world.coordinator_a
    first = add_notification(session, user=user, subject="Een")
    others = [add_notification(session, user=user, subject=f"Meer {n}") for n in range(3)]
    theirs = add_notification(session, user=world.coordinator_b)
    login(client, user)
    response = client.post(f"/notifications/{first.id}/read",
                           data={"next": "/notifications?show=unread&page=1"})
    assert response.location == "/notifications?show=unread&page=1"
    assert reload(session, first).read_at is not None
    assert reload(session, others[0]).read_at is None
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "3 meldingen gemarkeerd als gelezen." in response.get_data(as_text=True)
    assert all(reload(session, row).read_at is not None for row in others)
    assert reload(session, theirs).read_at is None
    [event] = _audit(session, "notification.read_all")
    assert event.changes == {"notifications": 3}


def test_mail_frequency_is_a_setting_of_ones_own(client, session, world):
    user = world.coordinator_a
    login(client, user)
    page = main_html(client.get("/notifications/settings"))
    assert re.search(r'<input checked[^>]*value="immediate"', page)
    response = client.post("/notifications/settings", data={"frequency": "daily"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(user), user.id).digest == "daily"
    assert re.search(r'<input checked[^>]*value="daily"',
                     main_html(client.get("/notifications/settings")))
    [event] = _audit(session, "user.mail_frequency")
    assert event.changes == {"digest": ["immediate", "daily"]}
    assert client.post("/notifications/settings",
                       data={"frequency": "hourly"}).status_code == 422
    assert session.get(type(user), user.id).digest == "daily"


def test_no_mails_is_offered_exactly_when_the_database_can_store_it(client, session, world):
    login(client, world.coordinator_a)
    page = main_html(client.get("/notifications/settings"))
    assert ('value="none"' in page) == ("none" in stored_mail_frequencies())
    assert {"immediate", "daily"} <= set(stored_mail_frequencies())
