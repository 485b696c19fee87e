"""Importing learners from CSV or XLSX: read, check every row, then write all rows or none.

Reading and checking are pure functions of the file; `plan_import` adds what the database
knows (who exists already) and `import_learners` applies a plan without a single problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dualflow import audit, exports, policy
from dualflow.accounts.models import User
from dualflow.catalog.models import School
from dualflow.errors import DomainError, NotAllowed
from dualflow.learners import services
from dualflow.learners.models import ImportColumnMapping, Learner
from dualflow.modelbase import Role, utcnow

MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX is a zip file: refuse one that would unpack to more than this (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 80 * 1024 * 1024
# In an XLSX, this many empty rows in a row end the data (formatting can reach row 1048576).
MAX_BLANK_RUN = 1000
EXTENSIONS = ("csv", "xlsx")
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Column:
    """A column of the import file: the learner field, the template's header and aliases."""

    field: str
    header: str
    label: Any
    aliases: tuple[str, ...] = ()


# Aliases are compared after `header_key`: case, accents, punctuation, units in brackets,
# abbreviations (nr, geb., tel.) and the learner's own marker (lln., leerling) do not count.
COLUMNS: tuple[Column, ...] = (
    Column("first_name", "voornaam", _l("Voornaam"),
           ("voornamen", "roepnaam", "eerste voornaam", "first name", "firstname", "given name",
            "prenom")),
    Column("last_name", "achternaam", _l("Familienaam"),
           ("familienaam", "naam", "fam naam", "famnaam", "last name", "lastname", "surname",
            "family name", "nom", "nom de famille")),
    Column("birth_date", "geboortedatum", _l("Geboortedatum"),
           ("geboorte datum", "geb datum", "geb dat", "geboren", "geboren op", "datum geboorte",
            "geboortedag", "birth date", "birthdate", "date of birth", "dob",
            "date de naissance")),
    Column("gender", "geslacht", _l("Geslacht"),
           ("gender", "sex", "sexe", "m v", "v m", "m v x", "jongen meisje")),
    Column("national_number", "rijksregisternummer", _l("Rijksregisternummer"),
           ("rijksregister", "rijksreg nr", "rrn", "rr nr", "rr nummer", "insz", "insz nr",
            "inszn", "bis", "bisnummer", "bis nr", "nationaal nummer", "nat nr", "nat nummer",
            "national number", "niss", "numero national", "numero de registre national",
            "identificatienummer sociale zekerheid")),
    Column("email", "e-mail", _l("E-mailadres"),
           ("email", "mail", "e-mailadres", "emailadres", "e-mail adres", "mailadres",
            "email address", "courriel", "adresse email")),
    Column("phone", "telefoon", _l("Telefoon"),
           ("telefoonnummer", "tel", "tel nr", "gsm", "gsm nr", "gsm nummer", "mobiel",
            "mobiel nummer", "mobile", "phone", "telephone")),
    Column("street", "straat", _l("Straat en nummer"),
           ("straat en nummer", "straat nr", "straat en huisnummer", "straatnaam", "adres",
            "woonadres", "domicilieadres", "domicilie adres", "street", "address", "rue",
            "adresse")),
    Column("postcode", "postcode", _l("Postcode"),
           ("post code", "postnummer", "pc", "zip", "zip code", "code postal")),
    Column("municipality", "gemeente", _l("Gemeente"),
           ("woonplaats", "stad", "plaats", "deelgemeente", "municipality", "city", "commune",
            "localite")),
    Column("language", "taal", _l("Taal"),
           ("communicatietaal", "contacttaal", "language", "langue")),
    Column("class_group", "klas", _l("Klas"),
           ("klasgroep", "klas groep", "klascode", "klasnaam", "administratieve groep",
            "class", "class group", "classe")),
    # A guardian column is any header with a word for a parent in it (ouder 1, moeder, voogd…);
    # what is left of the header says which of these three it is.
    Column("guardian_name", "ouder_naam", _l("Ouder of voogd"),
           ("", "naam", "volledige naam", "naam voornaam", "voornaam naam", "name", "nom")),
    Column("guardian_email", "ouder_email", _l("E-mailadres ouder"),
           ("email", "mail", "e-mailadres", "emailadres", "e-mail adres", "mailadres",
            "courriel")),
    Column("guardian_phone", "ouder_telefoon", _l("Telefoon ouder"),
           ("telefoon", "telefoonnummer", "tel", "tel nr", "gsm", "gsm nr", "gsm nummer",
            "mobiel", "phone", "telephone")),
)
GUARDIAN_FIELDS = ("guardian_name", "guardian_email", "guardian_phone")
# Parts of the address some exports keep in columns of their own: they join the street.
ADDRESS_PARTS: tuple[Column, ...] = (
    Column("house_number", "huisnummer", _l("Huisnummer"),
           ("huisnr", "hnr", "huis nr", "huis nummer", "nr huis")),
    Column("box", "bus", _l("Bus"), ("busnummer", "busnr", "bus nr", "boite", "bte")),
)
BY_FIELD = {column.field: column for column in (*COLUMNS, *ADDRESS_PARTS)}
# A file names its learners either by national number or by name and birth date.
IDENTIFYING = ("first_name", "last_name", "birth_date")

_GENDERS = {
    "F": ("f", "v", "vrouw", "vrouwelijk", "meisje", "female", "woman", "feminin", "femme"),
    "M": ("m", "man", "mannelijk", "jongen", "male", "masculin", "h", "homme"),
    "X": ("x", "andere", "anders", "other", "autre", "neutraal"),
}
_LANGUAGES = {
    "nl": ("nl", "nederlands", "dutch", "vlaams", "neerlandais", "nl be", "nl-be"),
    "fr": ("fr", "frans", "french", "francais", "fr be", "fr-be"),
}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")


def _key(text: Any) -> str:
    """Lower case, accents off, every run of other characters one space: 'E-mail' -> 'e mail'."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join("".join(char if char.isalnum() else " " for char in plain).split())


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LETTERS_DIGITS = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
# Short forms schools use in headers, written out.
_WORDS = {"nr": "nummer", "no": "nummer", "num": "nummer", "geb": "geboorte",
          "tel": "telefoon", "telnr": "telefoonnummer", "gsmnr": "gsmnummer", "ouders": "ouder"}
# Words that say the column is about the learner: the learner is the default, so they go.
_LEARNER_WORDS = frozenset({"lln", "ll", "lll", "leerling", "leerlingen", "lrl", "lerende",
                            "cursist", "student", "eleve"})
_FILLER_WORDS = frozenset({"en", "and", "et", "van", "de", "het", "du", "of"})
_GUARDIAN_WORDS = frozenset({"ouder", "moeder", "vader", "voogd", "mama", "papa", "guardian",
                             "parent", "mother", "father", "tuteur", "mere", "pere",
                             "verantwoordelijke"})


def _header_words(text: Any) -> list[str]:
    """The words of a header: lower case, no accents, no units in brackets, short forms out."""
    plain = _key(_BRACKETS.sub(" ", str(text or "")))
    words = []
    for word in _LETTERS_DIGITS.sub(" ", plain).split():
        word = _WORDS.get(word, word)
        if len(word) > 2 and word.endswith("nr"):
            word = word[:-2] + "nummer"  # rijksregisternr, insznr
        words.append(word)
    return words


def header_key(text: Any) -> str:
    """A header reduced to what identifies it: 'Geb.datum (dd/mm/jjjj)' -> 'geboortedatum'."""
    return "".join(word for word in _header_words(text)
                   if word not in _LEARNER_WORDS and word not in _FILLER_WORDS)


_ALIASES = {header_key(name): column.field
            for column in (*COLUMNS, *ADDRESS_PARTS) if column.field not in GUARDIAN_FIELDS
            for name in (column.header, column.field, *column.aliases)}
_GUARDIAN_ALIASES = {header_key(name): column.field
                     for column in COLUMNS if column.field in GUARDIAN_FIELDS
                     for name in column.aliases}


def _guardian_of(words: list[str]) -> str:
    """Which parent a header's words are about ('ouder1', 'moeder'); '' for none."""
    guardian = [word for word in words if word in _GUARDIAN_WORDS]
    if not guardian:
        return ""
    return guardian[0] + "".join(word for word in words if word.isdigit())


def _read_header(text: Any) -> tuple[str | None, str]:
    """The field a header names and, for a guardian, which one ('ouder1', 'moeder')."""
    words = _header_words(text)
    which = _guardian_of(words)
    if not which:
        return _ALIASES.get(header_key(text)), ""
    rest = [word for word in words if word not in _GUARDIAN_WORDS and not word.isdigit()]
    return _GUARDIAN_ALIASES.get(header_key(" ".join(rest))), which


def field_for_header(text: Any) -> str | None:
    """The learner field a column header names, or None when it names none."""
    return _read_header(text)[0]


def mapping_key(text: Any) -> str:
    """How a school's choice for a column is remembered: the header as the import normalises
    it ('Dag van geboorte' -> 'dagvangeboorte'), so 'DAG VAN GEBOORTE:' finds it too."""
    return (header_key(text) or _key(text).replace(" ", ""))[:200]


# What a column can be mapped to on the dry-run screen: every field the import knows.
MAPPABLE: tuple[Column, ...] = (*COLUMNS, *ADDRESS_PARTS)
# The same, grouped as the mapping form offers them: (group, ((field, label), ...)).
MAPPING_GROUPS: tuple[tuple[Any, tuple[tuple[str, Any], ...]], ...] = (
    (_l("Lerende"), tuple((name, BY_FIELD[name].label) for name in (
        "first_name", "last_name", "birth_date", "gender", "national_number", "email",
        "phone", "language", "class_group"))),
    (_l("Adres"), tuple((name, BY_FIELD[name].label) for name in (
        "street", "house_number", "box", "postcode", "municipality"))),
    (_l("Ouder of voogd"), (("guardian_name", _l("Naam ouder of voogd")),
                            ("guardian_email", _l("E-mailadres ouder of voogd")),
                            ("guardian_phone", _l("Telefoon ouder of voogd")))),
)
MAPPING_LABELS = {name: label for _group, options in MAPPING_GROUPS for name, label in options}
# The choice "do not use this column" in the mapping form; remembered as "".
IGNORE = "skip"


_GENDER_KEYS = {_key(word): code for code, words in _GENDERS.items() for word in words}
_LANGUAGE_KEYS = {_key(word): code for code, words in _LANGUAGES.items() for word in words}


class ImportFileError(DomainError):
    """The upload cannot be read as a learner file at all."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass
class Problem:
    """One problem in the file: its line, its column (letter and header) and what is wrong."""

    line: int
    column: str
    message: str
    # The column's position (0 = A), to list a line's problems from left to right.
    position: int = -1
    # Whether a choice for the column (on the dry-run screen, or remembered) is refused.
    choice: bool = False


@dataclass
class Table:
    """The cells of an upload: the header row and each data row with its line number."""

    headers: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]]
    description: str


@dataclass
class PlannedRow:
    """What importing one line will do: create, update or leave a learner unchanged."""

    line: int
    action: str
    values: dict[str, Any]
    learner: Learner | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """First and last name after the import."""
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()

    @property
    def masked_number(self) -> str:
        """The national number after the import, masked."""
        return services.mask_national_number(self.values.get("national_number"))

    @property
    def changed_labels(self) -> list[str]:
        """The labels of the fields an update changes."""
        return [str(BY_FIELD[name].label) for name in self.changes]


@dataclass
class ImportPlan:
    """The result of checking a file: what would happen, and every problem found."""

    filename: str
    description: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What the coordinator should look at but does not stop the import (a lost letter).
    warnings: list[Problem] = field(default_factory=list)
    lines: int = 0
    # For how many parents the file has columns (ouder 1, ouder 2; moeder, vader).
    guardians: int = 0
    # Fields the file has more than one column for (Telefoon and GSM).
    shared: list[str] = field(default_factory=list)
    # Every column of the file with what it is read as and why (for the mapping form).
    headers: list[HeaderChoice] = field(default_factory=list)
    # Columns a choice maps to a field another column already holds.
    refused: list[str] = field(default_factory=list)

    @property
    def unrecognised(self) -> list[HeaderChoice]:
        """The columns nobody recognised or chose anything for."""
        return [column for column in self.headers if column.source is None]

    @property
    def remembered(self) -> list[HeaderChoice]:
        """The columns read by a choice of the school rather than by their name."""
        return [column for column in self.headers if column.source in ("remembered", "chosen")]

    def column_choices(self) -> dict[str, str]:
        """The choices this plan was made with (normalised header -> field, "" to ignore): the
        import carries them, so it reads the file as the dry run showed it."""
        return {column.key: column.field or "" for column in self.remembered}

    @property
    def ok(self) -> bool:
        """Whether the file can be imported as it is."""
        return not self.problems and bool(self.rows)

    def count(self, action: str) -> int:
        """How many rows would `action` ('create', 'update', 'unchanged')."""
        return sum(1 for row in self.rows if row.action == action)

    @property
    def bad_lines(self) -> int:
        """How many different lines have at least one problem."""
        return len({problem.line for problem in self.problems if problem.line})


class ImportRefused(DomainError):
    """The file has problems; nothing was written. `plan` lists them."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(_("Het bestand bevat fouten; er werd niets geïmporteerd."), field="file")
        self.plan = plan


# --- reading the file ---------------------------------------------------------------------

def file_kind(filename: str) -> str:
    """'csv' or 'xlsx' from the file name; anything else is refused."""
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx)."))
    return extension


def read_table(filename: str, data: bytes) -> Table:
    """The header and rows of an uploaded CSV or XLSX file, or ImportFileError."""
    kind = file_kind(filename)
    if not data:
        raise ImportFileError(_("Het bestand is leeg."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("Het bestand is groter dan %(mb)d MB; splits het op.",
                                mb=MAX_FILE_BYTES // (1024 * 1024)))
    table = _read_xlsx(data) if kind == "xlsx" else _read_csv(data)
    if len(table.headers) > MAX_COLUMNS:
        raise ImportFileError(_("Het bestand heeft meer dan %(n)d kolommen.", n=MAX_COLUMNS))
    return table


def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("Dit is een Excel-bestand: geef het de extensie .xlsx, of "
                                "bewaar het in Excel als CSV."))
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 (BOM)"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "UTF-16"
    except UnicodeDecodeError:
        raise ImportFileError(_("De tekens in dit bestand kunnen niet gelezen worden.")) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("De tekens in dit bestand kunnen niet gelezen worden. Bewaar het als CSV (UTF-8) "
              "of als Excel-bestand.")
        ) from None


def sniff_delimiter(text: str) -> str:
    """`;` or `,` (or tab), whichever the header line holds most of; `;` on a tie."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ";"))
    return best if counts[best] else ";"


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("Dit is geen tekstbestand; kies een CSV- of Excel-bestand."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[Any]]] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise ImportFileError(
                _("Regel %(line)d kan niet gelezen worden (een aanhalingsteken niet gesloten, "
                  "of een cel te lang).", line=line)
            ) from None
        if not any(cell.strip() for cell in cells):
            continue
        if headers is None:
            headers, header_line = cells, line
            continue
        rows.append((line, cells))
        if len(rows) > MAX_ROWS:
            raise _too_many_rows()
    if headers is None:
        raise ImportFileError(_("Het bestand is leeg."))
    names = {";": _("puntkomma"), ",": _("komma"), "\t": _("tab")}
    return Table(headers=headers, header_line=header_line, rows=rows,
                 description=_("CSV, %(delimiter)s, %(encoding)s",
                               delimiter=names[delimiter], encoding=encoding))


def _too_many_rows() -> ImportFileError:
    return ImportFileError(_("Het bestand bevat meer dan %(n)d lerenden; splits het op in "
                             "kleinere bestanden.", n=MAX_ROWS))


def _read_xlsx(data: bytes) -> Table:
    not_excel = _("Dit bestand kan niet gelezen worden als Excel-bestand (.xlsx).")
    buffer = io.BytesIO(data)
    try:
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(not_excel) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(_("Dit Excel-bestand is uitgepakt te groot; bewaar alleen de "
                                "lerenden in een nieuw bestand."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # read_only streams the sheet; data_only=False keeps formulas as text, never runs them.
            workbook = load_workbook(buffer, read_only=True, data_only=False)
    except Exception:
        raise ImportFileError(not_excel) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(not_excel)
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[Any]]] = []
        blank_run = 0
        for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True),
                                      start=1):
            cells = list(values)
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()
            if not any(_filled(cell) for cell in cells):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if headers is None:
                headers = ["" if cell is None else str(cell) for cell in cells]
                header_line = line
                continue
            rows.append((line, cells))
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(not_excel) from None
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError(_("Het eerste werkblad van dit Excel-bestand is leeg."))
    return Table(headers=headers, header_line=header_line, rows=rows,
                 description=_("Excel (%(sheet)s)", sheet=sheet.title))


def _filled(cell: Any) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


# --- checking the cells -------------------------------------------------------------------

def column_label(index: int, header: str) -> str:
    """How a problem names its column: letter and header, for example C (geboortedatum)."""
    return f"{get_column_letter(index + 1)} ({header.strip()})"


@dataclass
class HeaderMap:
    """Which column holds which field; guardians may come in several (ouder 1, ouder 2…)."""

    fields: dict[str, int]
    # Each guardian's columns in the file's order; the first one with a filled cell counts.
    guardians: list[dict[str, int]] = field(default_factory=list)

    # Further columns for a field under another name (Telefoon and GSM): used when the
    # first one is empty on a line.
    alternatives: dict[str, list[int]] = field(default_factory=dict)

    def for_cells(self, cells: list[Any]) -> dict[str, int]:
        """The columns to read for one line: the first filled one of a field's columns, and
        the first guardian the line gives anything for."""
        def filled(index: int) -> bool:
            return index < len(cells) and _filled(cells[index])

        columns = self.fields
        if self.alternatives:
            columns = dict(columns)
            for name, others in self.alternatives.items():
                if not filled(columns[name]):
                    columns[name] = next((index for index in others if filled(index)),
                                         columns[name])
        if len(self.guardians) > 1:
            for guardian in self.guardians:
                if any(filled(index) for index in guardian.values()):
                    return {**columns, **guardian}
        return columns

    def items(self) -> list[tuple[str, int]]:
        """Every recognised column as (field, index), in the file's order."""
        pairs = list(self.fields.items())
        for guardian in self.guardians[1:]:
            pairs.extend(guardian.items())
        for name, others in self.alternatives.items():
            pairs.extend((name, index) for index in others)
        return sorted(pairs, key=lambda pair: pair[1])


@dataclass
class HeaderChoice:
    """A column of the file as the dry-run screen shows it: what it is read as, and why."""

    index: int
    header: str
    # The field the column is read as; None when it is not used.
    field: str | None
    # "recognised" (by its name), "remembered" (the school's earlier choice), "chosen" (on
    # this screen, not remembered yet), or None: not recognised, nobody chose.
    source: str | None
    # The field the import recognises in the header by itself, if any.
    recognised: str | None = None
    # Why the choice for this column is refused, if it is.
    error: str = ""

    @property
    def key(self) -> str:
        """The header as a remembered choice names it."""
        return mapping_key(self.header)

    @property
    def label(self) -> str:
        """The column's letter and header, as problems name it."""
        return column_label(self.index, self.header)

    @property
    def choice(self) -> str:
        """The value of the column's select: a field, IGNORE, or '' (nobody chose yet)."""
        if self.field:
            return self.field
        return IGNORE if self.source else ""


def map_headers(table: Table, columns: dict[str, str] | None = None,
                chosen: dict[str, str] | None = None,
                ) -> tuple[HeaderMap, list[Problem], list[str], list[HeaderChoice]]:
    """Which column holds which field, header problems, the columns that are ignored, and
    every column with how it was recognised.

    `columns` are the school's remembered choices and `chosen` the ones made on the dry-run
    screen (normalised header -> field, "" to ignore); a choice beats the recognised name.
    """
    columns = columns or {}
    chosen = chosen or {}
    mapping: dict[str, int] = {}
    guardians: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    alternatives: dict[str, list[int]] = {}
    choices: list[HeaderChoice] = []
    # Columns mapped by a choice to another field than their name says: placed after the
    # recognised ones, so a field a recognised column holds is refused wherever it stands.
    placed_later: list[tuple[int, str]] = []

    def twice(index: int, first: int) -> None:
        problems.append(Problem(
            table.header_line, column_label(index, table.headers[index]),
            _("Deze kolom staat er twee keer in (ook kolom %(other)s).",
              other=column_label(first, table.headers[first])),
            index,
        ))

    for index, header in enumerate(table.headers):
        if not _key(header):
            continue
        recognised, which = _read_header(header)
        key = mapping_key(header)
        if key in chosen and chosen[key] != columns.get(key):
            name, source = chosen[key] or None, "chosen"
        elif key in columns:
            name, source = columns[key] or None, "remembered"
        else:
            name, source = recognised, "recognised" if recognised else None
        if name is not None and name == recognised:
            source = "recognised"
        choices.append(HeaderChoice(index, header.strip(), name, source, recognised))
        if name is None:
            ignored.append(header.strip())
        elif name != recognised:
            placed_later.append((index, name))
        elif which:
            guardian = guardians.setdefault(which, {})
            if name in guardian:
                twice(index, guardian[name])
            else:
                guardian[name] = index
        elif name in mapping and header_key(table.headers[mapping[name]]) == header_key(header):
            twice(index, mapping[name])
        elif name in mapping:
            alternatives.setdefault(name, []).append(index)
        else:
            mapping[name] = index
    for index, name in placed_later:
        if name in GUARDIAN_FIELDS:
            # A guardian column without a parent's word in it joins the file's first parent.
            which = _guardian_of(_header_words(table.headers[index]))
            group = (guardians.setdefault(which, {}) if which or not guardians
                     else next(iter(guardians.values())))
        else:
            group = mapping
        if name in group:
            message = _("Deze kolom kan geen ‘%(field)s’ zijn: kolom %(other)s is dat al. Kies "
                        "een ander veld of ‘negeren’.", field=MAPPING_LABELS[name],
                        other=column_label(group[name], table.headers[group[name]]))
            problems.append(Problem(table.header_line, column_label(index, table.headers[index]),
                                    message, index, choice=True))
            next(choice for choice in choices if choice.index == index).error = message
            continue
        group[name] = index
    if guardians:
        mapping.update(next(iter(guardians.values())))
    missing = [name for name in IDENTIFYING if name not in mapping]
    if missing and "national_number" not in mapping:
        if any(choice.source is None for choice in choices):
            # The file has columns nobody recognised: one of them may be it.
            message = _("De kolommen %(columns)s ontbreken. Staan ze onder een andere naam in "
                        "je bestand? Kies hieronder bij die kolom wat ze bevat en controleer "
                        "opnieuw.", columns=", ".join(str(BY_FIELD[name].label)
                                                      for name in missing))
        else:
            message = _("De kolommen %(columns)s ontbreken. De eerste regel moet de kolomnamen "
                        "bevatten; gebruik het sjabloon.",
                        columns=", ".join(BY_FIELD[name].header for name in missing))
        problems.append(Problem(table.header_line, "", message))
    return HeaderMap(mapping, list(guardians.values()), alternatives), problems, ignored, choices


def parse_date(raw: Any) -> date:
    """A date from a date cell, an Excel day number, or text as dd/mm/yyyy (or yyyy-mm-dd)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 110000:
        return from_excel(raw).date()
    text = str(raw).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DomainError(_("‘%(value)s’ is geen datum; schrijf ze als dd/mm/jjjj, bijvoorbeeld "
                        "01/05/2009.", value=text[:30]))


def _plain_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime | date):
        raise DomainError(_("Hier hoort tekst, geen datum."))
    return " ".join(str(raw).split())


def parse_cell(name: str, raw: Any) -> Any:
    """The value of one cell for field `name`; None when empty. Refuses formulas."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = " ".join(raw.split())
        if not text:
            return None
        if text.startswith("="):
            raise DomainError(_("Formules worden niet uitgevoerd: zet de waarde zelf in de cel."))
        if text.startswith("#") and (text.endswith(("!", "?")) or text == "#N/A"):
            raise DomainError(_("Deze cel bevat een Excel-fout (%(error)s).", error=text[:12]))
    if name == "birth_date":
        return parse_date(raw)
    if name == "national_number":
        return services.parse_national_number(raw)
    text = _plain_text(raw)
    if name == "gender":
        code = _GENDER_KEYS.get(_key(text))
        if code is None:
            raise DomainError(_("Het geslacht is V, M of X (niet ‘%(value)s’).", value=text[:20]))
        return code
    if name == "language":
        code = _LANGUAGE_KEYS.get(_key(text))
        if code is None:
            raise DomainError(_("De taal is nl of fr (niet ‘%(value)s’).", value=text[:20]))
        return code
    if name in ("email", "guardian_email"):
        return services.clean_email(text, field=name)
    return text


# Text a person's name or address is in; a letter lost to an encoding shows there.
_NAME_FIELDS = ("first_name", "last_name", "guardian_name", "street", "municipality")
# Excel writes '?' for a character the file's code page lacks; a decoder writes U+FFFD.
_LOST_LETTER = re.compile(r"\ufffd|(?<=\w)\?|\?(?=\w)")


@dataclass
class ParsedRow:
    """One data line: the values of its non-empty cells and the problems of those cells."""

    line: int
    values: dict[str, Any]
    problems: list[Problem]
    # Fields whose cell already has a problem (not checked again against the rules).
    failed: frozenset[str] = frozenset()
    # The column of each field on this line (a guardian may come from another column).
    columns: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def _join_address(values: dict[str, Any]) -> None:
    """Put a house number and box from columns of their own after the street."""
    number, box = values.pop("house_number", None), values.pop("box", None)
    if number or box:
        parts = [values.get("street", ""), number or "", _("bus %(box)s", box=box) if box else ""]
        values["street"] = " ".join(part for part in parts if part)


def parse_rows(table: Table, header_map: HeaderMap) -> list[ParsedRow]:
    """Every data row parsed cell by cell; every problem kept, none stops the others."""
    parsed = []
    width = len(table.headers)
    for line, cells in table.rows:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        warnings_: list[Problem] = []
        failed: set[str] = set()
        mapping = header_map.for_cells(cells)
        for name, index in mapping.items():
            raw = cells[index] if index < len(cells) else None
            label = column_label(index, table.headers[index])
            try:
                value = parse_cell(name, raw)
            except DomainError as error:
                problems.append(Problem(line, label, error.message, index))
                failed.add(name)
                continue
            if value is None:
                continue
            values[name] = value
            if name in _NAME_FIELDS and _LOST_LETTER.search(value):
                warnings_.append(Problem(
                    line, label,
                    _("In ‘%(value)s’ is een letter verloren gegaan: Excel schrijft ? voor een "
                      "teken dat de gekozen tekenset niet kent. Verbeter de naam na de import, "
                      "of bewaar het bestand als CSV UTF-8 of .xlsx en laad het opnieuw op.",
                      value=value[:60]),
                    index))
        _join_address(values)
        extra = [cell for cell in cells[width:] if _filled(cell)]
        if extra:
            problems.append(Problem(
                line, "",
                _("Deze regel heeft meer cellen dan er kolommen zijn. Staat er een "
                  "scheidingsteken (; of ,) in een waarde zonder aanhalingstekens?"),
            ))
        parsed.append(ParsedRow(line=line, values=values, problems=problems,
                                failed=frozenset(failed), columns=mapping,
                                warnings=sorted(warnings_, key=lambda item: item.position)))
    return parsed


# --- checking against the database --------------------------------------------------------

def _require_import(session: Session, actor: User, school: School) -> None:
    if not policy.can(actor, "learners.manage"):
        raise NotAllowed(_("Je mag geen lerenden importeren."))
    if actor.role == Role.COORDINATOR and school.id != actor.school_id:
        raise NotAllowed(_("Je kan alleen lerenden van je eigen school importeren."))


def _chunks(items: list[Any]):
    for start in range(0, len(items), _LOOKUP_CHUNK):
        yield items[start:start + _LOOKUP_CHUNK]


def _person_key(first: Any, last: Any, birth: Any) -> tuple[str, str, date] | None:
    if not (first and last and birth):
        return None
    return (_key(first), _key(last), birth)


def _existing(session: Session, school: School, rows: list[ParsedRow]):
    """Learners the file may mean: by national number (any school), by name and birth date."""
    numbers = sorted({row.values["national_number"] for row in rows
                      if row.values.get("national_number")})
    by_number: dict[str, Learner] = {}
    for chunk in _chunks(numbers):
        for learner in session.execute(
            select(Learner).where(Learner.national_number.in_(chunk))
        ).scalars():
            by_number[learner.national_number] = learner
    births = sorted({row.values["birth_date"] for row in rows if row.values.get("birth_date")})
    by_person: dict[tuple[str, str, date], list[Learner]] = {}
    for chunk in _chunks(births):
        for learner in session.execute(
            select(Learner).where(Learner.school_id == school.id,
                                  Learner.birth_date.in_(chunk),
                                  Learner.anonymised_at.is_(None))
        ).scalars():
            key = _person_key(learner.first_name, learner.last_name, learner.birth_date)
            by_person.setdefault(key, []).append(learner)
    return by_number, by_person


def _audit_numbers_out_of_sight(session: Session, actor: User, found: Iterable[Learner], *,
                                left: int) -> None:
    """Audit every number of the file that belongs to a learner `actor` may not see; refuse
    the whole file, naming none of them, when there are more than the day's limit allows."""
    found = list(found)
    visible: set[int] = set()
    for chunk in _chunks([learner.id for learner in found]):
        visible.update(session.execute(
            select(Learner.id).where(Learner.id.in_(chunk), policy.visible(actor, Learner))
        ).scalars())
    hidden = [learner for learner in found if learner.id not in visible]
    for learner in hidden:
        services.record_number_taken_elsewhere(session, actor=actor, learner=learner,
                                               via="import")
    if len(hidden) > left:
        raise services.too_many_lookups()


def _label_for(name: str, mapping: dict[str, int], table: Table) -> str:
    """The column a problem of `name` is in, as the file names it; the field when it has none."""
    if name in mapping:
        return column_label(mapping[name], table.headers[mapping[name]])
    return _("%(field)s (geen kolom)", field=BY_FIELD[name].label) if name in BY_FIELD else ""


def remembered_columns(session: Session, school: School) -> dict[str, str]:
    """The school's earlier choices for columns: normalised header -> field ("" to ignore)."""
    return dict(session.execute(
        select(ImportColumnMapping.header, ImportColumnMapping.field)
        .where(ImportColumnMapping.school_id == school.id)
    ).all())


def plan_import(session: Session, *, actor: User, school: School, filename: str, data: bytes,
                today: date, columns: dict[str, str] | None = None,
                chosen: dict[str, str] | None = None, table: Table | None = None) -> ImportPlan:
    """Check an upload completely and say what importing it would do; writes nothing.

    Columns are read by the school's remembered choices, or by `columns` when given (the
    choices a dry run showed), and by `chosen` (made on the dry-run screen) before those.
    """
    _require_import(session, actor, school)
    table = table or read_table(filename, data)
    if columns is None:
        columns = remembered_columns(session, school)
    header_map, problems, ignored, choices = map_headers(table, columns, chosen)
    plan = ImportPlan(
        filename=filename, description=table.description, ignored=ignored, problems=problems,
        headers=choices,
        refused=[problem.column for problem in problems if problem.choice],
        columns=[(table.headers[index].strip(), str(BY_FIELD[name].label))
                 for name, index in header_map.items()],
        guardians=len(header_map.guardians),
        shared=[str(BY_FIELD[name].label) for name in header_map.alternatives],
        lines=len(table.rows),
    )
    if any(not problem.column for problem in problems):
        return plan  # the columns themselves are wrong: the rows cannot be read
    if not table.rows:
        plan.problems.append(Problem(table.header_line, "",
                                     _("Het bestand bevat geen lerenden onder de kolomnamen.")))
        return plan
    rows = parse_rows(table, header_map)
    left = services.number_lookups_left(session, actor)
    if left <= 0 and any(row.values.get("national_number") for row in rows):
        raise services.too_many_lookups()
    by_number, by_person = _existing(session, school, rows)
    _audit_numbers_out_of_sight(session, actor, by_number.values(), left=left)
    seen_numbers: dict[str, int] = {}
    matched: dict[int, int] = {}
    for row in rows:
        row_problems = list(row.problems)
        skip = set(row.failed)
        mapping = row.columns
        plan.warnings.extend(row.warnings)

        def problem(name: str, message: str, row=row, skip=skip, row_problems=row_problems,
                    mapping=mapping):
            row_problems.append(Problem(row.line, _label_for(name, mapping, table), message,
                                        mapping.get(name, len(table.headers))))
            skip.add(name)

        number = row.values.get("national_number")
        learner: Learner | None = None
        if number:
            if number in seen_numbers:
                problem("national_number", _("Dit rijksregisternummer staat ook op regel "
                                             "%(line)d.", line=seen_numbers[number]))
            seen_numbers.setdefault(number, row.line)
            learner = by_number.get(number)
            if learner is not None and learner.school_id != school.id:
                problem("national_number", _("Dit rijksregisternummer hoort bij een lerende van "
                                             "een andere school."))
                learner = None
            elif learner is not None and learner.anonymised_at is not None:
                problem("national_number", _("Deze lerende is geanonimiseerd en kan niet meer "
                                             "bijgewerkt worden."))
                learner = None
        person = _person_key(row.values.get("first_name"), row.values.get("last_name"),
                             row.values.get("birth_date"))
        if learner is None and person and "national_number" not in skip:
            # Without a (known) national number: the one learner of the school with this name
            # and birth date, provided the file does not give it a different number.
            candidates = [candidate for candidate in by_person.get(person, [])
                          if not number or candidate.national_number is None]
            if len(candidates) == 1:
                learner = candidates[0]
        if learner is not None:
            if learner.id in matched:
                problem("national_number" if number else "last_name",
                        _("Deze lerende staat ook op regel %(line)d.", line=matched[learner.id]))
            matched.setdefault(learner.id, row.line)
        values = services.all_values(learner) | row.values
        for name, message in services.learner_problems(values, today=today,
                                                       skip=frozenset(skip)):
            problem(name, message)
        if row_problems:
            plan.problems.extend(row_problems)
            continue
        if learner is None:
            plan.rows.append(PlannedRow(row.line, "create", values))
            continue
        changes = {name: [getattr(learner, name), value] for name, value in values.items()
                   if name in BY_FIELD and getattr(learner, name) != value}
        plan.rows.append(PlannedRow(row.line, "update" if changes else "unchanged", values,
                                    learner=learner, changes=changes))
    plan.problems.sort(key=lambda item: (item.line, item.position))
    return plan


def check_with_columns(session: Session, *, actor: User, school: School, filename: str,
                       data: bytes, today: date, choices: dict[int, str]) -> ImportPlan:
    """Check the file again with the coordinator's choice per column (position -> field,
    IGNORE, or "" for no choice) and remember the choices for the school's next file, unless
    one is refused (then nothing is remembered). Learners are not written."""
    _require_import(session, actor, school)
    table = read_table(filename, data)
    allowed = {column.field for column in MAPPABLE}
    chosen: dict[str, str] = {}
    headers: dict[str, str] = {}
    for index, value in sorted(choices.items()):
        if value and value != IGNORE and value not in allowed:
            raise DomainError(_("Kies voor elke kolom een veld uit de lijst, of ‘negeren’."))
        if not value or not 0 <= index < len(table.headers) or not _key(table.headers[index]):
            continue
        # Two columns with one name are one choice (the first); the file has them twice.
        key = mapping_key(table.headers[index])
        chosen.setdefault(key, "" if value == IGNORE else value)
        headers.setdefault(key, table.headers[index].strip())
    plan = plan_import(session, actor=actor, school=school, filename=filename, data=data,
                       today=today, chosen=chosen, table=table)
    if plan.refused:
        return plan
    remember_columns(session, actor=actor, school=school, chosen=chosen, headers=headers)
    for column in plan.headers:
        if column.source == "chosen":
            column.source = "remembered"
    return plan


def remember_columns(session: Session, *, actor: User, school: School,
                     chosen: dict[str, str], headers: dict[str, str]) -> dict[str, list[Any]]:
    """Store the school's choices (normalised header -> field, "" to ignore), audited; a
    choice that says what the header's name says already is forgotten instead."""
    _require_import(session, actor, school)
    existing = {item.header: item for item in session.execute(
        select(ImportColumnMapping).where(ImportColumnMapping.school_id == school.id,
                                          ImportColumnMapping.header.in_(list(chosen)))
    ).scalars()} if chosen else {}
    changes: dict[str, list[Any]] = {}
    try:
        with session.begin_nested():
            for key, name in chosen.items():
                header = headers.get(key, key)
                current = existing.get(key)
                recognised = field_for_header(header)
                if recognised is not None and name == recognised:
                    if current is not None:
                        changes[header] = [current.field, None]
                        session.delete(current)
                elif current is None:
                    session.add(ImportColumnMapping(school_id=school.id, header=key, field=name,
                                                    updated_by_id=actor.id))
                    changes[header] = [None, name]
                elif current.field != name:
                    changes[header] = [current.field, name]
                    current.field, current.updated_by_id = name, actor.id
                    current.updated_at = utcnow()
            session.flush()
    except IntegrityError:
        # A colleague of the same school saved a choice for one of these columns just now.
        raise DomainError(_("Iemand van je school heeft zopas een keuze voor deze kolommen "
                            "bewaard. Laad het bestand opnieuw op en kijk de kolommen na.")
                          ) from None
    if changes:
        audit.record(session, actor=actor, action="learners.import_columns",
                     entity_type="schools", entity_id=school.id, changes=changes)
        session.flush()
    return changes


# --- applying -----------------------------------------------------------------------------

def import_learners(session: Session, *, actor: User, school: School, filename: str,
                    data: bytes, today: date, columns: dict[str, str] | None = None
                    ) -> ImportPlan:
    """Check the file again and write every row, or refuse (ImportRefused) and write nothing.

    `columns`: the column choices the dry run showed (`ImportPlan.column_choices`); without
    them the school's remembered choices apply."""
    plan = plan_import(session, actor=actor, school=school, filename=filename, data=data,
                       today=today, columns=columns)
    if not plan.ok:
        raise ImportRefused(plan)
    created: list[Learner] = []
    updated: list[tuple[Learner, dict[str, Any]]] = []
    for row in plan.rows:
        if row.action == "create":
            learner = Learner(school_id=school.id, **row.values)
            session.add(learner)
            created.append(learner)
        elif row.action == "update" and row.learner is not None:
            before = audit.snapshot(row.learner)
            for name, (_old, new) in row.changes.items():
                setattr(row.learner, name, new)
            updated.append((row.learner, before))
    session.flush()
    for learner in created:
        audit.record(session, actor=actor, action="learner.created", entity_type="learners",
                     entity_id=learner.id,
                     changes={**services.audit_snapshot(learner), "import": filename})
    for learner, before in updated:
        audit.record(session, actor=actor, action="learner.updated", entity_type="learners",
                     entity_id=learner.id,
                     changes={**services.audit_changes(before, learner), "import": filename})
    audit.record(session, actor=actor, action="learners.imported", entity_type="schools",
                 entity_id=school.id,
                 changes={"file": filename, "format": plan.description, "rows": len(plan.rows),
                          "created": len(created), "updated": len(updated),
                          "unchanged": plan.count("unchanged")})
    session.flush()
    return plan


# --- the template -------------------------------------------------------------------------

def _example() -> list[Any]:
    """One example learner (a minor, so with a guardian); the number is valid and fictitious."""
    return ["Emma", "Peeters", "01/05/2009", "V", "09.05.01-002.27",
            "emma.peeters@example.com", "0470 12 34 56", "Kerkstraat 1", "9000", "Gent", "nl",
            "5BOU", "An Peeters", "an.peeters@example.com", "0470 65 43 21"]


def template_csv() -> bytes:
    """The import template as CSV for Belgian Excel: `;`, UTF-8 with BOM, one example row."""
    return exports.csv_bytes([column.header for column in COLUMNS], [_example()])


def template_xlsx() -> bytes:
    """The import template as XLSX: headers in bold, one example row, text columns as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Lerenden"
    sheet.append([column.header for column in COLUMNS])
    example = _example()
    example[2] = date(2009, 5, 1)
    sheet.append(example)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        for row in range(2, 501):
            # Text format keeps leading zeros of national numbers, postcodes and phones.
            sheet.cell(row=row, column=index).number_format = (
                "DD/MM/YYYY" if column.field == "birth_date" else "@")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
