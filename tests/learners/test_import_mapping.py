"""A column the import does not know is mapped on the dry-run screen, and the school's choice
is remembered for its next file (and for no other school's)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.learners import importing
from dualflow.learners.models import ImportColumnMapping
from tests.conftest import login
from tests.learners.test_import import (
    CONFIRM_FORM,
    MINOR,
    TODAY,
    confirm,
    count,
    csv_bytes,
    learners,
    problems_of,
    upload,
)

# "Dag van geboorte" and "Stamboeknummer" are not known to the import.
HEADERS = ["Naam", "Voornaam", "Dag van geboorte", "Geslacht", "Stamboeknummer",
           "Naam moeder", "E-mail moeder"]


def export_row(first, last, sequence):
    return [last, first, MINOR.strftime("%d/%m/%Y"), "V", f"S{sequence}", f"Moeder {last}",
            "moeder@example.com"]


def mapping_form(body: str) -> dict[str, str]:
    """The hidden fields and the preset choice of every column of the mapping form."""
    assert "df-mapping" in body, "no column mapping on the dry-run page"
    form = body.split('id="df-mapping"', 1)[1].split("</form>", 1)[0]
    fields = {name: html.unescape(value) for name, value in
              re.findall(r'name="(payload|ticket|csrf_token)"[^>]*value="([^"]*)"', form)}
    for name, options in re.findall(r'<select[^>]*name="(col-\d+)"[^>]*>(.*?)</select>', form,
                                    re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def column_status(body: str) -> dict[str, str]:
    """Each column header of the mapping table and the word saying how it was recognised."""
    form = body.split('id="df-mapping"', 1)[1].split("</form>", 1)[0]
    rows = re.findall(r'<li class="df-column[^"]*">(.*?)</li>', form, re.S)
    status = {}
    for row_html in rows:
        header = re.search(r'class="df-header[^"]*">([^<]*)<', row_html).group(1)
        source = re.search(r'class="df-source[^"]*"[^>]*>([^<]*)<', row_html).group(1)
        status[html.unescape(header).strip()] = source.strip()
    return status


def remap(client, dry_run, **choices):
    fields = mapping_form(dry_run.get_data(as_text=True))
    fields.update(choices)
    return client.post("/learners/import/columns", data=fields)


def mappings(session, school) -> dict[str, str]:
    session.expire_all()
    return {item.header: item.field for item in session.execute(
        select(ImportColumnMapping).where(ImportColumnMapping.school_id == school.id)
    ).scalars()}


def test_unknown_column_is_mapped_on_the_dry_run_remembered_and_only_for_that_school(
        client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS),
                   "export.csv")
    body = first.get_data(as_text=True)
    assert "Het bestand is in orde" not in body
    status = column_status(body)
    assert status["Dag van geboorte"] == "niet herkend"
    assert status["Stamboeknummer"] == "niet herkend"
    assert status["Voornaam"] == "herkend"
    # Map the birth date; choose to ignore the school's own number.
    rerun = remap(client, first, **{"col-2": "birth_date", "col-4": "skip"})
    body = rerun.get_data(as_text=True)
    assert rerun.status_code == 200
    assert "Het bestand is in orde" in body, body
    assert "onthouden" in body
    assert mappings(session, world.school_a) == {
        importing.mapping_key("Dag van geboorte"): "birth_date", "stamboeknummer": ""}
    assert confirm(client, rerun).status_code == 302
    assert learners(session, world.school_a)["Peeters"].birth_date == MINOR

    # The next file of the school, with the same header: recognised without asking.
    second = upload(client, csv_bytes([export_row("Lotte", "Claes", 2)], headers=HEADERS),
                    "export-2.csv")
    body = second.get_data(as_text=True)
    assert "Het bestand is in orde" in body, body
    status = column_status(body)
    assert status["Dag van geboorte"] == "onthouden"
    assert status["Stamboeknummer"] == "onthouden"
    assert "niet herkend" not in status.values()
    assert confirm(client, second).status_code == 302
    assert learners(session, world.school_a)["Claes"].birth_date == MINOR

    # Another school's coordinator with the same header is still asked.
    client.post("/logout")
    login(client, world.coordinator_b)
    other = upload(client, csv_bytes([export_row("Noor", "Maes", 3)], headers=HEADERS),
                   "export.csv")
    body = other.get_data(as_text=True)
    assert "Het bestand is in orde" not in body
    assert column_status(body)["Dag van geboorte"] == "niet herkend"
    assert mappings(session, world.school_b) == {}


def test_the_mapping_is_audited(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    remap(client, first, **{"col-2": "birth_date"})
    session.expire_all()
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "learners.import_columns")).scalar_one()
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "schools", world.school_a.id, world.coordinator_a.id)
    assert event.changes["Dag van geboorte"] == [None, "birth_date"]
    # An undecided column is neither remembered nor audited.
    assert "Stamboeknummer" not in event.changes


def test_a_remembered_mapping_can_be_changed(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    remap(client, first, **{"col-2": "birth_date", "col-4": "skip"})
    again = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    assert mapping_form(again.get_data(as_text=True))["col-4"] == "skip"
    assert mapping_form(again.get_data(as_text=True))["col-2"] == "birth_date"
    # The school's number turns out to be the class after all.
    changed = remap(client, again, **{"col-4": "class_group"})
    assert "Het bestand is in orde" in changed.get_data(as_text=True)
    assert mappings(session, world.school_a)["stamboeknummer"] == "class_group"
    assert confirm(client, changed).status_code == 302
    assert learners(session, world.school_a)["Peeters"].class_group == "S1"


def test_a_field_already_taken_by_another_column_is_refused_clearly(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    refused = remap(client, first, **{"col-2": "birth_date", "col-4": "first_name"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    found = problems_of(body)
    assert [(line, column) for line, column, _message in found] == [(1, "E (Stamboeknummer)")]
    assert "B (Voornaam)" in found[0][2] and "Voornaam" in found[0][2]
    assert 'name="payload"' in body  # the coordinator can choose again at once
    assert "Het bestand is in orde" not in body and CONFIRM_FORM not in body
    # Nothing of a refused choice is remembered.
    assert mappings(session, world.school_a) == {}
    assert count(session, AuditEvent, AuditEvent.action == "learners.import_columns") == 0


def test_two_columns_mapped_to_one_field_are_refused(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    refused = remap(client, first, **{"col-2": "birth_date", "col-4": "birth_date"})
    assert refused.status_code == 422
    assert [column for _line, column, _m in problems_of(refused.get_data(as_text=True))] == [
        "E (Stamboeknummer)"]
    assert mappings(session, world.school_a) == {}


def test_a_recognised_column_can_be_mapped_elsewhere(client, world, session):
    # This school's "Naam" column holds the learner's e-mail name; the last name is in "Fam".
    headers = ["Fam", "Voornaam", "Geboortedatum", "Geslacht", "Naam", "Naam moeder",
               "E-mail moeder"]
    rows = [["Peeters", "Emma", MINOR.strftime("%d/%m/%Y"), "V", "emma.p", "An",
             "an@example.com"]]
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes(rows, headers=headers))
    assert column_status(first.get_data(as_text=True))["Naam"] == "herkend"
    rerun = remap(client, first, **{"col-0": "last_name", "col-4": "skip"})
    assert "Het bestand is in orde" in rerun.get_data(as_text=True)
    assert confirm(client, rerun).status_code == 302
    assert "Peeters" in learners(session, world.school_a)
    # Mapping a recognised column back to what the import recognises forgets the choice.
    again = upload(client, csv_bytes(rows, headers=headers))
    remap(client, again, **{"col-4": "last_name", "col-0": "skip"})
    assert mappings(session, world.school_a) == {"fam": ""}


def test_confirm_imports_with_the_columns_the_dry_run_showed(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    rerun = remap(client, first, **{"col-2": "birth_date", "col-4": "class_group"})
    # Meanwhile a colleague changes the school's choice: the shown import still happens.
    mapping = session.execute(select(ImportColumnMapping).where(
        ImportColumnMapping.header == "stamboeknummer")).scalar_one()
    mapping.field = ""
    session.commit()
    assert confirm(client, rerun).status_code == 302
    assert learners(session, world.school_a)["Peeters"].class_group == "S1"


def test_the_mapping_form_cannot_be_replayed_by_someone_else(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    fields = mapping_form(first.get_data(as_text=True))
    client.post("/logout")
    login(client, world.coordinator_b)
    fields["col-2"] = "birth_date"
    response = client.post("/learners/import/columns", data=fields)
    assert response.status_code == 422
    assert mappings(session, world.school_a) == {} and mappings(session, world.school_b) == {}


def test_an_unknown_field_is_not_accepted(client, world, session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    response = remap(client, first, **{"col-2": "school_id"})
    assert response.status_code == 422
    assert mappings(session, world.school_a) == {}


def test_remembered_guardian_column_joins_the_files_guardian(world, session):
    headers = ["Naam", "Voornaam", "Geboortedatum", "Geslacht", "Naam moeder", "Contact mail"]
    data = csv_bytes([["Peeters", "Emma", MINOR.strftime("%d/%m/%Y"), "V", "An Peeters",
                       "an@example.com"]], headers=headers)
    session.add(ImportColumnMapping(school_id=world.school_a.id,
                                    header=importing.mapping_key("Contact mail"),
                                    field="guardian_email"))
    session.flush()
    plan = importing.plan_import(session, actor=world.coordinator_a, school=world.school_a,
                                 filename="a.csv", data=data, today=TODAY)
    assert plan.ok, plan.problems
    assert (plan.rows[0].values["guardian_name"], plan.rows[0].values["guardian_email"]) == (
        "An Peeters", "an@example.com")
    # For another school the column means nothing.
    other = importing.plan_import(session, actor=world.coordinator_b, school=world.school_b,
                                  filename="a.csv", data=data, today=TODAY)
    assert not other.ok
    assert "Contact mail" in [column.header for column in other.headers
                              if column.source is None]


def test_the_missing_columns_problem_points_at_the_mapping(client, world):
    login(client, world.coordinator_a)
    body = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS)
                  ).get_data(as_text=True)
    before_mapping = body.split('id="df-mapping"', 1)[0]
    [(line, column, message)] = problems_of(before_mapping)
    assert (line, column) == (1, "—")
    assert "Geboortedatum" in message and "Kies hieronder" in message
    assert "birth_date" not in before_mapping


def test_a_file_without_unknown_columns_is_told_to_use_the_template(world, session):
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="a.csv",
        data=csv_bytes([["Emma", "Peeters"]], headers=["Voornaam", "Naam"]), today=TODAY)
    assert [problem.message for problem in plan.problems] == [
        "De kolommen geboortedatum ontbreken. De eerste regel moet de kolomnamen bevatten; "
        "gebruik het sjabloon."]


def test_a_refused_choice_leaves_the_remembered_columns_marked_as_remembered(client, world,
                                                                            session):
    login(client, world.coordinator_a)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    remap(client, first, **{"col-2": "birth_date", "col-4": "skip"})
    again = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS))
    refused = remap(client, again, **{"col-4": "first_name"})
    assert refused.status_code == 422
    status = column_status(refused.get_data(as_text=True))
    assert (status["Dag van geboorte"], status["Stamboeknummer"]) == ("onthouden", "gekozen")
    assert mappings(session, world.school_a)["stamboeknummer"] == ""


def test_a_remembered_choice_that_clashes_in_a_later_file_is_shown_not_guessed(client, world,
                                                                              session):
    session.add(ImportColumnMapping(school_id=world.school_a.id,
                                    header=importing.mapping_key("Dag van geboorte"),
                                    field="birth_date"))
    session.commit()
    # This file has a recognised birth date column as well.
    headers = [*HEADERS, "Geboortedatum"]
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes([[*export_row("Emma", "Peeters", 1),
                                         MINOR.strftime("%d/%m/%Y")]], headers=headers))
    body = dry_run.get_data(as_text=True)
    assert CONFIRM_FORM not in body
    [(line, column, message)] = problems_of(body)
    assert (line, column) == (1, "C (Dag van geboorte)")
    assert "H (Geboortedatum)" in message
    # Ignoring the remembered column lets the file through, and is remembered.
    rerun = remap(client, dry_run, **{"col-2": "skip"})
    assert "Het bestand is in orde" in rerun.get_data(as_text=True)
    assert mappings(session, world.school_a)[importing.mapping_key("Dag van geboorte")] == ""


def test_an_admin_maps_columns_for_the_school_the_file_is_for(client, world, session):
    login(client, world.admin)
    first = upload(client, csv_bytes([export_row("Emma", "Peeters", 1)], headers=HEADERS),
                   school_id=str(world.school_b.id))
    rerun = remap(client, first, **{"col-2": "birth_date"})
    assert "Het bestand is in orde" in rerun.get_data(as_text=True)
    assert mappings(session, world.school_b) == {
        importing.mapping_key("Dag van geboorte"): "birth_date"}
    assert mappings(session, world.school_a) == {}
    # School B's coordinator now finds the column recognised.
    client.post("/logout")
    login(client, world.coordinator_b)
    again = upload(client, csv_bytes([export_row("Lotte", "Claes", 2)], headers=HEADERS))
    assert column_status(again.get_data(as_text=True))["Dag van geboorte"] == "onthouden"
