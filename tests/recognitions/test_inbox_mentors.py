"""The sector's inbox shows per request whether the named mentors meet the sector's rules."""

from __future__ import annotations

import re
from datetime import date, timedelta

from dualflow.modelbase import utcnow
from tests import factories
from tests.conftest import count_queries, login


def _good(session, company):
    return factories.mentor(session, company, record_check_on=date(2026, 6, 1),
                            training_completed_on=date(2026, 1, 15))


def _row(body: str, name: str) -> str:
    """The inbox table row of the request of company `name`."""
    table = body[body.index('class="table'):]
    return next(row for row in re.findall(r"<tr.*?</tr>", table, re.S) if name in row)


def test_the_inbox_says_which_requests_have_mentors_who_fall_short(client, session, world):
    fine = factories.company(session, name="Alles In Orde")
    short = factories.company(session, name="Twee Tekort")
    nobody = factories.company(session, name="Zonder Mentor")
    factories.recognition_request(session, factories.site(session, fine), world.programme_a,
                                  mentors=[_good(session, fine), _good(session, fine)])
    factories.recognition_request(
        session, factories.site(session, short), world.programme_a,
        mentors=[_good(session, short),
                 factories.mentor(session, short, birth_date=date(2006, 1, 1)),  # too young
                 factories.mentor(session, short)],  # no record check
    )
    factories.recognition_request(session, factories.site(session, nobody), world.programme_a)
    session.commit()
    login(client, world.sector_user_a)
    body = client.get("/recognitions/inbox").get_data(as_text=True)
    assert "alle voldoen" in _row(body, "Alles In Orde")
    assert "2 voldoen niet" in _row(body, "Twee Tekort")
    assert "geen mentor" in _row(body, "Zonder Mentor")


def _requests(session, world, n: int, offset: int) -> None:
    for index in range(offset, offset + n):
        company = factories.company(session, name=f"Aanvrager {index}")
        site = factories.site(session, company)
        factories.recognition_request(
            session, site, world.programme_a,
            mentors=[_good(session, company), factories.mentor(session, company)],
            submitted_at=utcnow() - timedelta(days=index))
    session.commit()


def test_the_inbox_judges_mentors_in_a_bounded_number_of_queries(app, client, session, world):
    login(client, world.sector_user_a)
    _requests(session, world, 2, 0)
    with count_queries(app) as small:
        assert client.get("/recognitions/inbox").status_code == 200
    _requests(session, world, 5, 2)
    with count_queries(app) as large:
        body = client.get("/recognitions/inbox").get_data(as_text=True)
    assert body.count("1 voldoet niet") == 2 * 7  # the phone list and the table
    assert len(small) == len(large) <= 9, (len(small), len(large))
