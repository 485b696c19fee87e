"""Who counts what: admins everything, coordinators their school, sector users their sector."""

from __future__ import annotations

import pytest

from dualflow.indicators.services import LeadTime, StemCounts, WorkplaceRow
from tests.conftest import login
from tests.indicators.conftest import YEAR


def test_a_coordinator_counts_only_the_own_school(counted_world, figures):
    s = counted_world
    own = figures(s.coordinator_a)
    everything = figures(s.admin)
    # School B adds 3 boys in P1 and a girl in P2 to the bso group.
    assert own.stem_of(YEAR, "bso") == StemCounts(18, 10, 8, 3)
    assert everything.stem_of(YEAR, "bso") == StemCounts(22, 13, 9, 3)
    assert everything.stem_totals[YEAR].learners == 37
    # The same figures as an admin who picks school A.
    picked = figures(s.admin, school_id=s.school_a.id)
    assert picked.stem == own.stem and picked.stem_totals == own.stem_totals
    assert picked.dual == own.dual and picked.flow == own.flow
    assert picked.timeliness == own.timeliness

    other = figures(s.coordinator_b)
    assert other.stem_totals[YEAR] == StemCounts(4, 3, 1, 0)
    assert other.timeliness == []


def test_a_coordinator_counts_the_workplaces_of_the_own_learners(counted_world, figures):
    s = counted_world
    data = figures(s.coordinator_a)
    # Only r1 hosts a learner of school A.
    assert data.workplaces == [WorkplaceRow(s.sector_a.name, "Elektriciteit", s.p1.code, 1)]
    assert data.lead_time_by_year[YEAR] == LeadTime(1, 1, 5.0)
    assert figures(s.coordinator_b).workplaces == []


def test_a_sector_user_counts_the_programmes_of_the_sector(counted_world, figures):
    s = counted_world
    data = figures(s.sector_user_a)
    # Sector A holds P1 (bso), P3 (tso_double) and P5 (bachelor), of both schools.
    assert [group.key for group in data.groups] == ["bso", "tso_double", "bachelor"]
    assert data.stem_of(YEAR, "bso") == StemCounts(13, 13, 3, 3)
    assert data.stem_totals[YEAR] == StemCounts(21, 21, 6, 6)
    assert data.workplaces == [WorkplaceRow(s.sector_a.name, "Elektriciteit", s.p1.code, 2)]
    assert data.lead_time_by_year[YEAR] == LeadTime(4, 3, 12.0)
    # The evaluations counted are all of P2 (sector B) trajectories.
    assert data.timeliness == []
    assert figures(s.sector_user_b).timeliness[0].due == 7


def test_filters_in_the_url_do_not_widen_a_coordinators_scope(counted_world, client):
    s = counted_world
    login(client, s.coordinator_a)
    own = client.get(f"/indicators?school_year={YEAR}").get_data(as_text=True)
    other = client.get(f"/indicators?school_year={YEAR}&school_id={s.school_b.id}"
                       f"&sector_id={s.sector_b.id}").get_data(as_text=True)
    # Only the main part: the menu's sign-out form carries a time-stamped token, and the
    # footer's language switch repeats the URL as it was asked for.
    def main(page: str) -> str:
        return page.split("<main")[1].split("</main>")[0]

    assert main(own) == main(other)
    assert s.school_a.name in own and s.school_b.name not in own
    # The admin's filters are not even offered.
    assert 'name="school_id"' not in own


def test_the_sector_users_page_names_the_sector_and_counts_its_learners(counted_world, client):
    login(client, counted_world.sector_user_a)
    page = client.get(f"/indicators?school_year={YEAR}").get_data(as_text=True)
    assert counted_world.sector_a.name in page
    assert ">21<" in page


@pytest.mark.parametrize("role", ["mentor_user_a", "company_user_a"])
def test_mentors_and_companies_have_no_indicators(counted_world, client, role):
    login(client, getattr(counted_world, role))
    assert client.get("/indicators").status_code == 403
    assert client.get("/indicators.pdf").status_code == 403
    assert client.get("/indicators/export/stem.csv").status_code == 403


def test_the_indicators_need_a_log_in(client):
    response = client.get("/indicators")
    assert response.status_code == 302 and "/login" in response.location
