"""The coordinator registers, opens, places and contracts a learner; every party signs by link."""

from __future__ import annotations

import email
import email.policy
import io
import re
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect
from pypdf import PdfReader

from dualflow.extensions import db
from tests import factories
from tests.e2e.conftest import _in_thread, sign_in

SITE_NAME = "Werf Overeenkomst Journey"
MENTOR = ("Zeno", "Zegers")
LEARNER = ("Lotte", "Verbruggen")
GUARDIAN = "Karel Verbruggen"
LEARNER_EMAIL = "lotte.verbruggen@example.com"
GUARDIAN_EMAIL = "karel.verbruggen@example.com"
SIGN_LINK = re.compile(r"https?://\S+?/sign/[A-Za-z0-9_\-]+")


def _seed_workplace(app, world) -> None:
    """A site of company_a, recognised for programme_a over the year, with an eligible mentor.

    The site lies in Antwerpen (postcode 2000), so that the register searches of the other
    browser tests (postcode 90..) do not find it.
    """
    today = date.today()
    with app.app_context(), db.sessionmaker() as session:
        company = session.merge(world.company_a, load=True)
        programme = session.merge(world.programme_a, load=True)
        site = factories.site(session, company, name=SITE_NAME, postcode="2000",
                              municipality="Antwerpen")
        factories.recognition(session, site, programme, valid_from=today - timedelta(days=60),
                              valid_until=date(today.year + 2, 12, 31))
        factories.eligible_mentor(session, company, first_name=MENTOR[0], last_name=MENTOR[1])
        session.commit()


def _outbox_rows(app) -> list[tuple]:
    """The written mails as stored, to say why a mail did not arrive."""
    from sqlalchemy import select

    from dualflow.notifications.models import OutboxMessage

    with app.app_context(), db.sessionmaker() as session:
        return [tuple(row) for row in session.execute(select(
            OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.claimed_at,
            OutboxMessage.sent_at, OutboxMessage.failed_at, OutboxMessage.last_error))]


def _deliver_pending(app) -> None:
    """One run of the scheduler's delivery job."""
    from dualflow.notifications.delivery import deliver_pending

    with app.app_context():
        deliver_pending()


def _wait_for_links(outbox: Path, before: set[str], count: int, *, seconds: float) -> dict:
    """The signing links mailed since `before`, once there are `count` or `seconds` passed."""
    deadline = time.monotonic() + seconds
    while len(links := _sign_links(outbox, before)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return links


def _sign_links(outbox: Path, before: set[str]) -> dict[str, str]:
    """The signing link (path only) per addressee, from the mails written since `before`."""
    links = {}
    for path in sorted(outbox.glob("*.eml")):
        if path.name in before:
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = SIGN_LINK.search(body)
        if found:
            links[str(message["To"]).strip().lower()] = urlsplit(found.group(0)).path
    return links


def test_agreement_from_registration_to_signed_pdf(page, browser, live_server, app, tmp_path):
    world = live_server.world
    url = live_server.url
    _in_thread(_seed_workplace, app, world)
    birth = factories.years_ago(16, 5, 17)
    national_number = factories.insz(birth, 84)
    learner_name = " ".join(LEARNER)

    # The coordinator registers a minor learner, with a guardian.
    sign_in(page, live_server, world.coordinator_a.email)
    page.goto(f"{url}/learners/new")
    page.fill("input[name=first_name]", LEARNER[0])
    page.fill("input[name=last_name]", LEARNER[1])
    page.fill("input[name=birth_date]", birth.isoformat())
    page.select_option("select[name=gender]", "F")
    page.select_option("select[name=language]", "nl")
    page.fill("input[name=national_number]", national_number)
    page.fill("input[name=email]", LEARNER_EMAIL)
    page.fill("input[name=guardian_name]", GUARDIAN)
    page.fill("input[name=guardian_email]", GUARDIAN_EMAIL)
    page.fill("input[name=street]", "Kerkstraat 12")  # the contract states the address
    page.fill("input[name=postcode]", "9000")
    page.fill("input[name=municipality]", "Gent")
    page.get_by_role("button", name="Bewaren").click()
    page.wait_for_url(re.compile(r"/learners/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text(f"{learner_name} is geregistreerd")

    # ... opens the trajectory for the construction programme ...
    page.get_by_role("link", name="Traject openen").click()
    page.select_option("select[name=programme_id]", label=world.programme_a.name)
    page.get_by_role("button", name="Traject openen").click()
    page.wait_for_url(re.compile(r"/trajectories/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("is geopend")
    trajectory_url = page.url

    # ... places the learner at the recognised site with the eligible mentor ...
    page.get_by_role("link", name="Erkende werkplek zoeken").click()
    page.locator("li", has_text=SITE_NAME).get_by_role("link", name="Kiezen").click()
    page.wait_for_selector("select[name=mentor_id]")
    page.select_option("select[name=mentor_id]", label=" ".join(MENTOR))
    page.fill("input[name=hours_per_week]", "24")
    for half_day in ("mon_am", "mon_pm", "tue_am", "tue_pm", "thu_am", "thu_pm"):
        page.check(f"input[name=weekly_schedule][value={half_day}]")
    page.get_by_role("button", name="Plaatsen").click()
    page.wait_for_url(re.compile(r"/trajectories/\d+#placement-\d+$"))
    expect(page.locator(".alert-success")).to_contain_text(f"geplaatst bij {SITE_NAME}")

    # ... drafts the agreement (the programme's alternating training, 24 h, category 2) ...
    page.get_by_role("link", name=re.compile("Overeenkomst opstellen")).click()
    expect(page.locator(".df-agreement-kind")).to_contain_text(
        "Overeenkomst alternerende opleiding")
    page.check("input[name=allowance_category][value='2']")
    page.get_by_role("button", name="Ontwerp bewaren").click()
    page.wait_for_url(re.compile(r"/agreements/\d+$"))
    agreement_url = page.url
    expect(page.locator(".alert-success")).to_contain_text("ontwerp van de overeenkomst")

    # ... and sends it for signature.
    outbox = Path(app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in outbox.glob("*.eml")}
    page.get_by_role("button", name="Versturen ter ondertekening").click()
    expect(page.locator(".alert-success")).to_contain_text("verstuurd ter ondertekening")
    expect(page.locator("main")).to_contain_text("Wacht op handtekeningen: 0 van 4")

    signers = {
        LEARNER_EMAIL: learner_name,
        GUARDIAN_EMAIL: GUARDIAN,
        world.company_user_a.email.lower(): world.company_user_a.full_name,
        world.coordinator_a.email.lower(): world.coordinator_a.full_name,
    }
    # The mails leave right after the response has gone out; what that attempt has not sent
    # the delivery job sends, every minute in production and here once when needed.
    links = _wait_for_links(outbox, before, len(signers), seconds=10)
    if len(links) < len(signers):
        _in_thread(_deliver_pending, app)
        links = _wait_for_links(outbox, before, len(signers), seconds=5)
    assert set(links) == set(signers), _in_thread(_outbox_rows, app)

    # Each party signs through its own link, without an account.
    for address, name in signers.items():
        context = browser.new_context()
        try:
            party_page = context.new_page()
            party_page.goto(url + links[address])
            expect(party_page.locator("h1")).to_contain_text("alternerende opleiding")
            party_page.fill("input[name=full_name]", name)
            party_page.check("input[name=approved]")
            party_page.get_by_role("button", name="Ondertekenen").click()
            expect(party_page.locator("body")).to_contain_text("Bedankt, je hebt ondertekend")
            # The link was single-use.
            party_page.goto(url + links[address])
            expect(party_page.locator("body")).to_contain_text("al ondertekend")
        finally:
            context.close()

    # The coordinator sees the agreement signed and downloads the signed PDF.
    page.goto(trajectory_url)
    expect(page.locator("#agreements")).to_contain_text("ondertekend")
    page.goto(agreement_url)
    expect(page.locator("main")).to_contain_text("Ondertekend door alle partijen")
    with page.expect_download() as download_info:
        page.locator("main").get_by_role("link", name="Ondertekende PDF").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith("-ondertekend.pdf")
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    reader = PdfReader(io.BytesIO(target.read_bytes()))
    text = "\n".join(page_.extract_text() or "" for page_ in reader.pages)
    flat = " ".join(text.split())
    assert learner_name in flat
    # The signature page (it may run over more than one sheet) closes the document.
    first = next(n for n, sheet in enumerate(reader.pages)
                 if "Handtekeningenpagina" in (sheet.extract_text() or ""))
    signature_page = " ".join(" ".join(sheet.extract_text() or ""
                                       for sheet in reader.pages[first:]).split())
    assert "Handtekeningenpagina" in signature_page
    for party in ("Lerende", "Wettelijk vertegenwoordiger", "Onderneming",
                  "Onderwijsinstelling"):
        assert party in signature_page, party
    for address, name in signers.items():
        assert name in signature_page, name
        assert address in signature_page, address
