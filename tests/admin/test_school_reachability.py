"""The admin states how a school is reachable while its learners work, holidays included."""

from __future__ import annotations

from tests.admin.test_reminder_offsets import _school_data
from tests.conftest import login


def test_admin_sets_the_school_reachability(client, world, session):
    login(client, world.admin)
    url = f"/admin/schools/{world.school_a.id}/edit"
    assert 'name="reachability"' in client.get(url).get_data(as_text=True)
    text = "Tijdens de vakanties: permanentie op maandag, 09 111 22 33."
    response = client.post(url, data=_school_data(world.school_a, reachability=text))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(world.school_a)
    assert world.school_a.reachability == text
    assert text in client.get(f"/admin/schools/{world.school_a.id}").get_data(as_text=True)
