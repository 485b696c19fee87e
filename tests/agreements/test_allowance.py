"""The OAO learning allowance: a fixed amount per category, indexed by dated rows.

Seeded (vlaanderen.be "Leervergoeding in duaal en alternerend leren"): from 1 May 2024
€ 600,50 / € 662,60 / € 714,40. An index step is a new row; a contract states the category and
the amount on the day it is drawn up, and an index step afterwards needs no new contract.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from dualflow.agreements import contract, services
from dualflow.agreements.models import Agreement, AllowanceRate
from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.reports.models import Document
from tests import factories
from tests.agreements.conftest import TODAY, draft, sent, sign_all
from tests.agreements.test_contract import pdf_text
from tests.clients import isolated_client
from tests.conftest import fix_today, login

NOTE = "het bedrag volgt de geïndexeerde leervergoeding die op elk moment geldt"
PDF_NOTE = "Het bedrag volgt de geïndexeerde leervergoeding die op elk moment geldt."


def step(session, scene, category, amount, valid_from, today=date(2026, 1, 1), **kw):
    rate = services.add_allowance_rate(session, actor=scene.admin, category=category,
                                       amount=amount, valid_from=valid_from, today=today, **kw)
    session.commit()
    return rate


@pytest.mark.parametrize(("category", "on", "amount"), [
    (1, date(2024, 5, 1), "600.50"), (2, date(2024, 5, 1), "662.60"),
    (3, date(2024, 5, 1), "714.40"), (1, date(2026, 12, 31), "600.50"),
    (2, date(2027, 1, 1), "680.00"), (2, date(2027, 6, 30), "680.00"),
    (2, date(2026, 12, 31), "662.60"), (3, date(2027, 1, 1), "714.40"),
])
def test_category_and_date_give_the_amount(session, scene, category, on, amount):
    step(session, scene, 2, "680", date(2027, 1, 1))
    assert services.allowance_in_force(session, category, on) == Decimal(amount)


def test_before_the_first_rate_there_is_no_amount(session, scene):
    with pytest.raises(DomainError, match="geen leervergoeding bekend voor categorie 1"):
        services.allowance_in_force(session, 1, date(2024, 4, 30))
    assert services.allowances_in_force(session, date(2024, 4, 30)) == {}
    assert services.allowances_in_force(session, date(2026, 9, 1)) == {
        1: Decimal("600.50"), 2: Decimal("662.60"), 3: Decimal("714.40")}


def test_the_contract_states_category_label_amount_and_that_it_follows_the_index(session,
                                                                                  scene):
    agreement, _tokens = sent(session, scene, allowance_category=2)
    text = " ".join(pdf_text(session.get(Document, agreement.document_id).content).split())
    assert "categorie 2" in text and "tweede graad voltooid" in text
    assert "op 25/08/2026 is dat € 662,60 per maand" in text and PDF_NOTE in text
    assert "maximum" not in text and "520" not in text
    data = agreement.contract_data
    assert (data["allowance_category"], data["allowance"]) == (2, "€ 662,60")
    assert data["allowance_note"] == NOTE


def test_an_index_step_after_the_contract_needs_no_new_contract(app, session, scene,
                                                                  monkeypatch):
    """Drawn up and signed at € 600,50; an index step follows; the signed PDF keeps what was
    signed, the agreement page and every new amount show the new one."""
    agreement, tokens = sent(session, scene, allowance_category=1)
    sign_all(session, agreement, tokens)
    signed_pdf = session.get(Document, agreement.signed_document_id).content
    today = fix_today(monkeypatch, date(2026, 12, 7))
    step(session, scene, 1, "612.51", today, today=today)
    assert services.agreement_allowance(session, agreement, today) == Decimal("612.51")
    assert services.agreement_allowance(session, agreement, TODAY) == Decimal("600.50")
    # The page shows the amount in force today, without a new contract.
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "€ 612,51 per maand vandaag" in page and "Categorie 1" in page
    # The signed PDF is what was signed, byte for byte.
    stored = session.get(Document, agreement.signed_document_id).content
    assert stored == signed_pdf
    text = pdf_text(stored)
    assert "€ 600,50" in text and "612,51" not in text
    # A contract drawn up now (a new version) states the new amount.
    copy = services.new_version(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    assert copy.allowance_category == 1
    fresh = pdf_text(contract.render(contract.contract_data(session, copy, today=today)))
    assert "€ 612,51" in fresh


def test_an_agreement_from_before_the_categories_renders_its_stored_amount(session, scene):
    old = factories.agreement(session, scene.place_a, monthly_allowance=Decimal("480.00"))
    session.commit()
    assert old.allowance_category is None
    assert services.agreement_allowance(session, old, TODAY) == Decimal("480.00")
    text = " ".join(pdf_text(contract.render(
        contract.contract_data(session, old, today=TODAY))).split())
    assert "leervergoeding van € 480,00" in text and "geïndexeerde" not in text


def test_an_internship_has_no_allowance_and_may_state_an_expense_allowance(session, scene):
    scene.programme_a.agreement_kind = "internship"
    scene.place_a.hours_per_week = 16
    session.commit()
    agreement = draft(session, scene, allowance_category=None)
    text = " ".join(pdf_text(contract.render(
        contract.contract_data(session, agreement, today=TODAY))).split())
    assert "geen leervergoeding verschuldigd" in text and "onkostenvergoeding" not in text
    assert "€ 0,00" not in text and "geïndexeerde" not in text
    agreement.monthly_allowance = Decimal("45")
    text = " ".join(pdf_text(contract.render(
        contract.contract_data(session, agreement, today=TODAY))).split())
    assert "onkostenvergoeding van € 45,00 per maand" in text


def test_part_time_employment_states_the_wage_under_the_joint_committee(session, scene):
    scene.sector_a.allows_part_time_employment = True
    scene.programme_a.agreement_kind = "part_time_employment"
    session.commit()
    agreement = draft(session, scene, allowance_category=None, monthly_allowance="1450")
    text = " ".join(pdf_text(contract.render(
        contract.contract_data(session, agreement, today=TODAY))).split())
    assert "bruto maandloon van € 1.450,00" in text and "paritair comité" in text
    assert "geïndexeerde" not in text


# --- the admin's table --------------------------------------------------------------------

def test_an_index_step_is_audited_and_only_the_admin_adds_one(session, scene):
    rate = step(session, scene, 3, "730,20", date(2027, 1, 1))
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "allowance_rate.created")).scalar_one()
    assert event.entity_id == rate.id and event.changes["amount"] == "730.20"
    assert event.changes["previous_amount"] == "714.40"
    with pytest.raises(NotAllowed):
        services.add_allowance_rate(session, actor=scene.coordinator_a, category=1,
                                    amount="700", valid_from=date(2027, 1, 1), today=TODAY)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"amount": "0"}, "amount", "hoger zijn dan 0"),
    ({"amount": "-10"}, "amount", "hoger zijn dan 0"),
    ({"amount": ""}, "amount", "Vul het bedrag"),
    ({"category": 4}, "category", "Kies de categorie"),
    ({"category": None}, "category", "Kies de categorie"),
    ({"valid_from": None}, "valid_from", "Vul de datum"),
    ({"valid_from": date(2024, 5, 1)}, "valid_from", "al een bedrag vanaf 01/05/2024"),
    ({"valid_from": date(2023, 1, 1)}, "valid_from", "Kies een latere datum"),
    ({"valid_from": date(2025, 12, 31)}, "retroactive", "terugwerkende kracht"),
])
def test_refused_index_steps(session, scene, fields, field, message):
    values = {"category": 1, "amount": "650", "valid_from": date(2027, 1, 1), **fields}
    with pytest.raises(DomainError) as error:
        step(session, scene, values["category"], values["amount"], values["valid_from"])
    assert error.value.field == field and message in error.value.message
    session.rollback()
    assert len(session.execute(select(AllowanceRate)).scalars().all()) == 3


def test_a_past_date_only_when_confirmed(session, scene):
    rate = step(session, scene, 1, "605", date(2025, 12, 31), retroactive=True)
    assert services.allowance_in_force(session, 1, date(2026, 1, 1)) == Decimal("605.00")
    event = session.execute(select(AuditEvent).where(
        AuditEvent.entity_type == "allowance_rates", AuditEvent.entity_id == rate.id)).scalar_one()
    assert event.changes["retroactive"] is True


def test_admin_page_lists_the_rates_and_adds_a_step(app, session, scene):
    client = isolated_client(app)
    login(client, scene.admin)
    page = client.get("/admin/allowance-rates")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/admin/allowance-rates" in html  # the menu entry too
    for text in ("Categorie 1", "Categorie 2", "Categorie 3", "€ 600,50", "€ 662,60",
                 "€ 714,40", "01/05/2024", "geldt nu"):
        assert text in html, text
    response = client.post("/admin/allowance-rates", data={
        "category": "2", "amount": "675.10", "valid_from": "2030-01-01"})
    assert response.status_code == 302
    html = client.get("/admin/allowance-rates").get_data(as_text=True)
    assert "€ 675,10" in html and "01/01/2030" in html and "gepland" in html
    refused = client.post("/admin/allowance-rates", data={
        "category": "2", "amount": "0", "valid_from": "2031-01-01"})
    assert refused.status_code == 422 and "hoger zijn dan 0" in refused.get_data(as_text=True)
    duplicate = client.post("/admin/allowance-rates", data={
        "category": "2", "amount": "680", "valid_from": "2030-01-01"})
    assert duplicate.status_code == 422
    assert "al een bedrag vanaf 01/01/2030" in duplicate.get_data(as_text=True)
    assert len(session.execute(select(AllowanceRate)).scalars().all()) == 4


@pytest.mark.parametrize("who", ["coordinator_a", "company_user_a", "sector_user_a"])
def test_only_the_admin_opens_the_rates_page(app, session, scene, who):
    client = isolated_client(app)
    login(client, getattr(scene, who))
    assert client.get("/admin/allowance-rates").status_code == 403
    assert client.post("/admin/allowance-rates", data={
        "category": "1", "amount": "700", "valid_from": "2030-01-01"}).status_code == 403
    assert len(session.execute(select(AllowanceRate)).scalars().all()) == 3


def test_agreement_rows_keep_no_amount_for_a_new_oao(session, scene):
    agreement = draft(session, scene, allowance_category=3)
    row = session.execute(select(Agreement).where(Agreement.id == agreement.id)).scalar_one()
    assert (row.allowance_category, row.monthly_allowance) == (3, Decimal("0"))
