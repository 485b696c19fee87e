"""Every screen of companies and recognitions renders for the roles that use it."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.conftest import login


@pytest.fixture
def pages(session, setup):
    world = setup.world
    other_site = factories.site(session, world.company_a, name="Werf Brugge", postcode="8000",
                                municipality="Brugge")
    late = factories.mentor(session, world.company_a, first_name="Laat",
                            appointed_on=date(2020, 1, 1))
    recognitions = {
        status: factories.recognition_request(
            session, setup.site if status in ("submitted", "refused") else other_site,
            world.programme_a if status != "refused" else world.programme_b,
            status=status, mentors=[setup.mentor, late],
            **({"valid_from": date(2026, 1, 1), "valid_until": date(2030, 12, 31)}
               if status in ("approved", "withdrawn") else {}),
        )
        for status in ("submitted", "approved", "refused")
    }
    session.commit()
    return world, recognitions


def test_company_screens_render(client, setup, pages):
    world, _recognitions = pages
    a = world.company_a.id
    for user in (world.company_user_a, world.coordinator_a, world.admin, world.sector_user_a):
        client.post("/logout")
        login(client, user)
        urls = [f"/companies/{a}", f"/companies/{a}/sites", f"/companies/{a}/mentors",
                f"/companies/{a}/mentors/{setup.mentor.id}", "/companies/mine"]
        if user is not world.company_user_a:
            urls.append("/companies")
        if user is world.company_user_a or user is world.admin:
            urls += [f"/companies/{a}/edit", f"/companies/{a}/sites/new",
                     f"/companies/{a}/mentors/new",
                     f"/companies/{a}/sites/{setup.site.id}/edit"]
        if user is world.coordinator_a or user is world.admin:
            urls.append("/companies/new")
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code in (200, 404) if url == "/companies/mine" else (
                response.status_code == 200), (user.role, url, response.status_code)


def test_recognition_screens_render(client, setup, pages):
    world, recognitions = pages
    for user in (world.company_user_a, world.coordinator_a, world.admin, world.sector_user_a):
        client.post("/logout")
        login(client, user)
        for status, recognition in recognitions.items():
            response = client.get(f"/recognitions/{recognition.id}")
            expected = 404 if (
                (user is world.sector_user_a and status == "refused")  # other sector
                or (user is world.coordinator_a and status in ("submitted", "refused"))
            ) else 200
            assert response.status_code == expected, (user.role, status)
        if user is not world.sector_user_a:
            assert client.get("/recognitions").status_code == 200
            assert client.get(f"/recognitions?company_id={world.company_a.id}&status=approved"
                              ).status_code == 200
        else:
            for status in ("open", "approved", "refused", "all", "expired"):
                assert client.get(f"/recognitions/inbox?status={status}").status_code == 200
        if user is not world.company_user_a:
            assert client.get("/register").status_code == 200
        if user is not world.sector_user_a:
            response = client.get(f"/recognitions/new?company_id={world.company_a.id}")
            assert response.status_code == 200, user.role
