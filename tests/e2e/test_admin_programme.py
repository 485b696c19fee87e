"""The admin adds a programme and its standard path through the browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_admin_creates_programme_with_competencies(page, live_server):
    world = live_server.world
    sign_in(page, live_server, world.admin.email)

    page.get_by_role("button", name="Beheer").click()
    page.get_by_role("link", name="Opleidingen").first.click()
    page.get_by_role("link", name="Nieuwe opleiding").click()
    page.fill("input[name=code]", "E2E-LAS")
    page.fill("input[name=name]", "Lasser-monteerder")
    page.select_option("select[name=sector_id]", label="Bouw")
    page.select_option("select[name=track]", label="Dubbele finaliteit")
    page.select_option("select[name=stem_label]", label="STEM")
    page.get_by_role("button", name="Opleiding toevoegen").click()

    expect(page.locator("h1")).to_have_text("Lasser-monteerder")
    expect(page.locator("main")).to_contain_text("nog geen competentieclusters")

    for code, title, location in [
        ("LAS1", "Lastechnieken en materialen kennen", "School"),
        ("LAS2", "Veilig lassen op de werkvloer", "Werkplek"),
    ]:
        page.fill("input[name=code]", code)
        page.fill("input[name=title]", title)
        page.select_option("select[name=location]", label=location)
        page.get_by_role("button", name="Toevoegen").click()
        expect(page.locator(".alert-success")).to_contain_text(f"{code} is toegevoegd")

    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("LAS1")
    expect(rows.nth(0)).to_contain_text("Lastechnieken en materialen kennen")
    expect(rows.nth(0)).to_contain_text("School")
    expect(rows.nth(1)).to_contain_text("LAS2")
    expect(rows.nth(1)).to_contain_text("Werkplek")

    # The new programme is in the list with its two competencies.
    page.get_by_role("button", name="Beheer").click()
    page.get_by_role("link", name="Opleidingen").first.click()
    page.fill("input[name=q]", "E2E-LAS")
    page.get_by_role("button", name="Zoeken").click()
    listing = page.locator("main table tbody tr")
    expect(listing).to_have_count(1)
    expect(listing.first).to_contain_text("Lasser-monteerder")
    expect(listing.first).to_contain_text("Dubbele finaliteit")
