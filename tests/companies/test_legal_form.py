"""Legal forms: the French forms for Brussels companies, and a form printed once."""

from __future__ import annotations

from datetime import date

from dualflow.agreements.contract import contract_data
from dualflow.companies.forms import LEGAL_FORMS
from dualflow.companies.services import company_display_name
from tests import factories
from tests.conftest import login


def test_the_french_forms_are_offered_for_brussels_companies():
    assert {"SRL", "SA", "ASBL", "SC", "SNC", "SComm"} <= set(LEGAL_FORMS)
    assert {"BV", "NV", "VZW", "CV", "VOF", "CommV"} <= set(LEGAL_FORMS)


def test_a_form_is_printed_once():
    assert company_display_name("Bouwbedrijf Van Damme NV", "NV") == "Bouwbedrijf Van Damme NV"
    assert company_display_name("Bouwbedrijf Van Damme nv", "NV") == "Bouwbedrijf Van Damme nv"
    assert company_display_name("Bouwbedrijf Van Damme", "NV") == "Bouwbedrijf Van Damme NV"
    assert company_display_name("Boulangerie Dupont SRL", "SRL") == "Boulangerie Dupont SRL"
    assert company_display_name("Bakkerij Dupont", "") == "Bakkerij Dupont"
    # A name that merely ends in the same letters is no form.
    assert company_display_name("Hotel Sunv", "NV") == "Hotel Sunv NV"


def test_the_company_list_prints_the_form_once(client, session, world):
    factories.company(session, name="Bouwbedrijf Van Damme NV", legal_form="NV")
    session.commit()
    login(client, world.admin)
    body = client.get("/companies", query_string={"q": "Van Damme"}).get_data(as_text=True)
    assert "Van Damme NV" in body
    assert "NV</span>" not in body and "NV NV" not in body


def test_the_contract_prints_the_form_once(session, world):
    placed = factories.placed_world(session, world)
    placed.company_a.name, placed.company_a.legal_form = "Bouw A NV", "NV"
    agreement = factories.placement_agreement(session, placed.place_a, status="draft")
    data = contract_data(session, agreement, today=date(2026, 9, 1), draft=True)
    assert data["company"]["display_name"] == "Bouw A NV"
