"""The progress report of a trajectory: its data as plain dicts, and its PDF.

`progress_report_data` reads everything the report shows in a fixed number of queries; the
report itself is rendered from that data only (templates/pdf/progress_report.html), in the
language of the person who asked for it. Only submitted and reviewed evaluations count for the
levels, the chart and the comments; planned and draft moments appear in the timeline as open.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from dualflow import pdf, policy
from dualflow.accounts.models import User
from dualflow.catalog.models import Competency, Programme, School, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.evaluations.services import (
    FINAL_STATUSES,
    LEVEL_LABELS,
    LEVELS,
    WORKPLACE_LOCATIONS,
    status_label,
)
from dualflow.i18n import format_date, school_year_label, today_brussels
from dualflow.learners.models import Learner
from dualflow.modelbase import EvaluationStatus, Language
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.trajectories.services import STATUS_LABELS as TRAJECTORY_STATUS_LABELS

TEMPLATE = "pdf/progress_report.html"
NOT_APPLICABLE = "nvt"
# The charts: small multiples, three competencies to a row, one SVG per row. In the SVG's own
# units a chart is 200 wide; the template scales the row to the text width. Every row shares one
# y axis (labelled once, at the left) and draws its lines and dots as a few paths: WeasyPrint's
# time goes per SVG element, and per text element most of all.
CHARTS_PER_ROW = 3
CHART_WIDTH, CHART_HEIGHT = 200, 92
_PLOT_LEFT, _PLOT_RIGHT, _PLOT_TOP = 22, 192, 8
_LEVEL_STEP = 15  # vertical distance between two levels
_NVT_Y = _PLOT_TOP + 4 * _LEVEL_STEP + 6  # the n.v.t. lane, apart from the level axis
_AXIS_LABEL_Y = _NVT_Y + 16
_DOT_RADIUS, _NVT_RADIUS = 3.6, 3.0


def _address(street: str, postcode: str, municipality: str) -> str:
    place = " ".join(part for part in (postcode, municipality) if part)
    return ", ".join(part for part in (street, place) if part)


def report_language(language: str | None) -> str:
    """One of the interface languages, Dutch when unknown."""
    known = {item.value for item in Language}
    return language if language in known else Language.NL.value


# --- the data ------------------------------------------------------------------------------

def progress_report_data(session: Session, trajectory_id: int, *, today: date | None = None,
                         viewer: User | None = None) -> dict[str, Any]:
    """Everything the progress report shows, as plain data; always five queries.

    With `viewer`, only the placements and evaluation moments the viewer may see (a company
    or mentor: their own part of a trajectory that passed through several companies).

    The queries: the trajectory with learner, programme, sector, school and coordinator; the
    placements with site, company and mentor; the workplace competencies; the moments with
    their evaluation, evaluating mentor and reviewer; the scores of the counted evaluations.
    """
    today = today or today_brussels()
    coordinator = aliased(User)
    trajectory, learner, programme, sector, school, person = session.execute(
        select(Trajectory, Learner, Programme, Sector, School, coordinator)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .join(School, School.id == Trajectory.school_id)
        .outerjoin(coordinator, coordinator.id == Trajectory.coordinator_id)
        .where(Trajectory.id == trajectory_id)
    ).one()

    placements = [
        {
            "company": company.name,
            "site": site.name,
            "address": _address(site.street, site.postcode, site.municipality),
            "mentor": f"{mentor.first_name} {mentor.last_name}",
            "mentor_function": mentor.function_title,
            "starts_on": format_date(placement.starts_on),
            "ends_on": format_date(placement.ends_on),
            "current": placement.starts_on <= today <= placement.ends_on,
        }
        for placement, site, company, mentor in session.execute(
            select(Placement, Site, Company, Mentor)
            .join(Site, Site.id == Placement.site_id)
            .join(Company, Company.id == Site.company_id)
            .join(Mentor, Mentor.id == Placement.mentor_id)
            .where(Placement.trajectory_id == trajectory_id,
                   true() if viewer is None else policy.visible(viewer, Placement))
            .order_by(Placement.starts_on, Placement.id)
        ).all()
    ]
    # The workplace of today, else the most recent one: the one the report is about.
    latest = placements[-1] if placements else None
    workplace = next((place for place in placements if place["current"]), latest)

    competencies = list(session.execute(
        select(Competency)
        .where(Competency.programme_id == trajectory.programme_id,
               Competency.location.in_(WORKPLACE_LOCATIONS))
        .order_by(Competency.position, Competency.code, Competency.id)
    ).scalars())

    evaluator, reviewer = aliased(Mentor), aliased(User)
    moment_rows = session.execute(
        select(EvaluationMoment, Evaluation, evaluator, reviewer)
        .outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
        .outerjoin(evaluator, evaluator.id == Evaluation.mentor_id)
        .outerjoin(reviewer, reviewer.id == Evaluation.reviewed_by_id)
        .where(EvaluationMoment.trajectory_id == trajectory_id,
               true() if viewer is None else policy.visible(viewer, EvaluationMoment))
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
    ).all()

    scores: dict[int, dict[int, EvaluationScore]] = defaultdict(dict)
    for score in session.execute(
        select(EvaluationScore)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .join(EvaluationMoment, EvaluationMoment.id == Evaluation.moment_id)
        .where(EvaluationMoment.trajectory_id == trajectory_id,
               EvaluationMoment.status.in_(FINAL_STATUSES),
               true() if viewer is None else policy.visible(viewer, EvaluationMoment))
    ).scalars():
        scores[score.evaluation_id][score.competency_id] = score

    titles = {competency.id: (competency.code, competency.title) for competency in competencies}
    order = {competency_id: index for index, competency_id in enumerate(titles)}
    moments: list[dict[str, Any]] = []
    for number, (moment, evaluation, mentor, reviewed_by) in enumerate(moment_rows, start=1):
        final = moment.status in FINAL_STATUSES and evaluation is not None
        moment_scores = scores.get(evaluation.id, {}) if final else {}
        moments.append({
            "number": number,
            "title": moment.title,
            "due_on": format_date(moment.due_on),
            "status": moment.status,
            "final": final,
            "reviewed": moment.status == EvaluationStatus.REVIEWED.value,
            "overdue": not final and moment.due_on < today,
            "submitted_on": format_date(evaluation.submitted_at) if final else "",
            "reviewed_on": format_date(evaluation.reviewed_at) if final else "",
            "reviewer": reviewed_by.full_name if final and reviewed_by else "",
            "mentor": f"{mentor.first_name} {mentor.last_name}" if final and mentor else "",
            "general_comment": evaluation.general_comment if final else "",
            "school_comment": evaluation.school_comment if final else "",
            "self_reflection": evaluation.self_reflection if final else "",
            "comments": [
                {"code": titles[competency_id][0], "title": titles[competency_id][1],
                 "comment": row.comment}
                for competency_id, row in sorted(moment_scores.items(),
                                                 key=lambda item: order.get(item[0], 0))
                if row.comment and competency_id in titles
            ],
            "levels": {competency_id: (NOT_APPLICABLE if row.level is None else row.level)
                       for competency_id, row in moment_scores.items()},
        })

    counted = [moment for moment in moments if moment["final"]]
    rows = []
    for competency in competencies:
        levels = [moment["levels"].get(competency.id) for moment in counted]
        assessed = [level for level in levels if isinstance(level, int)]
        rows.append({
            "code": competency.code,
            "title": competency.title,
            "levels": levels,
            "latest": assessed[-1] if assessed else None,
        })
    for moment in moments:
        del moment["levels"]  # keyed by database ids; the rows carry the levels in order

    return {
        "trajectory": {
            "id": trajectory.id,
            "school_year": school_year_label(trajectory.school_year),
            "class_group": trajectory.class_group,
            "status": trajectory.status,
            "starts_on": format_date(trajectory.starts_on),
            "ends_on": format_date(trajectory.ends_on),
        },
        "learner": {
            "first_name": learner.first_name,
            "last_name": learner.last_name,
            "name": f"{learner.first_name} {learner.last_name}",
            "birth_date": format_date(learner.birth_date),
        },
        "programme": {"name": programme.name, "code": programme.code, "sector": sector.name},
        "school": {
            "name": school.name,
            "address": _address(school.street, school.postcode, school.municipality),
        },
        "coordinator": {"name": person.full_name if person else "",
                        "email": person.email if person else ""},
        "placements": placements,
        "workplace": workplace,
        "moments": moments,
        "counted_moments": [{"number": m["number"], "title": m["title"], "due_on": m["due_on"]}
                            for m in counted],
        "competencies": rows,
        "chart_rows": chart_rows(rows, [moment["number"] for moment in counted]),
        "review": {
            "total": len(moments),
            "reviewed": sum(1 for m in moments if m["reviewed"]),
            "submitted": sum(1 for m in moments if m["final"] and not m["reviewed"]),
            "open": sum(1 for m in moments if not m["final"]),
            "overdue": sum(1 for m in moments if m["overdue"]),
        },
        "generated_on": format_date(today),
        "created": today.isoformat(),
    }


def level_chart(levels: list[int | str | None], offset: float = 0) -> dict[str, Any]:
    """One competency's chart, `offset` units to the right: dots, line pieces, n.v.t. marks.

    The line joins only neighbouring assessed moments, so an n.v.t. (or a missing score) leaves
    a gap instead of falling to zero; n.v.t. gets a hollow mark in its own lane under level 1.
    """
    xs = _moment_xs(len(levels), offset)
    points, not_applicable, segments = [], [], []
    previous = None
    for x, level in zip(xs, levels, strict=True):
        if isinstance(level, int):
            y = _level_y(level)
            points.append((x, y))
            if previous is not None:
                segments.append((previous, (x, y)))
            previous = (x, y)
        else:
            previous = None
            if level == NOT_APPLICABLE:
                not_applicable.append((x, _NVT_Y))
    return {"points": points, "segments": segments, "not_applicable": not_applicable}


def chart_rows(rows: list[dict[str, Any]], numbers: list[int]) -> list[dict[str, Any]]:
    """The small multiples, CHARTS_PER_ROW competencies to a row, as SVG path data and labels."""
    if not numbers:
        return []
    result = []
    for start in range(0, len(rows), CHARTS_PER_ROW):
        members = rows[start:start + CHARTS_PER_ROW]
        grid, separator, lines, dots, marks, ticks = [], [], [], [], [], []
        for index, row in enumerate(members):
            offset = index * CHART_WIDTH
            left, right = offset + _PLOT_LEFT, offset + _PLOT_RIGHT
            grid += [f"M{left} {_level_y(level)}H{right}" for level in LEVELS]
            separator.append(f"M{left} {_NVT_Y - 6}H{right}")
            chart = level_chart(row["levels"], offset)
            lines += [f"M{_n(a[0])} {a[1]}L{_n(b[0])} {b[1]}" for a, b in chart["segments"]]
            dots += [_circle(x, y, _DOT_RADIUS) for x, y in chart["points"]]
            marks += [_circle(x, y, _NVT_RADIUS) for x, y in chart["not_applicable"]]
            ticks += [{"x": _n(x), "label": f"#{number}"}
                      for x, number in zip(_moment_xs(len(numbers), offset), numbers,
                                           strict=True)]
        result.append({
            "titles": [{"code": row["code"], "title": row["title"]} for row in members],
            "width": CHART_WIDTH * CHARTS_PER_ROW,
            "height": CHART_HEIGHT,
            "grid": "".join(grid),
            "separator": "".join(separator),
            "lines": "".join(lines),
            "dots": "".join(dots),
            "marks": "".join(marks),
            "ticks": ticks,
            "tick_y": _AXIS_LABEL_Y,
            "axis_x": _PLOT_LEFT - 6,
            "axis": [{"label": str(level), "y": _level_y(level) + 3} for level in LEVELS],
            "nvt_y": _NVT_Y + 2,
        })
    return result


def _moment_xs(count: int, offset: float) -> list[float]:
    span = _PLOT_RIGHT - _PLOT_LEFT
    if count == 1:
        return [offset + _PLOT_LEFT + span / 2]
    return [round(offset + _PLOT_LEFT + 8 + index * (span - 16) / (count - 1), 1)
            for index in range(count)]


def _circle(x: float, y: float, radius: float) -> str:
    """A circle as path data (two arcs), so that many dots make one SVG element."""
    return (f"M{_n(x - radius)} {_n(y)}a{radius} {radius} 0 1 0 {_n(2 * radius)} 0"
            f"a{radius} {radius} 0 1 0 {_n(-2 * radius)} 0Z")


def _n(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _level_y(level: int) -> int:
    return _PLOT_TOP + (4 - level) * _LEVEL_STEP


# --- the PDF -------------------------------------------------------------------------------

def report_filename(data: dict[str, Any]) -> str:
    """Achternaam_Voornaam_Opleiding.pdf, in plain ASCII."""
    parts = (data["learner"]["last_name"], data["learner"]["first_name"],
             data["programme"]["name"])
    return "_".join(file_part(part) or "x" for part in parts) + ".pdf"


def file_part(text: str) -> str:
    """`text` as a piece of a file name: ASCII letters and digits, other runs become '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:60]


def template_labels() -> dict[str, Any]:
    """The words the template needs for codes, in the active language."""
    return {
        "levels": {level: str(label) for level, label in LEVEL_LABELS.items()},
        "moment_status": {status.value: status_label(status.value)
                          for status in EvaluationStatus},
        "trajectory_status": {key: str(label) for key, label in TRAJECTORY_STATUS_LABELS.items()},
    }


class ReportRenderer:
    """Renders progress reports; one instance reuses its font set-up across many reports."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = pdf.StaticOnlyFetcher()

    def render(self, data: dict[str, Any], *, language: str) -> bytes:
        """The PDF of `data` (from progress_report_data) in `language`."""
        language = report_language(language)
        with force_locale(language):
            context = {**data, "lang": language, "labels": template_labels()}
            html = pdf.render_html(TEMPLATE, context)
        document = HTML(string=html, base_url=self.fetcher.root.as_uri() + "/",
                        url_fetcher=self.fetcher)
        return document.write_pdf(pdf_variant=pdf.PDF_VARIANT, font_config=self.font_config)


def render_progress_report(session: Session, trajectory: Trajectory, *, language: str,
                           today: date | None = None) -> bytes:
    """The progress report of `trajectory` as PDF/A bytes, in `language` (nl, fr or en)."""
    data = progress_report_data(session, trajectory.id, today=today)
    return ReportRenderer().render(data, language=language)
