"""The company requests recognition, the sector approves, the school finds it in the register."""

from __future__ import annotations

import openpyxl
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in

SITE_NUMBER = factories.kbo_number(9876543, first="2")


def switch_user(page, server, email: str) -> None:
    """Sign out through the user menu and sign in as somebody else."""
    page.locator(".navbar .dropdown-toggle").click()
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(f"{server.url}/login")
    sign_in(page, server, email)


def test_recognition_from_request_to_register(page, live_server, tmp_path):
    world = live_server.world
    url = live_server.url

    # The company adds the site where the learner will work ...
    sign_in(page, live_server, world.company_user_a.email)
    page.get_by_role("link", name="Vestigingen en mentoren").click()
    expect(page.locator("h1")).to_have_text("Bouw A")
    page.get_by_role("link", name="Vestiging toevoegen").click()
    page.fill("input[name=number]", f"{SITE_NUMBER[0]}.{SITE_NUMBER[1:4]}.{SITE_NUMBER[4:7]}."
                                     f"{SITE_NUMBER[7:]}")
    page.fill("input[name=name]", "Werf Journey")
    page.fill("input[name=street]", "Dok Noord 7")
    page.fill("input[name=postcode]", "9000")
    page.fill("input[name=municipality]", "Gent")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator(".alert-success")).to_contain_text("Werf Journey")

    # ... and requests its recognition for the construction programme.
    page.get_by_role("link", name="Erkenning aanvragen").first.click()
    page.select_option("select[name=site_id]", label="Werf Journey · 9000 Gent")
    page.select_option("select[name=programme_id]", label="Metselaar")
    mentor_box = page.locator("input[name=mentor_ids]").first
    mentor_box.check()
    page.get_by_role("button", name="Aanvraag indienen").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("verklaring op erewoord")
    page.locator("input[name=sworn_declaration]").check()
    page.get_by_role("button", name="Aanvraag indienen").click()
    expect(page.locator("main")).to_contain_text("Ingediend, wacht op de sector")
    recognition_url = page.url

    # The sector consultant finds it in the inbox, reviews and approves it.
    switch_user(page, live_server, world.sector_user_a.email)
    page.get_by_role("link", name="Aanvragen", exact=True).click()
    row = page.locator("tr", has_text="Werf Journey")
    expect(row).to_contain_text("Metselaar")
    row.get_by_role("link", name="Bouw A").click()
    assert page.url == recognition_url
    page.get_by_role("button", name="In behandeling nemen").click()
    expect(page.locator(".alert-success")).to_contain_text("in behandeling genomen")
    page.locator("form[action$='/approve'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Erkend van")
    expect(page.locator(".df-timeline")).to_contain_text("In behandeling genomen")

    # The company sees the decision.
    switch_user(page, live_server, world.company_user_a.email)
    page.get_by_role("link", name="Erkenningen", exact=True).click()
    expect(page.locator("tr", has_text="Werf Journey")).to_contain_text("erkend")

    # A coordinator looks for a workplace in the register and downloads it as XLSX.
    switch_user(page, live_server, world.coordinator_a.email)
    page.get_by_role("link", name="Register", exact=True).click()
    page.select_option("select[name=programme_id]", label="Metselaar")
    page.fill("input[name=postcode]", "90")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("tbody")).to_contain_text("Werf Journey")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = openpyxl.load_workbook(target)["Register"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    sites = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(row["Vestiging"], row["Postcode"], row["Opleiding"]) for row in sites] == [
        ("Werf Journey", "9000", "Metselaar")]
    assert url in page.url
