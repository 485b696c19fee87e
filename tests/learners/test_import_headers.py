"""The learner import reads a school's own export: headers as people write them, date cells,
extra columns, names that lost a letter to an encoding, and problems named as the file does."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from dualflow.learners import importing
from tests import factories
from tests.conftest import login
from tests.learners.test_import import (
    CONFIRM_FORM,
    HEADERS,
    MINOR,
    TODAY,
    confirm,
    csv_bytes,
    learners,
    problems_of,
    row,
    upload,
)
from tests.learners.test_import_mapping import column_status

SPELLINGS = {
    "first_name": ["Voornaam", "VOORNAAM", "Voornaam lln.", "Voornaam ll.", "voornaam leerling",
                   "Roepnaam", "Voornamen", "Voornaam:", "Voor-naam", "First name",
                   "Prénom"],
    "last_name": ["Achternaam", "Familienaam", "Naam", "Naam lln.", "Familienaam leerling",
                  "FAMILIENAAM", "Fam. naam", "Achternaam ll.", "Last name", "Surname",
                  "Nom de famille"],
    "birth_date": ["Geboortedatum", "Geboortedatum (dd/mm/jjjj)", "Geb.datum", "Geb. datum",
                   "geboren op", "Geboortedatum lln.", "GEBOORTEDATUM", "Datum geboorte",
                   "Geboortedatum [dd-mm-jjjj]", "Date of birth", "Date de naissance",
                   "Geb.dat."],
    "national_number": ["INSZ", "INSZ-nr", "INSZ-nummer", "Rijksregisternummer", "RRN",
                        "Rijksreg.nr.", "Nat. nummer", "insz nummer leerling",
                        "Rijksregisternr", "Rijksregisternr.", "Nationaal nummer",
                        "RR-nr", "Bisnummer", "NISS"],
    "gender": ["Geslacht", "GESLACHT", "Geslacht (M/V)", "Geslacht lln.", "Gender", "Sexe",
               "M/V", "V/M", "geslacht leerling", "Sex"],
    "email": ["E-mail", "Email", "E-mailadres", "e-mail leerling", "Mail", "E-mail lln.",
              "E-mail adres", "Emailadres leerling", "E-MAIL", "Courriel", "Mailadres"],
    "phone": ["Telefoon", "Tel.", "Telefoonnummer", "GSM", "GSM-nr", "GSM leerling",
              "Gsm-nummer lln.", "Tel. nr.", "Mobiel", "Phone", "Téléphone"],
    "street": ["Straat", "Adres", "Straat + nr", "Straat en nummer", "Straat en huisnummer",
               "Adres (straat en nr.)", "Domicilieadres", "Woonadres", "Street", "Address",
               "Rue"],
    "postcode": ["Postcode", "POSTCODE", "Post code", "Postnummer", "PC", "Postcode lln.",
                 "Zip", "Zip code", "Code postal", "Postcode (woonplaats)"],
    "municipality": ["Gemeente", "Woonplaats", "Stad", "Plaats", "Gemeente lln.",
                     "Woonplaats leerling", "Deelgemeente", "City", "Commune", "Localité"],
    "language": ["Taal", "TAAL", "Taal (nl/fr)", "Taal lln.", "Language", "Langue",
                 "Communicatietaal", "Contacttaal", "Taal leerling", "taal:"],
    "class_group": ["Klas", "KLAS", "Klasgroep", "Klas (2025-2026)", "Klascode",
                    "Administratieve groep", "Klasnaam", "Klas lln.", "Class", "Classe"],
    "guardian_name": ["Naam ouder", "Ouder", "Ouder 1", "Naam ouder 1", "Naam moeder",
                      "Naam vader", "Moeder", "Vader", "Voogd", "Naam voogd",
                      "ouder_naam", "Guardian"],
    "guardian_email": ["E-mail ouder", "Ouder 1 e-mail", "Ouder 2 e-mail", "E-mail moeder",
                       "E-mail vader", "Mail ouders", "E-mailadres ouder", "ouder_email",
                       "Email voogd", "E-mail ouder 1", "Guardian email"],
    "guardian_phone": ["Telefoon ouder", "GSM vader", "GSM moeder", "Ouder 1 GSM",
                       "Tel. ouder", "Telefoon ouder 2", "GSM-nr. moeder", "ouder_telefoon",
                       "Telefoon voogd", "Gsm ouders", "Guardian phone"],
}


@pytest.mark.parametrize(("field", "header"), [
    (name, header) for name, headers in SPELLINGS.items() for header in headers])
def test_headers_as_schools_write_them_are_recognised(field, header):
    assert len(SPELLINGS[field]) >= 10
    assert importing.field_for_header(header) == field


@pytest.mark.parametrize("header", ["Leerlingnummer", "Hobby", "Beroep vader", "Opmerking"])
def test_unrelated_headers_are_not_taken_for_a_field(header):
    assert importing.field_for_header(header) is None


SCHOOL_EXPORT = ["Leerlingnummer", "Naam lln.", "Voornaam lln.", "Geboortedatum (dd/mm/jjjj)",
                 "Geslacht (M/V)", "INSZ-nr", "Klas", "Adres", "Postcode", "Gemeente",
                 "Naam moeder", "E-mail moeder", "GSM moeder", "Naam vader", "GSM vader",
                 "E-mail vader"]


def school_row(first, last, birth: date, number, *, mother=("", "", ""),
               father=("", "", "")) -> list[str]:
    return ["20251234", last, first, birth.strftime("%d/%m/%Y"), "V", number, "5BOU",
            "Kerkstraat 1", "9000", "Gent", mother[0], mother[1], mother[2], father[0],
            father[2], father[1]]


def test_a_school_export_imports_extra_columns_used_or_listed_as_ignored(client, world,
                                                                           session):
    rows = [
        school_row("Emma", "Peeters", MINOR, factories.insz(MINOR, 2),
                   mother=("An Peeters", "an@example.com", "0470 11 11 11")),
        # No mother given: the father is the guardian.
        school_row("Lina", "Janssens", MINOR, factories.insz(MINOR, 4),
                   father=("Tom Janssens", "tom@example.com", "0470 22 22 22")),
    ]
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes(rows, headers=SCHOOL_EXPORT), "export.csv")
    body = dry_run.get_data(as_text=True)
    assert dry_run.status_code == 200 and "Het bestand is in orde" in body, body
    # The school's own number has no place in the model: listed, and not used.
    assert column_status(body)["Leerlingnummer"] == "niet herkend"
    assert "wordt niet gebruikt" in body
    assert "kolommen voor 2 ouders" in body
    assert confirm(client, dry_run).status_code == 302
    imported = learners(session, world.school_a)
    emma, lina = imported["Peeters"], imported["Janssens"]
    assert (emma.first_name, emma.class_group, emma.street, emma.guardian_name,
            emma.guardian_email, emma.guardian_phone) == (
        "Emma", "5BOU", "Kerkstraat 1", "An Peeters", "an@example.com", "0470 11 11 11")
    assert (lina.guardian_name, lina.guardian_email, lina.guardian_phone) == (
        "Tom Janssens", "tom@example.com", "0470 22 22 22")


def test_plan_lists_the_ignored_columns_as_the_file_names_them(world, session):
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="e.csv",
        data=csv_bytes([school_row("Emma", "Peeters", MINOR, factories.insz(MINOR, 2),
                                   mother=("An", "an@example.com", ""))],
                       headers=SCHOOL_EXPORT),
        today=TODAY)
    assert plan.ok, plan.problems
    assert plan.ignored == ["Leerlingnummer"]
    assert ("INSZ-nr", "Rijksregisternummer") in plan.columns


def test_xlsx_with_real_date_cells_and_a_serial_number_imports(client, world, session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Naam", "Voornaam", "Geb.datum", "Geslacht", "INSZ-nr", "Naam ouder",
                  "E-mail ouder"])
    sheet.append(["Claes", "Lotte", datetime(MINOR.year, MINOR.month, MINOR.day), "V",
                  factories.insz(MINOR, 4), "Mieke Claes", "mieke@example.com"])
    sheet.append(["Wouters", "Noah", MINOR, "M", factories.insz(MINOR, 3), "Bart Wouters",
                  "bart@example.com"])
    sheet.cell(row=3, column=3).number_format = "DD/MM/YYYY"
    # Excel's day number, in a cell with a date format and in a plain number cell.
    serial = (MINOR - date(1899, 12, 30)).days
    sheet.append(["Maes", "Sara", serial, "V", factories.insz(MINOR, 6), "Ine Maes",
                  "ine@example.com"])
    sheet.cell(row=4, column=3).number_format = "DD/MM/YYYY"
    sheet.append(["Smets", "Lien", serial, "V", factories.insz(MINOR, 8), "Jan Smets",
                  "jan@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, world.coordinator_a)
    dry_run = upload(client, buffer.getvalue(), "export.xlsx")
    body = dry_run.get_data(as_text=True)
    assert "Het bestand is in orde" in body, body
    assert confirm(client, dry_run).status_code == 302
    imported = learners(session, world.school_a)
    assert {imported[name].birth_date for name in ("Claes", "Wouters", "Maes", "Smets")} == {
        MINOR}


def test_a_name_that_lost_a_letter_is_a_warning_and_the_import_goes_through(client, world,
                                                                            session):
    rows = [row("Ay?e", "Yilmaz", MINOR, "V", factories.insz(MINOR, 2)),
            row("Emma", "G\ufffdnes", MINOR, "V", factories.insz(MINOR, 4)),
            row("Lotte", "Claes", MINOR, "V", factories.insz(MINOR, 6))]
    plan = importing.plan_import(session, actor=world.coordinator_a, school=world.school_a,
                                 filename="a.csv", data=csv_bytes(rows), today=TODAY)
    assert plan.ok
    # The guardian's name in the example row is "Ouder <last name>": it lost the letter too.
    assert [(w.line, w.column) for w in plan.warnings] == [
        (2, "A (voornaam)"), (3, "B (achternaam)"), (3, "M (ouder_naam)")]
    assert "Ay?e" in plan.warnings[0].message
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes(rows))
    body = dry_run.get_data(as_text=True)
    assert "Het bestand is in orde" in body and "df-warnings" in body and "Ay?e" in body
    assert confirm(client, dry_run).status_code == 302
    assert {"Yilmaz", "G\ufffdnes", "Claes"} <= set(learners(session, world.school_a))


def test_problems_name_the_column_as_the_file_does_and_nothing_is_written(client, world,
                                                                           session):
    headers = ["Naam lln.", "Voornaam lln.", "Geboortedatum (dd/mm/jjjj)", "Geslacht",
               "INSZ-nr", "Naam moeder", "E-mail moeder"]
    good = ["Peeters", "Emma", MINOR.strftime("%d/%m/%Y"), "V", factories.insz(MINOR, 2),
            "An", "an@example.com"]
    bad = ["Claes", "Lotte", "31/02/2009", "V", "", "Mieke", "mieke@example.com"]
    before = set(learners(session, world.school_a))
    login(client, world.coordinator_a)
    dry_run = upload(client, csv_bytes([good, bad], headers=headers))
    found = problems_of(dry_run.get_data(as_text=True))
    assert [(line, column) for line, column, _message in found] == [
        (3, "C (Geboortedatum (dd/mm/jjjj))")]
    problem_list = dry_run.get_data(as_text=True).split("df-problems", 1)[1].split("</table>")[0]
    assert "birth_date" not in problem_list
    assert "Het bestand is in orde" not in dry_run.get_data(as_text=True)
    assert confirm_is_absent(dry_run)
    assert set(learners(session, world.school_a)) == before


def confirm_is_absent(dry_run) -> bool:
    return CONFIRM_FORM not in dry_run.get_data(as_text=True)


def test_a_missing_guardian_names_the_files_guardian_column(world, session):
    headers = ["Naam", "Voornaam", "Geboortedatum", "Geslacht", "INSZ", "Naam moeder",
               "E-mail moeder"]
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="a.csv",
        data=csv_bytes([["Peeters", "Emma", MINOR.strftime("%d/%m/%Y"), "V",
                         factories.insz(MINOR, 2), "", ""]], headers=headers),
        today=TODAY)
    assert not plan.ok
    assert all("guardian" not in p.column and "guardian" not in p.message
               for p in plan.problems)
    assert {p.column for p in plan.problems} <= {"F (Naam moeder)", "G (E-mail moeder)"}


def test_the_template_headers_still_map_to_themselves():
    assert [importing.field_for_header(header) for header in HEADERS] == [
        column.field for column in importing.COLUMNS]


def test_street_house_number_and_box_in_separate_columns_make_one_address(world, session):
    headers = ["Naam", "Voornaam", "Geboortedatum", "Geslacht", "Straat", "Huisnr.", "Bus",
               "Postcode", "Gemeente"]
    adult = factories.years_ago(30, 7, 30)
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="a.csv",
        data=csv_bytes([["Claes", "Lotte", adult.strftime("%d/%m/%Y"), "V", "Kerkstraat",
                         "12", "3", "9000", "Gent"],
                        ["Wouters", "Noah", adult.strftime("%d/%m/%Y"), "M", "Dorp",
                         "1A", "", "9300", "Aalst"]], headers=headers),
        today=TODAY)
    assert plan.ok, plan.problems
    assert [row.values["street"] for row in plan.rows] == ["Kerkstraat 12 bus 3", "Dorp 1A"]
    assert plan.ignored == []
    assert ("Huisnr.", "Huisnummer") in plan.columns


@pytest.mark.parametrize(("field", "header"), [
    ("house_number", header) for header in
    ["Huisnummer", "Huisnr", "Huisnr.", "Hnr", "Huis nr.", "Nr. huis", "HUISNUMMER",
     "Huisnummer lln.", "Huis-nr", "Huisnummer (zonder bus)", "House number"]] + [
    ("box", header) for header in
    ["Bus", "Busnummer", "Busnr", "Bus nr", "BUS", "Bus lln.", "Bus (optioneel)", "Bus-nr.",
     "Busnummer leerling", "Boîte", "Bte", "Bus:"]])
def test_house_number_and_box_headers(field, header):
    assert importing.field_for_header(header) == field


def test_two_differently_named_columns_for_one_field_take_the_first_filled(world, session):
    headers = ["Naam", "Voornaam", "Geboortedatum", "Geslacht", "Telefoon", "GSM"]
    adult = factories.years_ago(30, 7, 30).strftime("%d/%m/%Y")
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="a.csv",
        data=csv_bytes([["Claes", "Lotte", adult, "V", "09 123 45 67", "0470 11 11 11"],
                        ["Wouters", "Noah", adult, "M", "", "0470 22 22 22"]],
                       headers=headers),
        today=TODAY)
    assert plan.ok, plan.problems
    assert [row.values["phone"] for row in plan.rows] == ["09 123 45 67", "0470 22 22 22"]
    assert ("GSM", "Telefoon") in plan.columns
    assert plan.shared == ["Telefoon"]


def test_the_same_header_twice_is_still_a_problem(world, session):
    plan = importing.plan_import(
        session, actor=world.coordinator_a, school=world.school_a, filename="a.csv",
        data=csv_bytes([["Claes", "Claes2"]], headers=["Naam lln.", "naam"]), today=TODAY)
    assert [p.column for p in plan.problems][:1] == ["B (naam)"]
