"""Registering, editing and viewing learners: rules, masking, the audited full view, scope."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.learners.models import Learner
from tests import factories
from tests.clients import isolated_client
from tests.conftest import count_queries, login

BIRTH = factories.years_ago(16, 5, 1)  # a minor
NUMBER = factories.insz(BIRTH, 2)  # female
MASKED = f"{BIRTH:%y.%m.%d}-***.**"
FULL = f"{NUMBER[:2]}.{NUMBER[2:4]}.{NUMBER[4:6]}-{NUMBER[6:9]}.{NUMBER[9:]}"


def learner_form(**overrides) -> dict:
    data = {
        "first_name": "Françoise", "last_name": "Maës", "birth_date": BIRTH.isoformat(),
        "gender": "F", "national_number": FULL, "email": "Francoise.Maes@Example.com",
        "phone": "0470 12 34 56", "street": "Kerkstraat 1", "postcode": "9000",
        "municipality": "Gent", "language": "fr", "class_group": "5BOU",
        "guardian_name": "Marc Maës", "guardian_email": "marc.maes@example.com",
        "guardian_phone": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def totals(session) -> tuple[int, int]:
    session.expire_all()
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Learner, AuditEvent))


def all_audit_text(session) -> str:
    session.expire_all()
    return json.dumps(session.execute(select(AuditEvent.changes)).scalars().all())


def test_coordinator_registers_a_learner(client, world, session):
    login(client, world.coordinator_a)
    response = client.post("/learners/new", data=learner_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    learner = session.execute(select(Learner).where(Learner.last_name == "Maës")).scalar_one()
    assert learner.school_id == world.school_a.id
    assert learner.national_number == NUMBER
    assert learner.email == "francoise.maes@example.com"
    assert response.location.endswith(f"/learners/{learner.id}")
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "learner.created",
                                 AuditEvent.entity_id == learner.id)
    ).scalar_one()
    assert event.changes["national_number"] == MASKED
    assert NUMBER not in all_audit_text(session)


def test_admin_chooses_the_school(client, world, session):
    login(client, world.admin)
    assert client.post("/learners/new", data=learner_form()).status_code == 422
    response = client.post("/learners/new", data=learner_form(school_id=world.school_b.id))
    assert response.status_code == 302
    learner = session.execute(select(Learner).where(Learner.national_number == NUMBER)
                              ).scalar_one()
    assert learner.school_id == world.school_b.id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"national_number": FULL[:-1] + str((int(FULL[-1]) + 1) % 10)}, "national_number",
         "controlecijfers kloppen niet"),
        ({"national_number": "123"}, "national_number", "11 cijfers"),
        ({"birth_date": BIRTH.replace(day=2).isoformat()}, "national_number",
         "past niet bij de geboortedatum"),
        ({"gender": "M"}, "national_number", "hoort bij een vrouw"),
        ({"guardian_name": "", "guardian_email": ""}, "guardian_name",
         "minderjarige lerende heeft een ouder"),
        ({"guardian_email": ""}, "guardian_email", "ouder of voogd"),
        ({"email": "geen adres"}, "email", "geen geldig e-mailadres"),
        ({"postcode": "12"}, "postcode", "Belgische postcode"),
        ({"birth_date": "2030-01-01"}, "birth_date", "Controleer de geboortedatum"),
    ],
    ids=["check digits", "length", "birth date", "gender", "guardian missing",
         "guardian e-mail", "e-mail", "postcode", "future birth"],
)
def test_bad_learner_input_is_refused_and_nothing_written(client, world, session, overrides,
                                                          field, message):
    login(client, world.coordinator_a)
    before = totals(session)
    response = client.post("/learners/new", data=learner_form(**overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', body), field
    assert totals(session) == before


def test_every_rule_problem_is_shown_at_once(client, world, session):
    login(client, world.coordinator_a)
    response = client.post("/learners/new", data=learner_form(
        gender="M", guardian_name="", guardian_email="", email="x"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for message in ("hoort bij een vrouw", "minderjarige lerende heeft een ouder",
                    "e-mailadres van de ouder", "geen geldig e-mailadres"):
        assert message in body


def test_adult_without_guardian_and_without_national_number_is_fine(client, world, session):
    login(client, world.coordinator_a)
    response = client.post("/learners/new", data=learner_form(
        birth_date=factories.years_ago(30).isoformat(), national_number="",
        guardian_name="", guardian_email=""))
    assert response.status_code == 302
    learner = session.execute(select(Learner).where(Learner.last_name == "Maës")).scalar_one()
    assert learner.national_number is None


def test_bis_number_is_accepted(client, world, session):
    base = f"{BIRTH:%y}{BIRTH.month + 40:02d}{BIRTH:%d}002"
    bis = f"{base}{97 - int('2' + base) % 97:02d}"
    login(client, world.coordinator_a)
    response = client.post("/learners/new", data=learner_form(national_number=bis))
    assert response.status_code == 302, response.get_data(as_text=True)


def test_duplicate_national_number_is_refused_with_a_friendly_message(app, client, world,
                                                                     session):
    factories.learner(session, world.school_a, first_name="Eerste", last_name="Inschrijving",
                      birth_date=BIRTH, gender="F", national_number=NUMBER)
    session.commit()
    login(client, world.coordinator_a)
    before = totals(session)
    response = client.post("/learners/new", data=learner_form(national_number=NUMBER))
    assert response.status_code == 422
    assert "Er is al een lerende met dit rijksregisternummer: Eerste Inschrijving" in (
        response.get_data(as_text=True))
    assert totals(session) == before
    # Another school is told it exists elsewhere, without the name.
    other = isolated_client(app)
    login(other, world.coordinator_b)
    body = other.post("/learners/new", data=learner_form()).get_data(as_text=True)
    assert "bij een lerende van een andere school" in body
    assert "Inschrijving" not in body


def test_edit_keeps_the_number_unless_replaced_and_audits_masked(client, world, session):
    learner = factories.learner(session, world.school_a, birth_date=BIRTH, gender="F",
                                national_number=NUMBER, guardian_name="Ouder",
                                guardian_email="ouder@example.com")
    session.commit()
    login(client, world.coordinator_a)
    form_page = client.get(f"/learners/{learner.id}/edit").get_data(as_text=True)
    assert NUMBER not in form_page and FULL not in form_page and MASKED in form_page
    data = learner_form(national_number="", first_name="Nieuw", last_name=learner.last_name)
    assert client.post(f"/learners/{learner.id}/edit", data=data).status_code == 302
    session.refresh(learner)
    assert (learner.first_name, learner.national_number) == ("Nieuw", NUMBER)
    other = factories.insz(BIRTH, 4)
    data = learner_form(national_number=other, last_name=learner.last_name)
    assert client.post(f"/learners/{learner.id}/edit", data=data).status_code == 302
    session.refresh(learner)
    assert learner.national_number == other
    change = session.execute(
        select(AuditEvent).where(AuditEvent.action == "learner.updated",
                                 AuditEvent.entity_id == learner.id)
        .order_by(AuditEvent.id.desc())
    ).scalars().first()
    # Only the hidden digits changed: the change is still recorded, both sides masked.
    assert change.changes["national_number"] == [MASKED, MASKED]
    assert NUMBER not in all_audit_text(session) and other not in all_audit_text(session)
    # Changing the birth date alone is checked against the kept number.
    response = client.post(f"/learners/{learner.id}/edit", data=learner_form(
        national_number="", birth_date=BIRTH.replace(day=2).isoformat()))
    assert response.status_code == 422
    assert "past niet bij de geboortedatum" in response.get_data(as_text=True)
    # Clearing it is explicit.
    data = learner_form(national_number="", clear_national_number="y")
    assert client.post(f"/learners/{learner.id}/edit", data=data).status_code == 302
    session.refresh(learner)
    assert learner.national_number is None


def test_list_and_page_show_the_number_masked(client, world, session):
    learner = factories.learner(session, world.school_a, first_name="Zoë", last_name="Masker",
                                birth_date=BIRTH, gender="F", national_number=NUMBER)
    session.commit()
    login(client, world.coordinator_a)
    for url in ("/learners", f"/learners/{learner.id}", f"/learners/{learner.id}/edit"):
        body = client.get(url).get_data(as_text=True)
        assert "Masker" in body, url
        assert MASKED in body, url
        assert NUMBER not in body and FULL not in body, url


def test_full_number_is_a_deliberate_audited_post_shown_once(client, world, session):
    learner = factories.learner(session, world.school_a, birth_date=BIRTH, gender="F",
                                national_number=NUMBER)
    session.commit()
    login(client, world.coordinator_a)
    page = client.get(f"/learners/{learner.id}").get_data(as_text=True)
    assert "Toon volledig" in page and FULL not in page
    response = client.post(f"/learners/{learner.id}/national-number")
    assert response.status_code == 302
    assert response.location.endswith(f"/learners/{learner.id}")
    shown = client.get(f"/learners/{learner.id}")
    assert FULL in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    # The next page hides it again.
    assert FULL not in client.get(f"/learners/{learner.id}").get_data(as_text=True)
    events = session.execute(
        select(AuditEvent).where(AuditEvent.action == "learner.national_number_viewed")
    ).scalars().all()
    assert [(e.actor_id, e.entity_type, e.entity_id) for e in events] == [
        (world.coordinator_a.id, "learners", learner.id)]
    assert NUMBER not in all_audit_text(session)


def test_revealing_a_missing_number_is_refused(client, world, session):
    login(client, world.coordinator_a)
    before = totals(session)
    assert client.post(f"/learners/{world.learner_a.id}/national-number").status_code == 422
    assert totals(session) == before


def test_mentor_and_company_user_never_see_the_number(app, world, session):
    scene = factories.placed_world(session, world)
    learner = scene.learner_a
    learner.birth_date, learner.gender, learner.national_number = BIRTH, "F", NUMBER
    learner.guardian_name, learner.guardian_phone = "Gustaaf Voogd", "0499 00 00 00"
    session.commit()
    for user in (scene.mentor_user_a, scene.company_user_a):
        client = isolated_client(app)
        login(client, user)
        body = client.get(f"/learners/{learner.id}").get_data(as_text=True)
        assert "Peeters" in body and "Gustaaf Voogd" in body
        assert NUMBER not in body and FULL not in body and MASKED not in body
        assert "Rijksregisternummer" not in body and "Toon volledig" not in body
        assert client.post(f"/learners/{learner.id}/national-number").status_code == 403
        assert client.get("/learners").status_code == 403
        assert client.get(f"/learners/{learner.id}/edit").status_code == 403
        # Learners outside their trajectories do not exist for them.
        assert client.get(f"/learners/{scene.learner_d.id}").status_code == 404
    assert session.execute(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == "learner.national_number_viewed")
    ).scalar_one() == 0


def test_coordinator_of_another_school_gets_404(client, world, session):
    world.learner_a.national_number = factories.insz(world.learner_a.birth_date, 1)
    world.learner_a.gender = "M"
    session.commit()
    login(client, world.coordinator_b)
    a = world.learner_a.id
    for url in (f"/learners/{a}", f"/learners/{a}/edit"):
        assert client.get(url).status_code == 404, url
    before = totals(session)
    assert client.post(f"/learners/{a}/national-number").status_code == 404
    assert client.post(f"/learners/{a}/edit", data=learner_form()).status_code == 404
    assert totals(session) == before
    body = client.get("/learners").get_data(as_text=True)
    assert f'href="/learners/{world.learner_b.id}"' in body
    assert f'href="/learners/{a}"' not in body
    # Not even the exact national number finds it.
    body = client.get("/learners", query_string={"q": world.learner_a.national_number}
                      ).get_data(as_text=True)
    assert f'href="/learners/{a}"' not in body and "Geen lerenden gevonden" in body


def test_search_by_name_class_and_exact_number(client, world, session):
    target = factories.learner(session, world.school_a, first_name="Yasmine",
                               last_name="El Amrani", class_group="6ZOR", birth_date=BIRTH,
                               gender="F", national_number=NUMBER)
    factories.learner(session, world.school_a, first_name="Other", last_name="Person",
                      class_group="5BOU")
    session.commit()
    login(client, world.coordinator_a)
    for query in ({"q": "amrani"}, {"q": "Yasmine El"}, {"q": "6zor"}, {"q": FULL},
                  {"q": NUMBER}, {"class_group": "6ZOR"}):
        body = client.get("/learners", query_string=query).get_data(as_text=True)
        assert "El Amrani" in body, query
        assert "Person" not in body, query
    # Part of a number is not a search for numbers.
    body = client.get("/learners", query_string={"q": NUMBER[:6]}).get_data(as_text=True)
    assert "El Amrani" not in body
    assert f'href="/learners/{target.id}"' in client.get("/learners").get_data(as_text=True)


def test_list_query_count_does_not_grow(client, app, world, session):
    """Same number of statements for 5 and for 40 learners (with trajectories)."""

    def measure(extra: int) -> int:
        for index in range(extra):
            learner = factories.learner(session, world.school_a,
                                        class_group=f"{5 + index % 3}BOU")
            factories.trajectory(session, learner, world.programme_a)
        session.commit()
        with count_queries(app) as statements:
            assert client.get("/learners").status_code == 200
        return len(statements)

    login(client, world.coordinator_a)
    few = measure(5)
    assert few == measure(35)
    assert few <= 8


def test_dashboard_links_to_the_learners(client, world):
    login(client, world.coordinator_a)
    body = client.get("/").get_data(as_text=True)
    assert 'href="/learners"' in body


def test_filter_on_running_trajectory_and_trajectory_class(client, world, session):
    from datetime import date

    ended = factories.learner(session, world.school_a, first_name="Oud", last_name="Afgestudeerd")
    factories.trajectory(session, ended, world.programme_a, school_year=2024,
                         starts_on=date(2024, 9, 1), status="qualified",
                         ends_on=date(2025, 6, 30))
    running = factories.learner(session, world.school_a, first_name="Nu", last_name="Bezig")
    factories.trajectory(session, running, world.programme_a, class_group="6MET")
    session.commit()
    login(client, world.coordinator_a)

    def names(**query) -> set[str]:
        body = client.get("/learners", query_string=query).get_data(as_text=True)
        return {name for name in ("Afgestudeerd", "Bezig") if name in body}

    assert names() == {"Afgestudeerd", "Bezig"}
    assert names(running="yes") == {"Bezig"}
    assert names(running="no") == {"Afgestudeerd"}
    # The class of the running trajectory counts when the learner has none of its own.
    assert names(class_group="6MET") == {"Bezig"}
    assert names(q="6met") == {"Bezig"}
    assert "6MET" in client.get("/learners").get_data(as_text=True)
