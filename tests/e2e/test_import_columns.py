"""A coordinator maps a column of the school's export on the dry-run screen; the school's next
file is read the same way without asking."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in

HEADERS = ["Stamboeknummer", "Naam", "Voornaam", "Dag van geboorte", "Geslacht",
           "Naam moeder", "E-mail moeder"]
BIRTH = factories.years_ago(16, 5, 1)


def export(*learners: tuple[str, str]) -> dict:
    lines = [HEADERS] + [["77", last, first, BIRTH.strftime("%d/%m/%Y"), "V", f"Moeder {last}",
                          "moeder@example.com"] for first, last in learners]
    data = "\r\n".join(";".join(line) for line in lines).encode("utf-8")
    return {"name": "export.csv", "mimeType": "text/csv", "buffer": data}


def check(page, server, upload: dict) -> None:
    page.goto(f"{server.url}/learners/import")
    page.set_input_files("input[type=file]", upload)
    page.get_by_role("button", name="Controleren").click()


def test_a_mapped_column_is_remembered_for_the_schools_next_file(page, live_server):
    world = live_server.world
    sign_in(page, live_server, world.coordinator_b.email)
    check(page, live_server, export(("Emma", "Peeters")))
    expect(page.locator(".df-problems")).to_contain_text("Geboortedatum ontbreken")
    column = page.locator("li.df-column", has_text="Dag van geboorte")
    expect(column).to_contain_text("niet herkend")

    page.get_by_label("Dag van geboorte").select_option("birth_date")
    page.get_by_label("Stamboeknummer").select_option("skip")
    page.get_by_role("button", name="Opnieuw controleren met deze kolommen").click()
    expect(page.locator("main")).to_contain_text("Het bestand is in orde")
    expect(page.locator("li.df-column", has_text="Dag van geboorte")).to_contain_text(
        "onthouden")

    # Changing a choice after the check: the import waits for a new check.
    page.get_by_label("Stamboeknummer").select_option("class_group")
    expect(page.get_by_role("button", name="Importeren")).to_be_disabled()
    expect(page.locator(".df-confirm-hint")).to_be_visible()
    page.get_by_label("Stamboeknummer").select_option("skip")
    page.get_by_role("button", name="Opnieuw controleren met deze kolommen").click()
    page.get_by_role("button", name="Importeren").click()
    expect(page.locator(".alert-success")).to_contain_text("1 nieuwe lerenden")

    check(page, live_server, export(("Lotte", "Claes")))
    expect(page.locator("main")).to_contain_text("Het bestand is in orde")
    expect(page.locator("li.df-column", has_text="niet herkend")).to_have_count(0)
    expect(page.locator("li.df-column", has_text="Dag van geboorte")).to_contain_text(
        "onthouden")
