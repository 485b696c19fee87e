"""Every redirect whose destination comes from the request stays on this site."""

from __future__ import annotations

import pytest

from dualflow.urls import safe_next
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "//evil.example",
    "//evil.example/admin/users",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,hi",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f%5cevil.example",
    "/%09/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\x85/evil.example",
    "admin/users",
    "",
]
SAFE = ["/admin/users", "/admin/users?page=2&role=mentor", "/notifications?show=unread",
        "/trajectories/3#moments", "/learners?q=De%20Smet"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", SAFE)
def test_paths_of_this_site_are_kept(target):
    assert safe_next(target) == target


@pytest.fixture
def client(app):
    return isolated_client(app)


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_user_actions_never_send_the_browser_elsewhere(client, world, session, target):
    user = factories.user(session, "coordinator", school_id=world.school_a.id, password_hash=None)
    session.commit()
    login(client, world.admin)
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"next": target})
    assert response.status_code == 302
    assert response.location == "/admin/users"


def test_admin_user_actions_return_to_the_list_they_came_from(client, world, session):
    user = factories.user(session, "coordinator", school_id=world.school_a.id, password_hash=None)
    session.commit()
    login(client, world.admin)
    response = client.post(f"/admin/users/{user.id}/deactivate",
                           data={"next": "/admin/users?page=2"})
    assert response.location == "/admin/users?page=2"


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/%2F%2Fevil.example"])
def test_log_in_and_language_switch_stay_on_this_site(client, world, target):
    response = client.post("/language", data={"language": "fr", "next": target})
    assert response.location == "/"
    response = client.post("/login", data={"email": world.admin.email,
                                           "password": factories.PASSWORD, "next": target})
    assert response.location == "/"
