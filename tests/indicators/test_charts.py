"""The trend charts: values where they belong, gaps where data is missing, targets beside."""

from __future__ import annotations

import re

from dualflow.indicators.charts import HEIGHT, Series, line_chart, nice_maximum


def _points(path: str) -> list[tuple[str, float, float]]:
    return [(command, float(x), float(y))
            for command, x, y in re.findall(r"([ML])([\d.]+) ([\d.]+)", path)]


def test_a_missing_year_breaks_the_line_instead_of_bridging_it(app):
    with app.test_request_context():
        chart = line_chart("Aandeel", [2020, 2021, 2022, 2023],
                           [Series("STEM", "#000", {2020: 40.0, 2021: 50.0, 2023: 60.0})],
                           format_value=str, percent=True)
    main = chart.lines[-1]
    assert [command for command, _x, _y in _points(main["d"])] == ["M", "L", "M"]
    # On a percent axis 50 lies halfway between 0 and 100.
    zero, hundred = (float(label["y"]) - 4 for label in (chart.y_labels[0], chart.y_labels[-1]))
    halfway = _points(main["d"])[1][2]
    assert abs(halfway - (zero + hundred) / 2) < 0.2
    assert hundred < halfway < zero < HEIGHT


def test_benchmarks_and_the_target_get_their_own_columns(app):
    with app.test_request_context():
        series = Series("STEM", "#0f766e", {2022: 55.0, 2023: 57.0},
                        benchmarks={2010: 37.9, 2019: 37.0}, target=50.0)
        chart = line_chart("bso", [2022, 2023], [series], format_value=lambda v: f"{v:.0f}",
                           percent=True, benchmark_columns=(2010, 2019), target_column="2030")
    labels = [label["text"] for label in chart.x_labels]
    assert labels == ["2022-23", "2023-24", "2010-11", "2019-20", "2030"]
    xs = {label["text"]: float(label["x"]) for label in chart.x_labels}
    assert xs["2010-11"] < xs["2019-20"] < xs["2022-23"] < xs["2023-24"] < xs["2030"]
    # Two hollow squares, one diamond, and a dashed way from the last value to the target.
    main = chart.lines[-1]
    assert main["hollow"].count("Z") == 2 and main["marks"].count("Z") == 1
    assert chart.lines[0]["dashed"]
    assert {"38", "37", "50", "57"} <= {label["text"] for label in chart.labels}


def test_narrow_charts_shorten_or_thin_out_the_year_labels(app):
    with app.test_request_context():
        many = line_chart("Doorlooptijd", list(range(2014, 2027)),
                          [Series("d", "#000", {2014: 3.0})], format_value=str, width=380)
        few = line_chart("Doorlooptijd", list(range(2019, 2027)),
                         [Series("d", "#000", {2019: 3.0})], format_value=str, width=380)
    assert [label["text"] for label in few.x_labels][:2] == ["19-20", "20-21"]
    assert len(many.x_labels) == 7


def test_axis_maximum_is_round():
    assert [nice_maximum(value) for value in (0, 7, 11, 23, 180, 21127)] == [
        1.0, 10, 20, 25, 200, 25000]
