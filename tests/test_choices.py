"""Every select, multi-select and radio list offers its choices as WTForms `SelectChoice`s.

WTForms 3.4 drops `(value, label)` tuples; 3.3 only warns where a field is declared with them,
not where a view sets `field.choices`. Here tuples are refused outright while every page is
opened as each role, so a tuple anywhere is a server error on the page that shows it.
"""

from __future__ import annotations

import pytest
import wtforms.fields.choices

from tests import test_routes
from tests.clients import isolated_client
from tests.conftest import login

scene = test_routes.scene
path_ids = test_routes.path_ids


@pytest.fixture
def tuples_refused(monkeypatch):
    coerce = wtforms.fields.choices.SelectChoice.from_input.__func__

    def strict(cls, value, optgroup=None):
        if not isinstance(value, wtforms.fields.choices.SelectChoice):
            raise TypeError(f"a choice that is not a SelectChoice: {value!r}")
        return coerce(cls, value, optgroup)

    monkeypatch.setattr(wtforms.fields.choices.SelectChoice, "from_input",
                        classmethod(strict))


@pytest.mark.parametrize("role", ["admin", "coordinator_a", "company_user_a", "sector_user_a"])
def test_every_page_offers_select_choices(app, session, scene, path_ids, tuples_refused, role):
    client = isolated_client(app)
    login(client, getattr(scene, role))
    problems = []
    for _rule, url in test_routes._walk(app, session, "GET", path_ids):
        response = test_routes._get(client, url)
        if test_routes._status(response) >= 500:
            problems.append((url, repr(response)))
    assert problems == [], "\n".join(map(str, problems))
