"""The coordinator's evaluation overview: states, order, scope, filters, pages, dashboard, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from tests.clients import isolated_client
from tests.conftest import count_queries, login
from tests.evaluation_overview.conftest import TODAY, add_moment, ids, listed

URL = "/evaluations/"


def _page(client, user, query: str = "", status: int = 200) -> str:
    login(client, user)
    response = client.get(URL + (f"?{query}" if query else ""))
    assert response.status_code == status
    return response.get_data(as_text=True)


def _tab_counts(html: str) -> dict[str, int]:
    """{tab label: the number on it} as the state tabs show them."""
    found = re.findall(r'class="df-state-tab[^"]*"[^>]*>\s*([^<]+?)\s*<span class="badge[^"]*">'
                       r"(\d+)</span>", html)
    return {label: int(number) for label, number in found}


# --- states and order ----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["overdue", "submitted", "due", "reviewed"])
def test_each_state_lists_exactly_its_moments_most_urgent_first(client, board, state):
    html = _page(client, board.coordinator_a, f"state={state}")

    assert listed(html) == ids(board.expected[state])


def test_all_states_together_are_ordered_by_what_needs_the_coordinator_first(client, board):
    html = _page(client, board.coordinator_a)

    assert listed(html) == ids(board.expected["overdue"] + board.expected["submitted"]
                               + board.expected["due"] + board.expected["reviewed"])


def test_the_tabs_count_every_state_under_the_other_filters(client, board):
    html = _page(client, board.coordinator_a, "state=due&class_group=6B")

    assert _tab_counts(html) == {"Alle": 6, "Te laat": 2, "Na te kijken": 1, "Komend": 2,
                                 "Nagekeken": 1}


def test_an_overdue_row_says_how_late_and_who_to_call(client, board):
    html = _page(client, board.coordinator_a, "state=overdue")

    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "Peeters, Anna" in first_row
    assert f'href="/trajectories/{board.traj_a.id}"' in first_row
    assert f'href="/evaluations/{board.a_overdue.id}"' in first_row
    assert "13/10/2026" in first_row and "94 dagen te laat" in first_row
    mia = f"{board.mentor_a.first_name} {board.mentor_a.last_name}"
    assert mia in first_row and "Bouw A" in first_row
    assert 'href="tel:+32470123456"' in first_row
    # No e-mail on Mia's mentor record: her account's address reaches her.
    assert f'href="mailto:{board.mentor_user_a.email}"' in first_row
    assert "Metselaar" in first_row and "klas 5A" in first_row
    # An unplaced learner's moment has nobody to call, and says so.
    emma_row = html.split("<tbody>")[1].split("</tr>")[1]
    assert "Wouters, Emma" in emma_row and "geen werkplek op deze datum" in emma_row


def test_a_stopped_trajectory_drops_its_open_moments_but_keeps_its_submitted_ones(client, board):
    html = _page(client, board.coordinator_a, "school_year=0")

    assert board.f_open.id not in listed(html)
    assert board.f_submitted.id in listed(html)


def test_the_current_school_year_is_the_default_and_all_years_is_one_choice_away(client, board):
    default = _page(client, board.coordinator_a, "state=overdue")
    every_year = _page(client, board.coordinator_a, "state=overdue&school_year=0")
    last_year = _page(client, board.coordinator_a, "state=overdue&school_year=2025")

    assert board.old_overdue.id not in listed(default)
    assert '<option selected value="2026">2026-27</option>' in default
    assert listed(every_year) == [board.old_overdue.id, *ids(board.expected["overdue"])]
    assert listed(last_year) == [board.old_overdue.id]


# --- scope and access ----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["", "overdue", "submitted", "due", "reviewed"])
def test_the_other_schools_moments_never_appear(client, board, state):
    html = _page(client, board.coordinator_a, f"state={state}&school_year=0")

    assert not set(listed(html)) & set(ids(board.b_moments))
    assert "Janssens" not in html


def test_the_other_school_sees_only_its_own(client, board):
    html = _page(client, board.coordinator_b, "school_year=0")

    assert sorted(listed(html)) == sorted(ids(board.b_moments))


def test_an_admin_sees_every_school_and_can_pick_one(client, board):
    html = _page(client, board.admin, "state=submitted")
    only_b = _page(client, board.admin, f"state=submitted&school_id={board.school_b.id}")

    assert set(listed(html)) == {*ids(board.expected["submitted"]), board.b_moments[1].id}
    assert "Campus B" in html  # the school is named on each row for admins
    assert listed(only_b) == [board.b_moments[1].id]


def test_the_other_schools_trajectory_is_not_found(client, board):
    _page(client, board.coordinator_a, f"trajectory={board.traj_b.id}", status=404)


@pytest.mark.parametrize("role", ["mentor_user_a", "company_user_a", "sector_user_a"])
def test_mentors_companies_and_sectors_are_refused(client, board, role):
    login(client, getattr(board, role))

    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403


def test_the_menu_leads_coordinators_and_admins_here_only(app, board):
    for user, shown in ((board.coordinator_a, True), (board.admin, True),
                        (board.mentor_user_a, False), (board.company_user_a, False)):
        client = isolated_client(app)
        login(client, user)
        home = client.get("/").get_data(as_text=True)
        assert (f'href="{URL}">Evaluaties</a>' in home) is shown, user.role


# --- filters -------------------------------------------------------------------------------


def test_class_filter(client, board):
    html = _page(client, board.coordinator_a, "class_group=6B")

    assert set(listed(html)) == set(ids([board.e_overdue, board.c_overdue, board.c_submitted,
                                         board.c_due_today, board.e_due, board.c_reviewed]))


def test_programme_filter(client, board):
    html = _page(client, board.coordinator_a,
                 f"programme_id={board.programme_b.id}&state=overdue")

    assert listed(html) == [board.c_overdue.id]


def test_trajectory_filter_shows_one_learner_and_can_be_removed(client, board):
    html = _page(client, board.coordinator_a, f"trajectory={board.traj_a.id}")

    assert listed(html) == ids([board.a_overdue, board.a_submitted, board.a_due,
                                board.a_reviewed])
    assert "Peeters, Anna · Metselaar" in html
    assert re.search(r'href="/evaluations/"[^>]*title="Filter wissen"', html)


def test_mentor_filter_uses_the_mentor_of_the_placement_on_the_due_date(client, board):
    html = _page(client, board.coordinator_a, f"mentor={board.mentor_b.id}")

    assert listed(html) == ids([board.c_overdue, board.c_submitted, board.c_due_today,
                                board.c_reviewed])
    assert "Mentor:" in html and "Zorg B" in html


def test_search_on_the_learners_name(client, board):
    html = _page(client, board.coordinator_a, "q=anna+peet")

    assert listed(html) == ids([board.a_overdue, board.a_submitted, board.a_due,
                                board.a_reviewed])


def test_filters_stay_in_the_links_of_the_tabs(client, board):
    html = _page(client, board.coordinator_a, "class_group=6B&q=emma")

    tab = re.search(r'<a class="df-state-tab[^"]*" href="([^"]+)">\s*Te laat', html).group(1)
    assert "class_group=6B" in tab and "q=emma" in tab and "state=overdue" in tab


def test_nonsense_in_the_url_is_ignored_not_an_error(client, board):
    html = _page(client, board.coordinator_a,
                 "state=bogus&school_year=abc&programme_id=x&trajectory=-3&page=zz")

    assert len(listed(html)) == 11


def test_an_empty_tab_praises_only_when_the_filters_do_find_evaluations(client, board):
    # Fien (stopped) has one submitted evaluation this year and nothing late.
    nothing_late = _page(client, board.coordinator_a, "state=overdue&q=Stoppers")
    no_such_learner = _page(client, board.coordinator_a, "state=overdue&q=Niemand")

    assert listed(nothing_late) == [] and "Geen evaluaties te laat. Goed bezig!" in nothing_late
    assert "Goed bezig" not in no_such_learner and "Geen evaluaties gevonden." in no_such_learner


# --- pages and the number of queries -------------------------------------------------------


def _many_overdue(session, board, count: int) -> list:
    """`count` overdue moments of traj_a, all due before the board's (from 1 September on)."""
    return [add_moment(session, board.traj_a, date(2026, 9, 1) + timedelta(days=n))
            for n in range(count)]


def test_pagination_puts_the_rest_on_page_two_and_counts_everything(client, session, board):
    extra = _many_overdue(session, board, 30)
    session.commit()
    overdue = [*extra, board.a_overdue, board.e_overdue, board.c_overdue]  # by due date

    first = _page(client, board.coordinator_a, "state=overdue")
    second = _page(client, board.coordinator_a, "state=overdue&page=2")

    assert listed(first) == ids(overdue[:25])
    assert listed(second) == ids(overdue[25:])
    assert "26–33 van 33" in second
    assert _tab_counts(second)["Te laat"] == 33
    assert "state=overdue" in re.search(r'href="([^"]+)">Vorige', second).group(1)


@pytest.mark.parametrize("user_name", ["coordinator_a", "admin"])
def test_the_number_of_queries_does_not_grow_with_the_rows(app, session, board, user_name):
    user = getattr(board, user_name)

    def queries() -> int:
        client = isolated_client(app)
        login(client, user)
        with count_queries(app) as statements:
            response = client.get(URL)
        assert response.status_code == 200
        return len(statements)

    few = queries()
    _many_overdue(session, board, 29)  # 11 -> 40 rows, over two pages
    session.commit()
    many = queries()

    assert few == many
    assert many <= 10


# --- the dashboard -------------------------------------------------------------------------


def test_the_dashboard_figures_are_the_overviews_and_link_to_it(client, board):
    login(client, board.coordinator_a)
    home = client.get("/").get_data(as_text=True)

    overdue = re.search(r'href="/evaluations/\?state=overdue">(\d+)</a>', home)
    to_review = re.search(r'href="/evaluations/\?state=submitted">(\d+)</a>', home)
    assert overdue and to_review
    assert int(overdue.group(1)) == 3
    assert int(to_review.group(1)) == 3
    listed_overdue = listed(client.get("/evaluations/?state=overdue").get_data(as_text=True))
    listed_submitted = listed(client.get("/evaluations/?state=submitted").get_data(as_text=True))
    assert len(listed_overdue) == int(overdue.group(1))
    assert len(listed_submitted) == int(to_review.group(1))


# --- the CSV export ------------------------------------------------------------------------


def test_the_export_has_every_row_of_the_filtered_list_in_the_same_order(client, session, board):
    extra = _many_overdue(session, board, 30)
    session.commit()
    login(client, board.coordinator_a)

    response = client.get(URL + "export.csv?state=overdue")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Lerende", "Klas", "Opleiding"]
    assert len(body) == 33  # not one page: everything the filters select
    anna_first = body[len(extra)]
    days_late = (TODAY - board.a_overdue.due_on).days
    assert anna_first[0] == "Peeters, Anna"
    assert anna_first[5] == "13/10/2026" and anna_first[7] == str(days_late)
    assert anna_first[8] == f"{board.mentor_a.first_name} {board.mentor_a.last_name}"
    assert anna_first[12] == "+32 470 12 34 56"
    assert not any("Janssens" in row[0] for row in body)
