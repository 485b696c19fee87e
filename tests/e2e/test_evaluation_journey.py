"""The mentor logs an evaluation on a phone; the school reviews it.

The mentor asks for a sign-in link, opens it from the mail, taps the overdue learner on the home
page, picks levels with the big buttons, saves a draft and submits; the coordinator then opens
the evaluation from the trajectory page, marks it reviewed with a comment and downloads the
progress report, which carries the levels and the review.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from dualflow.companies.models import Mentor
from dualflow.extensions import db
from tests import factories
from tests.e2e.conftest import _in_thread, sign_in

PHONE = {"width": 390, "height": 844}
LEARNER = ("Lien", "Maes")
# The flashed confirmation, not the status notice on the page.
FLASH = ".alert-success.alert-dismissible"
SIGN_IN_LINK = re.compile(r"https?://\S+?/login/link/[A-Za-z0-9_\-]+")


@dataclass
class Journey:
    trajectory_id: int
    moment_id: int


def _seed_placement(app, world) -> Journey:
    """A learner of school A placed with Mia (world.mentor_user_a), an evaluation overdue.

    Its own learner and site (in Brugge), so that the other browser tests' searches and lists
    (Anna unplaced, the Antwerpen register) stay as they expect.
    """
    today = date.today()
    with app.app_context(), db.sessionmaker() as session:
        school = session.merge(world.school_a, load=True)
        programme = session.merge(world.programme_a, load=True)
        company = session.merge(world.company_a, load=True)
        mia = session.execute(
            select(Mentor).where(Mentor.user_id == world.mentor_user_a.id)
        ).scalar_one()
        learner = factories.learner(session, school, first_name=LEARNER[0],
                                    last_name=LEARNER[1])
        trajectory = factories.trajectory(session, learner, programme,
                                          school_year=today.year if today.month >= 9
                                          else today.year - 1,
                                          starts_on=today - timedelta(days=90))
        site = factories.site(session, company, name="Werf Evaluatie Journey", postcode="8000",
                              municipality="Brugge")
        recognition = factories.recognition(session, site, programme,
                                            valid_from=today - timedelta(days=365),
                                            valid_until=today + timedelta(days=3 * 365))
        factories.placement(session, trajectory, mia, recognition,
                            starts_on=today - timedelta(days=80),
                            ends_on=today + timedelta(days=200))
        moment = factories.evaluation_moment(session, trajectory, title="Eerste evaluatie",
                                             due_on=today - timedelta(days=3))
        factories.evaluation_moment(session, trajectory, title="Tweede evaluatie",
                                    due_on=today + timedelta(days=60))
        session.commit()
        return Journey(trajectory_id=trajectory.id, moment_id=moment.id)


def _latest_link(outbox: Path, before: set[str], address: str) -> str:
    """The path of the sign-in link in the newest mail to `address` written since `before`."""
    # The mail leaves right after the response has gone out: give the server that moment.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True):
            if path.name in before:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(message["To"]).strip().lower() != address.lower():
                continue
            body = message.get_body(preferencelist=("plain",)).get_content()
            found = SIGN_IN_LINK.search(body)
            if found:
                return urlsplit(found.group(0)).path
        time.sleep(0.05)
    raise AssertionError(f"no sign-in link mailed to {address}")


def test_the_mentor_logs_an_evaluation_on_a_phone_and_the_school_reviews_it(
        page, browser, live_server, app):
    world = live_server.world
    url = live_server.url
    journey = _in_thread(_seed_placement, app, world)
    learner_name = " ".join(LEARNER)
    outbox = Path(app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in outbox.glob("*.eml")}

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone = phone_context.new_page()
        # The mentor has no password at hand: a sign-in link by e-mail.
        phone.goto(f"{url}/login?link=1")
        phone.fill("input[name=email]", world.mentor_user_a.email)
        phone.get_by_role("button", name="Stuur de link").click()
        expect(phone.locator(".alert-info")).to_contain_text("aanmeldlink")
        phone.goto(url + _latest_link(outbox, before, world.mentor_user_a.email))
        phone.get_by_role("button", name="Aanmelden").click()
        phone.wait_for_url(f"{url}/")

        # Home: the learner is there, overdue and in red; one tap opens the form.
        row = phone.locator("#learners a", has_text=learner_name)
        expect(row).to_have_class(re.compile("df-row-overdue"))
        expect(row).to_contain_text("te laat")
        row.tap()
        phone.wait_for_url(f"{url}/evaluations/{journey.moment_id}")
        expect(phone.locator("h1")).to_contain_text(learner_name)

        first = phone.locator("fieldset", has_text="Competentie 1 van")
        third = phone.locator("fieldset", has_text="Competentie 3 van")
        first.locator("label.df-level-3").tap()
        # The buttons are thumb-sized on the phone.
        box = first.locator("label.df-level-3").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 120, box
        first.locator("summary").tap()
        first.locator("textarea").fill("Metst netjes, let op de planning.")
        phone.get_by_role("button", name="Ontwerp bewaren").tap()
        expect(phone.locator(FLASH)).to_contain_text("Het ontwerp is bewaard")
        expect(first.locator("input[value='3']")).to_be_checked()
        expect(third.locator("input[type=radio]:checked")).to_have_count(0)

        third.locator("label.df-level-2").tap()
        phone.fill("textarea[name=general_comment]", "Goede start op de werf.")
        phone.get_by_role("button", name="Indienen").tap()
        expect(phone.locator(FLASH)).to_contain_text("De evaluatie is ingediend")
        # Read-only from now on for the mentor.
        expect(phone.locator("input[type=radio]")).to_have_count(0)
        expect(phone.locator("main")).to_contain_text("3 · verworven")
        expect(phone.locator("main")).to_contain_text("2 · in ontwikkeling")
    finally:
        phone_context.close()

    # The school opens the evaluation from the trajectory page and reviews it.
    sign_in(page, live_server, world.coordinator_a.email)
    page.goto(f"{url}/trajectories/{journey.trajectory_id}")
    moments = page.locator("#moments")
    expect(moments).to_contain_text("ingediend")
    moments.get_by_role("link", name="Eerste evaluatie").click()
    page.wait_for_url(f"{url}/evaluations/{journey.moment_id}")
    expect(page.locator("main")).to_contain_text("Metst netjes, let op de planning.")
    expect(page.locator("main")).to_contain_text("Goede start op de werf.")
    page.fill("textarea[name=school_comment]", "Besproken met Lien op school.")
    page.get_by_role("button", name="Nagekeken").click()
    expect(page.locator(FLASH)).to_contain_text("nagekeken en afgesloten")
    expect(page.locator("main")).to_contain_text("Nagekeken door de school")
    expect(page.locator("main")).to_contain_text("Besproken met Lien op school.")

    # The progress report, from the button on the trajectory page.
    page.goto(f"{url}/trajectories/{journey.trajectory_id}")
    report_link = page.get_by_role("link", name="Voortgangsrapport (PDF)")
    response = page.request.get(url + report_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = " ".join(text.split())
    assert learner_name in text
    assert "Besproken met Lien op school." in text
    assert "Goede start op de werf." in text
