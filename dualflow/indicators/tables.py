"""The indicators as tables: one structure the page, the PDF and the CSV/XLSX exports all read.

A table is a title, typed columns and rows of plain values (None: not known or not meaningful);
formatting happens where it is shown, so the exports carry numbers, not text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from dualflow.catalog.forms import LEVEL_LABELS, TRACK_LABELS
from dualflow.i18n import format_date, school_year_label
from dualflow.indicators.services import Indicators, StemCounts, StemGroup
from dualflow.indicators.targets import GroupTarget

TEXT, COUNT, PERCENT, DAYS, POINTS = "text", "count", "percent", "days", "points"


@dataclass(frozen=True)
class Column:
    """A column: its key in exports, its heading and the kind of value it holds."""

    key: str
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    """A row of values; `strong` marks totals, `muted` reference values and targets."""

    values: tuple[Any, ...]
    strong: bool = False
    muted: bool = False


@dataclass
class Table:
    """A titled table with typed columns."""

    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def add(self, *values: Any, strong: bool = False, muted: bool = False) -> None:
        """Append a row (one value per column)."""
        if len(values) != len(self.columns):
            raise ValueError(f"{self.key}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(Row(tuple(values), strong=strong, muted=muted))


# The keys of the tables, in page order (the export URLs accept exactly these).
TABLE_KEYS = ("stem", "stem_trend", "dual", "workplaces", "lead_time", "recognition_trend",
              "timeliness", "flow")


def _percent_sign() -> str:
    # French sets a (narrow, unbreakable) space before the sign; Dutch and English do not.
    return "\u202f%" if str(get_locale()).startswith("fr") else "%"


def format_value(value: Any, kind: str, *, digits: int = 1) -> str:
    """A value as the page and the PDF show it; an em dash for an unknown value."""
    if value is None:
        return "—"
    if kind == COUNT:
        return format_decimal(value, format="#,##0")
    if kind == PERCENT:
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0") \
            + _percent_sign()
    if kind == POINTS:
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + format_decimal(abs(value), format="#,##0.0") + " " + _("pp")
    if kind == DAYS:
        return format_decimal(value, format="#,##0.#")
    return str(value)


def group_label(group: StemGroup | GroupTarget) -> str:
    """'Secundair onderwijs · Arbeidsmarktgericht', or only the level for a whole level."""
    level = str(LEVEL_LABELS.get(group.level, group.level))
    if group.track is None:
        return level
    return f"{level} · {TRACK_LABELS.get(group.track, group.track)}"


def _stem_values(counts: StemCounts) -> tuple:
    return (counts.learners, counts.stem, counts.stem_share, counts.girls, counts.girls_stem,
            counts.girls_among_stem, counts.girls_choosing_stem)


def _stem_columns() -> list[Column]:
    return [
        Column("group", _("Finaliteit en niveau"), TEXT),
        Column("learners", _("Lerenden")),
        Column("stem", _("In STEM")),
        Column("stem_share", _("Aandeel STEM"), PERCENT),
        Column("girls", _("Meisjes")),
        Column("girls_stem", _("Meisjes in STEM")),
        Column("girls_among_stem", _("Aandeel meisjes onder de STEM-lerenden"), PERCENT),
        Column("girls_choosing_stem", _("Aandeel van de meisjes dat STEM volgt"), PERCENT),
    ]


def stem_table(data: Indicators) -> Table:
    """Learners, STEM and girls per track and level in the selected year."""
    year = data.filters.school_year
    table = Table("stem", _("STEM en meisjes per finaliteit en niveau, %(year)s",
                            year=school_year_label(year)),
                  _stem_columns())
    for group in data.groups:
        counts = data.stem_of(year, group.key)
        if counts.learners:
            table.add(group_label(group), *_stem_values(counts))
    total = data.stem_totals.get(year)
    if total:
        table.add(_("Totaal"), *_stem_values(total), strong=True)
    return table


def stem_trend_table(data: Indicators) -> Table:
    """Per group: the STEM shares of every school year, then the monitor's values and target."""
    table = Table("stem_trend", _("STEM-aandeel per schooljaar, met referentie en doel 2030"), [
        Column("group", _("Finaliteit en niveau"), TEXT),
        Column("year", _("Schooljaar"), TEXT),
        Column("learners", _("Lerenden")),
        Column("stem_share", _("Aandeel STEM"), PERCENT),
        Column("girls_among_stem", _("Aandeel meisjes onder de STEM-lerenden"), PERCENT),
        Column("girls_choosing_stem", _("Aandeel van de meisjes dat STEM volgt"), PERCENT),
    ])
    for group in data.groups:
        label = group_label(group)
        for year in data.years:
            counts = data.stem_of(year, group.key)
            if counts.learners:
                table.add(label, school_year_label(year), counts.learners, counts.stem_share,
                          counts.girls_among_stem, counts.girls_choosing_stem)
        target = data.settings.group_of(group.level, group.track or "")
        if target is None or not group.is_monitor_group:
            continue
        for name, benchmark in benchmark_rows(target, data.settings.target_year):
            table.add(label, name, None, benchmark.total, benchmark.girls, None, muted=True)
    table.note = _("Referentie, STEM-monitor en doel 2030 komen uit het advies van het "
                   "STEM-platform; hun meisjescijfer staat bij het aandeel meisjes onder de "
                   "STEM-lerenden.")
    return table


def benchmark_rows(target: GroupTarget, target_year: int) -> list[tuple[str, Any]]:
    """(label, benchmark) of a group's reference value, 2019-20 value and target, when set."""
    rows = []
    if target.reference and target.reference.total is not None:
        rows.append((_("Referentie %(year)s", year=school_year_label(target.reference.year)),
                     target.reference))
    if target.baseline and target.baseline.total is not None:
        rows.append((_("STEM-monitor %(year)s", year=school_year_label(target.baseline.year)),
                     target.baseline))
    rows.append((_("Doel %(year)s", year=target_year), target.target))
    return rows


def dual_table(data: Indicators) -> Table:
    """Dual trajectories per school year against the reference year and the yearly target."""
    reference = school_year_label(data.filters.reference_year)
    # Columns that could only ever hold 100 % or nothing are left out (the note says why).
    compared = data.reference is not None
    columns = [
        Column("year", _("Schooljaar"), TEXT),
        Column("trajectories", _("Trajecten")),
        Column("dual", _("Duaal")),
    ]
    if compared:
        columns.append(Column("dual_growth", _("Groei aantal duaal t.o.v. %(year)s",
                                               year=reference), PERCENT))
    if not data.only_dual:
        columns.append(Column("dual_share", _("Aandeel duaal"), PERCENT))
        if compared:
            columns += [
                Column("change", _("Verschil t.o.v. %(year)s", year=reference), POINTS),
                Column("target", _("Doel (+%(points)s pp per jaar)", points=format_decimal(
                    data.settings.dual_points_per_year)), PERCENT),
            ]
        columns.append(Column("workplace_share", _("Aandeel met werkplekleren"), PERCENT))
    table = Table("dual", _("Duale trajecten per schooljaar"), columns)
    for year in data.dual:
        values = {
            "year": school_year_label(year.school_year), "trajectories": year.trajectories,
            "dual": year.dual, "dual_growth": data.dual_growth(year),
            "dual_share": year.dual_share, "change": data.dual_change(year),
            "target": data.dual_target(year.school_year),
            "workplace_share": year.workplace_learning_share,
        }
        table.add(*(values[column.key] for column in columns),
                  strong=year.school_year == data.filters.school_year)
    notes = []
    if data.only_dual and data.dual:
        notes.append(_("De gegevens van deze selectie bevatten enkel duale trajecten: een "
                       "aandeel duaal zou altijd %(share)s zijn en zegt dan niets. De tabel "
                       "toont daarom de aantallen en hun groei.",
                       share=format_value(100, PERCENT, digits=0)))
    if data.dual and data.reference is None:
        notes.append(_("De gegevens bevatten geen trajecten in het referentiejaar %(year)s: "
                       "verschil en doel zijn niet te berekenen. Kies een ander "
                       "referentiejaar.", year=reference))
    table.note = " ".join(notes)
    return table


def workplaces_table(data: Indicators) -> Table:
    """Recognised workplaces per sector and programme on the count date."""
    table = Table("workplaces", _("Erkende leerwerkplekken op %(date)s",
                                  date=format_date(data.count_date)), [
        Column("sector", _("Sector"), TEXT),
        Column("programme", _("Opleiding"), TEXT),
        Column("code", _("Code"), TEXT),
        Column("workplaces", _("Erkende leerwerkplekken")),
    ])
    sector, subtotal, total = None, 0, 0
    for row in data.workplaces:
        if sector is not None and row.sector != sector:
            table.add(sector, _("Totaal sector"), "", subtotal, strong=True)
            subtotal = 0
        sector = row.sector
        subtotal += row.workplaces
        total += row.workplaces
        table.add(row.sector, row.programme, row.programme_code, row.workplaces)
    if sector is not None:
        table.add(sector, _("Totaal sector"), "", subtotal, strong=True)
        table.add(_("Totaal"), "", "", total, strong=True)
    return table


def lead_time_table(data: Indicators) -> Table:
    """Recognition decisions per sector in the selected school year."""
    year = data.filters.school_year
    table = Table("lead_time", _("Doorlooptijd van erkenningsaanvragen, beslist in %(year)s",
                                 year=school_year_label(year)), [
        Column("sector", _("Sector"), TEXT),
        Column("decisions", _("Beslissingen")),
        Column("median_days", _("Mediaan (dagen)"), DAYS),
        Column("term", _("Beslistermijn (dagen)")),
        Column("within_term", _("Binnen de termijn")),
        Column("within_term_share", _("Aandeel binnen de termijn"), PERCENT),
    ])
    for row in data.lead_time_by_sector:
        lead = row.lead_time
        table.add(row.sector, lead.decisions, lead.median_days, row.decision_days,
                  lead.within_term, lead.within_term_share)
    overall = data.lead_time_by_year.get(year)
    if overall and len(data.lead_time_by_sector) > 1:
        table.add(_("Totaal"), overall.decisions, overall.median_days, None,
                  overall.within_term, overall.within_term_share, strong=True)
    return table


def recognition_trend_table(data: Indicators) -> Table:
    """Recognised workplaces and recognition lead time per school year."""
    table = Table("recognition_trend", _("Leerwerkplekken en doorlooptijd per schooljaar"), [
        Column("year", _("Schooljaar"), TEXT),
        Column("workplaces", _("Erkende leerwerkplekken op de teldatum")),
        Column("decisions", _("Beslissingen")),
        Column("median_days", _("Mediaan doorlooptijd (dagen)"), DAYS),
        Column("within_term_share", _("Aandeel binnen de termijn"), PERCENT),
    ])
    for year in data.recognition_years:
        lead = data.lead_time_by_year.get(year)
        table.add(school_year_label(year), data.workplaces_by_year.get(year),
                  lead.decisions if lead else 0, lead.median_days if lead else None,
                  lead.within_term_share if lead else None,
                  strong=year == data.filters.school_year)
    return table


def timeliness_table(data: Indicators) -> Table:
    """Evaluations due per school year: on time, late, still missing."""
    table = Table("timeliness", _("Tijdigheid van de evaluaties per schooljaar"), [
        Column("year", _("Schooljaar"), TEXT),
        Column("due", _("Vervallen momenten")),
        Column("on_time", _("Tijdig ingediend")),
        Column("on_time_share", _("Aandeel tijdig"), PERCENT),
        Column("late", _("Te laat ingediend")),
        Column("median_days_late", _("Mediaan dagen te laat"), DAYS),
        Column("missing", _("Nog niet ingediend")),
    ])
    for year in data.timeliness:
        table.add(school_year_label(year.school_year), year.due, year.on_time,
                  year.on_time_share, year.late, year.median_days_late, year.missing,
                  strong=year.school_year == data.filters.school_year)
    return table


def flow_table(data: Indicators) -> Table:
    """Intake, the class council's outcomes, progression and qualified exit per school year."""
    table = Table("flow", _("In-, door- en uitstroom per schooljaar"), [
        Column("year", _("Schooljaar"), TEXT),
        Column("intake", _("Instroom")),
        Column("intake_stem", _("Instroom in STEM")),
        Column("decided", _("Met beslissing klassenraad")),
        Column("progressed", _("Doorstroom: geslaagd of kwalificatie behaald")),
        Column("progression_share", _("Aandeel doorstroom van de beslisten"), PERCENT),
        Column("qualified", _("Gekwalificeerde uitstroom")),
        Column("qualified_share", _("Aandeel gekwalificeerd van de beslisten"), PERCENT),
        Column("qualified_stem", _("Gekwalificeerd uit STEM")),
    ])
    for year in data.flow:
        table.add(school_year_label(year.school_year), year.intake, year.intake_stem,
                  year.decided, year.progressed, year.progression_share, year.qualified,
                  year.qualified_share, year.qualified_stem,
                  strong=year.school_year == data.filters.school_year)
    notes = []
    running = [school_year_label(year.school_year) for year in data.flow if not year.complete]
    if running:
        notes.append(_("Schooljaar %(years)s loopt nog: de klassenraad heeft nog niet (over "
                       "iedereen) beslist en de uitstroom is voorlopig.",
                       years=", ".join(running)))
    waiting = [year for year in data.flow if year.complete and year.undecided]
    if waiting:
        notes.append(_("Zonder beslissing van de klassenraad (niet in de aandelen): %(list)s.",
                       list=", ".join(f"{school_year_label(year.school_year)}: "
                                      f"{format_value(year.undecided, COUNT)}"
                                      for year in waiting)))
    table.note = " ".join(notes)
    return table


_BUILDERS = {
    "stem": stem_table,
    "stem_trend": stem_trend_table,
    "dual": dual_table,
    "workplaces": workplaces_table,
    "lead_time": lead_time_table,
    "recognition_trend": recognition_trend_table,
    "timeliness": timeliness_table,
    "flow": flow_table,
}


def build(data: Indicators, key: str) -> Table:
    """The table `key` (one of TABLE_KEYS) of `data`."""
    return _BUILDERS[key](data)


def build_all(data: Indicators) -> dict[str, Table]:
    """Every table of `data`, by key, in page order."""
    return {key: build(data, key) for key in TABLE_KEYS}
