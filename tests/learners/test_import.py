"""The learner import: encodings, delimiters, XLSX, bad rows, re-imports, limits, the template."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import zlib
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.learners import importing
from dualflow.learners.models import Learner
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login

HEADERS = ["voornaam", "achternaam", "geboortedatum", "geslacht", "rijksregisternummer",
           "e-mail", "telefoon", "straat", "postcode", "gemeente", "taal", "klas",
           "ouder_naam", "ouder_email", "ouder_telefoon"]
MINOR = factories.years_ago(16, 5, 1)
ADULT = factories.years_ago(30, 7, 30)
TODAY = date.today()


def row(first, last, birth: date, gender, number="", **extra) -> list[str]:
    """One line of a learner file, with a guardian for minors."""
    values = {
        "e-mail": f"{first.lower()}@example.com", "telefoon": "0470 11 22 33",
        "straat": "Kerkstraat 1", "postcode": "9000", "gemeente": "Gent", "taal": "nl",
        "klas": "5BOU", "ouder_naam": f"Ouder {last}", "ouder_email": "ouder@example.com",
        "ouder_telefoon": "",
    }
    values.update(extra)
    return [first, last, birth.strftime("%d/%m/%Y"), gender, number,
            *(values[name] for name in HEADERS[5:])]


def learners_rows() -> list[list[str]]:
    """Three learners with accented names, one with a comma in the address."""
    return [
        row("Françoise", "Maës", MINOR, "V", factories.insz(MINOR, 2)),
        row("Jérôme", "Dubois-Lefèvre", MINOR, "M", factories.insz(MINOR, 1), taal="fr",
            straat="Rue de l'Église 5, bus 2"),
        row("Ahmet", "Yilmaz", ADULT, "M", "",
            ouder_naam="", ouder_email=""),
    ]


def csv_bytes(rows, *, delimiter=";", encoding="utf-8", headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "leerlingen.csv", **fields):
    return client.post("/learners/import", data={"file": (io.BytesIO(content), name), **fields},
                       content_type="multipart/form-data")


CONFIRM_FORM = 'action="/learners/import/confirm"'


def confirm(client, dry_run):
    body = dry_run.get_data(as_text=True)
    assert CONFIRM_FORM in body, "no import button on the dry-run page"
    body = body.split(CONFIRM_FORM, 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'name="(payload|ticket)"[^>]*value="([^"]*)"', body))
    assert set(fields) == {"payload", "ticket"}, "no import button on the dry-run page"
    return client.post("/learners/import/confirm",
                       data={key: html.unescape(value) for key, value in fields.items()})


def learners(session, school) -> dict[str, Learner]:
    session.expire_all()
    rows = session.execute(select(Learner).where(Learner.school_id == school.id)).scalars()
    return {learner.last_name: learner for learner in rows}


def count(session, model, *conditions) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*conditions)
                           ).scalar_one()


def problems_of(body: str) -> list[tuple[int, str, str]]:
    """(line, column, message) of every row of the problems table."""
    table = body.split("df-problems", 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<tr>\s*<td class="text-end font-monospace">(\d+)</td>\s*<td[^>]*>([^<]*)</td>\s*'
        r"<td>([^<]*)</td>", table)
    return [(int(line), html.unescape(column), html.unescape(message))
            for line, column, message in cells]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "described"),
    [
        ("utf-8", ";", "CSV, puntkomma, UTF-8"),
        ("utf-8", ",", "CSV, komma, UTF-8"),
        ("utf-8-sig", ";", "CSV, puntkomma, UTF-8 (BOM)"),
        ("utf-8-sig", ",", "CSV, komma, UTF-8 (BOM)"),
        ("cp1252", ";", "CSV, puntkomma, Windows-1252"),
        ("cp1252", ",", "CSV, komma, Windows-1252"),
    ],
)
def test_csv_in_each_encoding_and_delimiter(client, world, session, encoding, delimiter,
                                            described):
    content = csv_bytes(learners_rows(), delimiter=delimiter, encoding=encoding)
    if encoding == "cp1252":
        assert "ç".encode("cp1252") in content  # really not UTF-8
    login(client, world.coordinator_a)
    dry_run = upload(client, content)
    assert dry_run.status_code == 200
    body = dry_run.get_data(as_text=True)
    assert described in body
    assert "Het bestand is in orde" in body
    assert count(session, Learner, Learner.school_id == world.school_a.id) == 1  # dry run
    response = confirm(client, dry_run)
    assert response.status_code == 302, response.get_data(as_text=True)
    imported = learners(session, world.school_a)
    assert {"Maës", "Dubois-Lefèvre", "Yilmaz"} <= set(imported)
    francoise = imported["Maës"]
    assert francoise.first_name == "Françoise"
    assert francoise.national_number == factories.insz(MINOR, 2)
    assert (francoise.gender, francoise.birth_date, francoise.guardian_name) == (
        "F", MINOR, "Ouder Maës")
    jerome = imported["Dubois-Lefèvre"]
    assert (jerome.first_name, jerome.street, jerome.language) == (
        "Jérôme", "Rue de l'Église 5, bus 2", "fr")
    assert imported["Yilmaz"].national_number is None


def test_xlsx_with_date_cells_text_dates_and_numbers(client, world, session):
    rows = [
        # A date cell, the national number typed as a number (Excel drops the leading zero).
        ["Lotte", "Claes", datetime(MINOR.year, 5, 1), "vrouw",
         int(factories.insz(MINOR, 4)), "lotte@example.com", "0471 00 00 00", "Dorp 1",
         9000, "Gent", "NL", "5BOU", "Mieke Claes", "mieke@example.com", None],
        # A text date and text number.
        ["Noah", "Wouters", MINOR.strftime("%d/%m/%Y"), "M", factories.insz(MINOR, 3), None,
         None, None, "9300", "Aalst", "nederlands", 6, "Bart Wouters", "bart@example.com",
         None],
    ]
    login(client, world.coordinator_a)
    dry_run = upload(client, xlsx_bytes(rows), "klaslijst.xlsx")
    body = dry_run.get_data(as_text=True)
    assert dry_run.status_code == 200 and "Het bestand is in orde" in body, body
    assert "Excel (Sheet)" in body
    assert confirm(client, dry_run).status_code == 302
    imported = learners(session, world.school_a)
    lotte, noah = imported["Claes"], imported["Wouters"]
    assert (lotte.birth_date, lotte.national_number, lotte.postcode, lotte.gender) == (
        MINOR, factories.insz(MINOR, 4), "9000", "F")
    assert (noah.birth_date, noah.class_group, noah.email) == (MINOR, "6", "")


def test_file_with_bad_rows_writes_nothing_and_reports_every_line(client, world, session):
    good = factories.insz(MINOR, 2)
    rows = [
        row("Goed", "Eén", MINOR, "V", good),                                   # line 2
        row("Fout", "Controlecijfer", MINOR, "V",
            good[:-2] + f"{(int(good[-2:]) + 1) % 100:02d}"),                   # line 3
        row("Fout", "Datum", MINOR, "Q", "", straat="Lange\nstraat 1"),        # lines 4-5
        row("Fout", "Voogd", MINOR, "M", "", ouder_naam="", ouder_email=""),   # line 6
        row("Fout", "Dubbel", MINOR, "V", good),                                # line 7
        row("Fout", "Geslacht", MINOR, "M", factories.insz(MINOR, 6)),         # line 8
        row("", "Leeg", ADULT, "X", "", **{"e-mail": "geen-adres"}),           # line 9
    ]
    rows[2][2] = "31/02/2010"
    login(client, world.coordinator_a)
    before = count(session, Learner), count(session, AuditEvent)
    dry_run = upload(client, csv_bytes(rows))
    body = dry_run.get_data(as_text=True)
    assert dry_run.status_code == 200
    assert CONFIRM_FORM not in body  # no import button
    found = problems_of(body)
    lines = {line for line, _column, _message in found}
    assert lines == {3, 4, 6, 7, 8, 9}
    expected = [
        (3, "E (rijksregisternummer)", "controlecijfers kloppen niet"),
        (4, "C (geboortedatum)", "geen datum"),
        (4, "D (geslacht)", "V, M of X"),
        (6, "M (ouder_naam)", "minderjarige"),
        (6, "N (ouder_email)", "ouder of voogd"),
        (7, "E (rijksregisternummer)", "staat ook op regel 2"),
        (8, "E (rijksregisternummer)", "hoort bij een vrouw"),
        (9, "A (voornaam)", "Vul de voornaam in"),
        (9, "F (e-mail)", "geen geldig e-mailadres"),
    ]
    for line, column, message in expected:
        assert any(n == line and c == column and message in m for n, c, m in found), (
            line, column, message, found)
    assert "Er wordt niets geïmporteerd" in body
    assert (count(session, Learner), count(session, AuditEvent)) == before


def test_import_service_refuses_a_bad_file_and_writes_nothing(world, session):
    rows = [row("Goed", "Eén", MINOR, "V", factories.insz(MINOR, 2)),
            row("Fout", "Twee", MINOR, "V", "123")]
    before = count(session, Learner), count(session, AuditEvent)
    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_learners(session, actor=world.coordinator_a, school=world.school_a,
                                  filename="x.csv", data=csv_bytes(rows), today=TODAY)
    assert [(p.line, p.column) for p in refused.value.plan.problems] == [
        (3, "E (rijksregisternummer)")]
    session.rollback()
    assert (count(session, Learner), count(session, AuditEvent)) == before


def test_reimport_updates_and_never_blanks(client, world, session):
    number = factories.insz(MINOR, 2)
    existing = factories.learner(
        session, world.school_a, first_name="Sara", last_name="Janssens", birth_date=MINOR,
        gender="F", national_number=number, email="sara@example.com", phone="0470 00 00 00",
        class_group="5BOU", guardian_name="Ria Janssens", guardian_email="ria@example.com",
        guardian_phone="0470 99 99 99", street="Oude straat 1", postcode="9000",
        municipality="Gent")
    unchanged = factories.learner(
        session, world.school_a, first_name="Tom", last_name="Stil", birth_date=ADULT,
        gender="M", national_number=factories.insz(ADULT, 1), class_group="7BOU")
    # Registered by hand without a number: matched on name and birth date, gets the number.
    no_number = factories.learner(session, world.school_a, first_name="Lena", last_name="Leeg",
                                  birth_date=ADULT, gender="F", phone="011 11 11 11")
    session.commit()
    headers = ["Voornaam", "Achternaam", "Geboortedatum", "Geslacht", "INSZ", "E-mail",
               "GSM", "Klasgroep", "Ouder_naam", "Ouder_email"]
    rows = [
        # New class and phone; e-mail, guardian and everything else left empty.
        ["", "", "", "", nn_format(number), "", "0480 12 34 56", "6BOU", "", ""],
        ["Tom", "Stil", ADULT.strftime("%d/%m/%Y"), "M", factories.insz(ADULT, 1), "", "",
         "7BOU", "", ""],
        ["Lena", "Leeg", ADULT.strftime("%d/%m/%Y"), "V", factories.insz(ADULT, 2), "", "",
         "", "", ""],
        ["Nieuw", "Kind", MINOR.strftime("%d/%m/%Y"), "M", "", "", "", "5BOU", "Ouder Kind",
         "ouder.kind@example.com"],
    ]
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes(rows, headers=headers, delimiter=","), "update.csv")
    body = dry_run.get_data(as_text=True)
    assert "Het bestand is in orde" in body, body
    assert confirm(client, dry_run).status_code == 302
    session.expire_all()
    sara = session.get(Learner, existing.id)
    assert (sara.phone, sara.class_group) == ("0480 12 34 56", "6BOU")
    assert (sara.first_name, sara.email, sara.guardian_name, sara.guardian_email,
            sara.guardian_phone, sara.street, sara.birth_date) == (
        "Sara", "sara@example.com", "Ria Janssens", "ria@example.com", "0470 99 99 99",
        "Oude straat 1", MINOR)
    lena = session.get(Learner, no_number.id)
    assert (lena.national_number, lena.phone) == (factories.insz(ADULT, 2), "011 11 11 11")
    assert count(session, Learner, Learner.last_name == "Kind") == 1
    events = session.execute(
        select(AuditEvent).where(AuditEvent.action.in_(
            ("learner.created", "learner.updated", "learners.imported")))
    ).scalars().all()
    by_action = {}
    for event in events:
        by_action.setdefault(event.action, []).append(event)
    [summary] = by_action["learners.imported"]
    assert {"file": "update.csv", "rows": 4, "created": 1, "updated": 2,
            "unchanged": 1}.items() <= summary.changes.items()
    assert (summary.entity_type, summary.entity_id) == ("schools", world.school_a.id)
    updates = {event.entity_id: event.changes for event in by_action["learner.updated"]}
    assert set(updates) == {existing.id, no_number.id}
    assert updates[existing.id]["phone"] == ["0470 00 00 00", "0480 12 34 56"]
    assert "email" not in updates[existing.id]
    assert updates[no_number.id]["national_number"] == [None, f"{ADULT:%y.%m.%d}-***.**"]
    assert unchanged.id not in updates
    audit_text = json.dumps([event.changes for event in events])
    assert number not in audit_text and factories.insz(ADULT, 2) not in audit_text
    # Importing the same file again changes nothing.
    again = upload(client, csv_bytes(rows, headers=headers, delimiter=","), "update.csv")
    assert re.search(r"Ongewijzigd.*?>\s*4\s*<", again.get_data(as_text=True), re.S)


def nn_format(number: str) -> str:
    return f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}"


def test_import_revalidates_at_import_time(client, world, session):
    number = factories.insz(MINOR, 2)
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes([row("Eva", "Laat", MINOR, "V", number)]))
    assert "Het bestand is in orde" in dry_run.get_data(as_text=True)
    # Meanwhile another school registers the same national number.
    factories.learner(session, world.school_b, birth_date=MINOR, gender="F",
                      national_number=number)
    session.commit()
    before = count(session, Learner), count(session, AuditEvent)
    response = confirm(client, dry_run)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert [(p[0], p[1]) for p in problems_of(body)] == [(2, "E (rijksregisternummer)")]
    assert "andere school" in body
    # Nothing written but the audit of the number found out of sight.
    assert (count(session, Learner), count(session, AuditEvent)) == (before[0], before[1] + 1)
    assert session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                           ).scalars().first() == "learner.national_number_taken_elsewhere"


def test_tampered_or_foreign_upload_is_refused(app, client, world, session):
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes([row("Eva", "Echt", MINOR, "V")]))
    body = dry_run.get_data(as_text=True)
    fields = {k: html.unescape(v)
              for k, v in re.findall(r'name="(payload|ticket)"[^>]*value="([^"]*)"', body)}
    before = count(session, Learner)
    forged = base64.b64encode(zlib.compress(csv_bytes([row("Eva", "Vals", MINOR, "V")])))
    response = client.post("/learners/import/confirm",
                           data={"payload": forged.decode(), "ticket": fields["ticket"]})
    assert response.status_code == 422
    assert "Laad het bestand opnieuw op" in response.get_data(as_text=True)
    other = isolated_client(app)
    login(other, world.coordinator_b)
    assert other.post("/learners/import/confirm", data=fields).status_code == 422
    assert count(session, Learner) == before


def test_coordinator_imports_into_own_school_admin_chooses(client, app, world, session):
    rows = [row("Eva", "Admin", MINOR, "V")]
    admin = isolated_client(app)
    login(admin, world.admin)
    response = upload(admin, csv_bytes(rows))
    assert response.status_code == 422 and "Kies een school" in response.get_data(as_text=True)
    dry_run = upload(admin, csv_bytes(rows), school_id=str(world.school_b.id))
    assert "Campus B" in dry_run.get_data(as_text=True)
    assert confirm(admin, dry_run).status_code == 302
    assert "Admin" in learners(session, world.school_b)
    # A coordinator's upload always lands in the own school, whatever the form says.
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes([row("Eva", "Coord", MINOR, "V")]),
                     school_id=str(world.school_b.id))
    assert confirm(client, dry_run).status_code == 302
    assert "Coord" in learners(session, world.school_a)


def test_reimport_cannot_touch_another_schools_learner(client, world, session):
    number = factories.insz(MINOR, 2)
    factories.learner(session, world.school_b, last_name="VanB", birth_date=MINOR,
                      gender="F", national_number=number)
    session.commit()
    login(client, world.coordinator_a)
    body = upload(client, csv_bytes([row("Eva", "Overname", MINOR, "V", number)])
                  ).get_data(as_text=True)
    assert problems_of(body) == [
        (2, "E (rijksregisternummer)",
         "Dit rijksregisternummer hoort bij een lerende van een andere school.")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("lijst.txt", b"voornaam;achternaam\n", "Kies een CSV-bestand"),
        ("lijst.csv", b"", "Het bestand is leeg"),
        ("lijst.xlsx", b"dit is geen excel", "kan niet gelezen worden als Excel"),
        ("lijst.csv", b"PK\x03\x04rest", "Dit is een Excel-bestand"),
        ("lijst.csv", b"\x81\x8d\x8f\x90\x9d", "kunnen niet gelezen worden"),
        ("lijst.csv", b"voornaam;achternaam\n\x00", "geen tekstbestand"),
        ("lijst.csv", b'voornaam;achternaam\n"open;quote\n', "kan niet gelezen worden"),
    ],
    ids=["extension", "empty", "not a zip", "xlsx named csv", "undecodable", "binary",
         "broken quote"],
)
def test_unreadable_files_are_refused_clearly(client, world, session, name, content, message):
    login(client, world.coordinator_a)
    response = upload(client, content, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_formulas_are_not_executed(client, world, session):
    rows = [["=HYPERLINK(\"http://evil\",\"x\")", "Formule", MINOR, "V", None, None, None,
             None, None, None, None, None, "Ouder", "ouder@example.com", None]]
    login(client, world.coordinator_a)
    body = upload(client, xlsx_bytes(rows), "f.xlsx").get_data(as_text=True)
    assert problems_of(body) == [(2, "A (voornaam)", "Formules worden niet uitgevoerd: zet de "
                                  "waarde zelf in de cel.")]
    body = upload(client, csv_bytes([row("=1+1", "Csv", MINOR, "V", **{"e-mail": ""})])
                  ).get_data(as_text=True)
    assert [(line, column) for line, column, _m in problems_of(body)] == [(2, "A (voornaam)")]


def test_too_many_rows_are_refused(world, session, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [row("Kind", f"Nummer {i}", MINOR, "V") for i in range(4)]
    for content, name in ((csv_bytes(rows), "a.csv"), (xlsx_bytes(rows), "a.xlsx")):
        with pytest.raises(importing.ImportFileError, match="meer dan 3 lerenden"):
            importing.plan_import(session, actor=world.coordinator_a, school=world.school_a,
                                  filename=name, data=content, today=TODAY)


def test_missing_and_duplicate_columns_are_reported_on_the_header_line(world, session):
    content = csv_bytes([["Eva", "x"]], headers=["voornaam", "Voornaam", "hobby"])
    plan = importing.plan_import(session, actor=world.coordinator_a, school=world.school_a,
                                 filename="a.csv", data=content, today=TODAY)
    assert [(p.line, p.column) for p in plan.problems] == [(1, "B (Voornaam)"), (1, "")]
    # "hobby" may be one of them: the coordinator can say so on the dry-run screen.
    assert "Familienaam, Geboortedatum" in plan.problems[1].message
    assert "Kies hieronder" in plan.problems[1].message
    assert plan.ignored == ["hobby"]
    assert not plan.ok


def test_template_downloads_and_imports_as_is(client, world, session):
    login(client, world.coordinator_a)
    response = client.get("/learners/import/template.csv")
    assert response.status_code == 200
    content = response.data
    assert content.startswith(b"\xef\xbb\xbf" + b"voornaam;achternaam;geboortedatum;geslacht;"
                              b"rijksregisternummer;e-mail;telefoon;straat;postcode;gemeente;"
                              b"taal;klas;ouder_naam;ouder_email;ouder_telefoon\r\n")
    workbook_response = client.get("/learners/import/template.xlsx")
    assert workbook_response.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook_response.data)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    for data, name in ((content, "sjabloon.csv"), (workbook_response.data, "sjabloon.xlsx")):
        plan = importing.plan_import(session, actor=world.coordinator_a,
                                     school=world.school_a, filename=name, data=data,
                                     today=TODAY)
        assert plan.ok, plan.problems
        assert [r.action for r in plan.rows] == ["create"]


def test_import_page_offers_the_templates(client, world):
    login(client, world.coordinator_a)
    body = client.get("/learners/import").get_data(as_text=True)
    assert "/learners/import/template.csv" in body and "/learners/import/template.xlsx" in body


def test_mentor_cannot_import(client, world):
    login(client, world.mentor_user_a)
    assert client.get("/learners/import").status_code == 403
    assert upload(client, csv_bytes([row("Eva", "X", MINOR, "V")])).status_code == 403
