"""The trend charts, placed here as plain SVG geometry; the templates only draw.

One kind of chart: values per school year as lines with dots, optionally with benchmark columns
on the left (the monitor's reference values, hollow squares) and a target column on the right
(2030, diamonds), each in the colour of its series. Inline SVG with attributes only: the page's
Content-Security-Policy allows no inline styles, and WeasyPrint draws it the same in the PDF.
Few elements per chart (one path per series and kind), because WeasyPrint's time goes per
element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from math import log10

from flask_babel import gettext as _

from dualflow.i18n import school_year_label
from dualflow.indicators.services import Indicators
from dualflow.indicators.tables import (
    COUNT,
    DAYS,
    PERCENT,
    format_value,
    group_label,
)

TEAL, VIOLET, FUCHSIA, AMBER, BLUE = "#0f766e", "#7c3aed", "#c026d3", "#b45309", "#2563eb"

WIDTH, HEIGHT = 480, 250
# A narrow chart for the side cards of the page.
NARROW = 380
# Room (SVG units) a column needs for a full school year label ('2024-25'), for a short one
# ('24-25'); with less room only every other school year is named.
_WIDE_LABEL, _SHORT_LABEL = 58, 38
_LEFT, _RIGHT, _TOP, _BOTTOM = 50, 14, 18, 36
_DOT, _MARK = 3.4, 4.4


@dataclass
class Series:
    """A line: its legend label, colour and value per school year (None: no value)."""

    label: str
    color: str
    values: dict[int, float | None]
    dashed: bool = False
    # Values of the benchmark columns (by column label) and of the target column.
    benchmarks: dict[str, float | None] = field(default_factory=dict)
    target: float | None = None


@dataclass
class Chart:
    """Everything the SVG template needs, already placed."""

    title: str
    width: int
    height: int
    grid: str
    y_labels: list[dict]
    x_labels: list[dict]
    separators: str
    lines: list[dict]
    labels: list[dict]
    legend: list[dict]
    empty: bool = False


def _n(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _circle(x: float, y: float, radius: float) -> str:
    return (f"M{_n(x - radius)} {_n(y)}a{radius} {radius} 0 1 0 {_n(2 * radius)} 0"
            f"a{radius} {radius} 0 1 0 {_n(-2 * radius)} 0Z")


def _square(x: float, y: float, size: float) -> str:
    return f"M{_n(x - size)} {_n(y - size)}h{_n(2 * size)}v{_n(2 * size)}h{_n(-2 * size)}Z"


def _diamond(x: float, y: float, size: float) -> str:
    size *= 1.3
    return f"M{_n(x)} {_n(y - size)}l{_n(size)} {_n(size)}l{_n(-size)} {_n(size)}" \
           f"l{_n(-size)} {_n(-size)}Z"


def nice_maximum(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** int(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _year_label(year: int, room: float) -> str:
    """'2024-25', or '24-25' when the column is narrow."""
    if room >= _WIDE_LABEL:
        return school_year_label(year)
    return f"{year % 100:02d}-{(year + 1) % 100:02d}"


def line_chart(title: str, years: list[int], series: list[Series], *,
               format_value: Callable[[float], str], percent: bool = False,
               benchmark_columns: tuple[int, ...] = (), target_column: str | None = None,
               width: int = WIDTH) -> Chart:
    """A line chart of `series` over `years`, with benchmark and target columns if given.

    Benchmark columns are school years (the monitor's reference years); `width` is the width in
    SVG units, which sets how large the text is once the chart fills its box.
    """
    values = [value for line in series for value in (
        *line.values.values(), *line.benchmarks.values(), line.target) if value is not None]
    top = 100.0 if percent else nice_maximum(max(values, default=0) * 1.1)
    plot_bottom, plot_top = HEIGHT - _BOTTOM, _TOP

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * min(value, top) / top

    # Slots from left to right: benchmark columns, a half gap, the years, a half gap, target.
    slots: list[tuple[str, object]] = [("benchmark", label) for label in benchmark_columns]
    if benchmark_columns:
        slots.append(("gap", None))
    slots += [("year", year) for year in years]
    if target_column:
        slots += [("gap", None), ("target", target_column)]
    weights = [0.5 if kind == "gap" else 1.0 for kind, _ in slots]
    span = width - _LEFT - _RIGHT
    unit = span / max(sum(weights), 1)
    xs, position = {}, _LEFT
    for (kind, key), weight in zip(slots, weights, strict=True):
        xs[kind, key] = position + unit * weight / 2
        position += unit * weight

    grid, y_labels = [], []
    for step in range(5):
        value = top * step / 4
        y = y_of(value)
        grid.append(f"M{_LEFT} {_n(y)}H{width - _RIGHT}")
        y_labels.append({"x": _LEFT - 6, "y": _n(y + 4), "text": format_value(value)})
    x_labels = []
    # When even the short labels do not fit, every other school year is named.
    step = 1 if unit >= _SHORT_LABEL else 2
    for index, year in enumerate(years):
        if index % step == 0:
            x_labels.append({"x": _n(xs["year", year]), "text": _year_label(year, unit),
                             "strong": False})
    for column in benchmark_columns:
        x_labels.append({"x": _n(xs["benchmark", column]), "text": _year_label(column, unit),
                         "strong": True})
    if target_column:
        x_labels.append({"x": _n(xs["target", target_column]), "text": target_column,
                         "strong": True})
    gap_positions, position = [], _LEFT
    for (kind, _key), weight in zip(slots, weights, strict=True):
        if kind == "gap":
            gap_positions.append(position + unit * weight / 2)
        position += unit * weight
    separators = "".join(f"M{_n(x)} {plot_top}V{plot_bottom}" for x in gap_positions)

    lines, connectors, labels = [], [], []
    for line in series:
        path, dots, pen_down = [], [], False
        last_point = None
        for year in years:
            value = line.values.get(year)
            if value is None:
                pen_down = False
                continue
            x, y = xs["year", year], y_of(value)
            path.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
            dots.append(_circle(x, y, _DOT))
            pen_down, last_point = True, (x, y, value)
        marks, hollow = [], []
        for column in benchmark_columns:
            value = line.benchmarks.get(column)
            if value is not None:
                x, y = xs["benchmark", column], y_of(value)
                hollow.append(_square(x, y, _MARK - 1))
                labels.append(_label(x, y, format_value(value), line.color))
        if target_column and line.target is not None:
            x, y = xs["target", target_column], y_of(line.target)
            marks.append(_diamond(x, y, _MARK))
            labels.append(_label(x, y, format_value(line.target), line.color))
            if last_point is not None:
                # The way still to go: from the latest value to the target.
                path_to_target = f"M{_n(last_point[0])} {_n(last_point[1])}L{_n(x)} {_n(y)}"
                connectors.append({"d": path_to_target, "color": line.color, "dashed": True,
                                   "width": 1, "dots": "", "marks": "", "hollow": ""})
        if last_point is not None:
            labels.append(_label(last_point[0], last_point[1], format_value(last_point[2]),
                                 line.color))
        lines.append({"d": "".join(path), "color": line.color, "dashed": line.dashed,
                      "width": 2.2, "dots": "".join(dots), "marks": "".join(marks),
                      "hollow": "".join(hollow)})
    _spread(labels)
    # Connectors first; the first series is the main one: drawn last, so that it lies on top
    # where lines meet.
    lines = connectors + lines[::-1]
    legend = [{"label": line.label, "color": line.color, "dashed": line.dashed}
              for line in series]
    return Chart(title=title, width=width, height=HEIGHT, grid="".join(grid),
                 y_labels=y_labels, x_labels=x_labels, separators=separators, lines=lines,
                 labels=labels, legend=legend, empty=not values)


def _label(x: float, y: float, text: str, color: str) -> dict:
    return {"x": x, "y": y - 9, "text": text, "color": color}


def _spread(labels: list[dict]) -> None:
    """Move value labels that share a column apart, so that no two overlap, then round them."""
    columns: dict[float, list[dict]] = {}
    for label in labels:
        columns.setdefault(round(label["x"], 1), []).append(label)
    for members in columns.values():
        members.sort(key=lambda label: label["y"])
        for upper, lower in pairwise(members):
            if lower["y"] - upper["y"] < 14:
                # The lower label goes under its own point instead of above it.
                lower["y"] = max(lower["y"] + 23, upper["y"] + 14)
    for label in labels:
        label["y"] = _n(max(label["y"], 12))
        label["x"] = _n(label["x"])


# --- the charts of the page ----------------------------------------------------------------


def _percent(value: float) -> str:
    return format_value(value, PERCENT, digits=0)


def _count(value: float) -> str:
    return format_value(value, COUNT)


def _days(value: float) -> str:
    return format_value(value, DAYS)


def stem_charts(data: Indicators) -> list[Chart]:
    """Per group: STEM share and both girls shares over the years, beside benchmarks and target."""
    charts = []
    for group in data.groups:
        target = data.settings.group_of(group.level, group.track or "") \
            if group.is_monitor_group else None
        counts = {year: data.stem_of(year, group.key) for year in data.years}
        total = Series(_("Aandeel STEM"), TEAL,
                       {year: c.stem_share for year, c in counts.items()})
        among = Series(_("Aandeel meisjes onder de STEM-lerenden"), VIOLET,
                       {year: c.girls_among_stem for year, c in counts.items()})
        choosing = Series(_("Aandeel van de meisjes dat STEM volgt"), FUCHSIA,
                          {year: c.girls_choosing_stem for year, c in counts.items()})
        columns: tuple[int, ...] = ()
        target_column = None
        if target is not None:
            past = [benchmark for benchmark in (target.reference, target.baseline)
                    if benchmark is not None and benchmark.year is not None]
            columns = tuple(benchmark.year for benchmark in past)
            for benchmark, column in zip(past, columns, strict=True):
                total.benchmarks[column] = benchmark.total
                among.benchmarks[column] = benchmark.girls
            target_column = str(data.settings.target_year)
            total.target, among.target = target.target.total, target.target.girls
        charts.append(line_chart(group_label(group), data.years, [total, among, choosing],
                                 format_value=_percent, percent=True,
                                 benchmark_columns=columns, target_column=target_column))
    return charts


def dual_chart(data: Indicators) -> Chart:
    """The share of dual trajectories and its target, or their number when all are dual."""
    if data.only_dual:
        series = [Series(_("Duale trajecten"), TEAL,
                         {year.school_year: year.dual for year in data.dual})]
        return line_chart(_("Duale trajecten"), data.years, series, format_value=_count,
                          width=NARROW)
    share = Series(_("Aandeel duaal"), TEAL,
                   {year.school_year: year.dual_share for year in data.dual})
    goal = Series(_("Doel"), AMBER, {year: data.dual_target(year) for year in data.years},
                  dashed=True)
    target_column = None
    if data.reference is not None:
        target_column = str(data.settings.target_year)
        goal.target = data.dual_target(data.settings.target_year)
    return line_chart(_("Aandeel duale trajecten"), data.years, [share, goal],
                      format_value=_percent, percent=True, target_column=target_column,
                      width=NARROW)


def lead_time_chart(data: Indicators) -> Chart:
    """Median recognition lead time per school year of decision."""
    series = [Series(_("Mediaan doorlooptijd (dagen)"), TEAL, {
        year: lead.median_days for year, lead in data.lead_time_by_year.items()})]
    return line_chart(_("Doorlooptijd van erkenningsaanvragen"), data.recognition_years,
                      series, format_value=_days, width=NARROW)


def timeliness_chart(data: Indicators) -> Chart:
    """Share of evaluations submitted on time per school year."""
    series = [Series(_("Aandeel tijdig"), TEAL,
                     {year.school_year: year.on_time_share for year in data.timeliness})]
    return line_chart(_("Tijdig ingediende evaluaties"), data.years, series,
                      format_value=_percent, percent=True, width=NARROW)


def flow_chart(data: Indicators) -> Chart:
    """Intake, progression and qualified exit per school year."""
    series = [
        Series(_("Instroom"), TEAL, {year.school_year: year.intake for year in data.flow}),
        # Progression is known once the class council decided.
        Series(_("Doorstroom"), BLUE, {year.school_year: year.progressed for year in data.flow
                                       if year.decided}),
        # A school year still under way has not had its exits yet: no point at (nearly) zero.
        Series(_("Gekwalificeerde uitstroom"), VIOLET,
               {year.school_year: year.qualified for year in data.flow if year.complete}),
    ]
    return line_chart(_("In-, door- en uitstroom"), data.years, series, format_value=_count,
                      width=NARROW)


def build_all(data: Indicators) -> dict[str, object]:
    """Every chart of the page: a list for the STEM groups, one chart for each other part."""
    return {
        "stem": stem_charts(data),
        "dual": dual_chart(data),
        "lead_time": lead_time_chart(data),
        "timeliness": timeliness_chart(data),
        "flow": flow_chart(data),
    }
