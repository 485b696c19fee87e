"""Single-line text never holds control characters: every such form field cleans its input."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import select
from wtforms import Form as WTForm
from wtforms.fields import StringField

import dualflow
from dualflow.companies.models import Company
from dualflow.forms import NOT_SINGLE_LINE, single_line
from tests.companies.test_companies import company_form
from tests.conftest import login


def _form_classes() -> list[type]:
    """Every form class defined in dualflow (all modules imported first)."""
    for module in pkgutil.walk_packages(dualflow.__path__, "dualflow."):
        if module.name.split(".")[-1] in ("forms", "views", "overview_views"):
            importlib.import_module(module.name)
    found, todo = [], list(WTForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("dualflow."):
            found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = _form_classes()


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in FORMS}
    assert {"CompanyForm", "LearnerForm", "InviteForm", "AuditFilterForm"} <= names
    assert len(FORMS) > 40


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_single_line_field_cleans_control_characters(app, form_class):
    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        single = [field for field in form
                  if isinstance(field, StringField)
                  and not isinstance(field, NOT_SINGLE_LINE)]
        for field in single:
            assert single_line in field.filters, f"{form_class.__name__}.{field.name}"
        for field in form:
            if isinstance(field, NOT_SINGLE_LINE):
                assert single_line not in field.filters, f"{form_class.__name__}.{field.name}"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Piet\r\nPeeters", "Piet Peeters"),
        ("Piet\nBcc: x@evil.example", "Piet Bcc: x@evil.example"),
        ("  Piet\tPeeters  ", "Piet Peeters"),
        ("Piet\x00\x1b[31m", "Piet [31m"),
        ("Piet\x85\u2028Peeters", "Piet Peeters"),
        ("Piet   Peeters", "Piet   Peeters"),
        ("Zoë Ağaoğlu-Ñúñez", "Zoë Ağaoğlu-Ñúñez"),
        ("", ""),
        (None, None),
    ],
)
def test_single_line_cleaning(typed, kept):
    assert single_line(typed) == kept


def test_a_company_contact_name_with_a_line_break_is_stored_without_it(client, world, session):
    login(client, world.coordinator_a)
    response = client.post("/companies/new", data=company_form(
        contact_name="Piet\r\nPeeters", name="Dakwerken\nPeeters\r"))
    assert response.status_code == 302, response.get_data(as_text=True)
    company = session.execute(
        select(Company).where(Company.kbo_number == "0403170701")
    ).scalar_one()
    assert company.contact_name == "Piet Peeters"
    assert company.name == "Dakwerken Peeters"
