"""The STEM-agenda indicators page, its exports and its printable PDF."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import Blueprint, render_template, request, send_file
from flask_babel import format_date as format_babel_date
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dualflow import exports, pdf, policy
from dualflow.catalog.forms import STEM_LABELS
from dualflow.extensions import db
from dualflow.forms import options
from dualflow.i18n import format_date, school_year_label, today_brussels
from dualflow.indicators import charts, export, services, tables, targets
from dualflow.indicators.forms import IndicatorFilterForm
from dualflow.modelbase import Role
from dualflow.trajectories.services import school_year_of

bp = Blueprint("indicators", __name__)

# School years the filters accept (the trajectories table allows no others).
_YEARS = range(2000, 2101)
_TABLES = ", ".join(tables.TABLE_KEYS)


def _require_viewer() -> None:
    # Admins, coordinators and sector users; mentors and company users have no indicators.
    policy.guard("indicators.view")


def _year_or_none(value) -> int | None:
    return value if isinstance(value, int) and value in _YEARS else None


def _id_or_none(value) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _compute() -> tuple[IndicatorFilterForm, services.Indicators]:
    """The filters of the request and the figures they select."""
    settings = targets.settings()
    form = IndicatorFilterForm(request.args)
    form.validate()
    admin = current_user.role == Role.ADMIN
    filters = services.IndicatorFilters(
        school_year=_year_or_none(form.school_year.data),
        reference_year=_year_or_none(form.reference_year.data) or settings.reference_year,
        # Only admins choose; everybody else sees the own school or sector, whatever the URL.
        school_id=_id_or_none(form.school_id.data) if admin else None,
        sector_id=_id_or_none(form.sector_id.data) if admin else None,
    )
    data = services.compute(db.session, current_user, filters, settings=settings,
                            today=today_brussels())
    form.school_year.data = data.filters.school_year
    form.reference_year.data = data.filters.reference_year
    return form, data


def _fill_choices(form: IndicatorFilterForm, data: services.Indicators) -> None:
    current = school_year_of(data.today)
    years = sorted({*data.years, current, data.filters.school_year}, reverse=True)
    form.school_year.choices = options([(year, school_year_label(year)) for year in years])
    references = sorted({*data.years, data.settings.reference_year,
                         data.filters.reference_year}, reverse=True)
    form.reference_year.choices = options([(year, school_year_label(year)) for year in references])
    if current_user.role == Role.ADMIN:
        form.school_id.choices = options([(0, _("Alle scholen")),
                                          *services.school_choices(db.session)])
        form.sector_id.choices = options([(0, _("Alle sectoren")),
                                          *services.sector_choices(db.session)])


def _scope(data: services.Indicators) -> str:
    return services.scope_label(db.session, current_user, data.filters) or _(
        "Alle scholen en sectoren")


def _about(data: services.Indicators, scope: str) -> list[tuple[str, str]]:
    """What the figures cover, for the exports and the PDF."""
    return [
        (_("Gegevens van"), scope),
        (_("Schooljaar"), school_year_label(data.filters.school_year)),
        (_("Geteld op"), format_date(data.count_date)),
        (_("Referentiejaar"), school_year_label(data.filters.reference_year)),
        (_("Opgemaakt op"), format_date(data.today)),
    ]


def _terms(data: services.Indicators) -> dict[str, str]:
    """The configurable words of the definitions: count day, STEM labels, yearly points."""
    settings = data.settings
    labels = [str(STEM_LABELS.get(label, label)) for label in settings.stem_labels]
    return {
        "count_day": format_babel_date(date(2001, settings.count_month, settings.count_day),
                                       "d MMMM"),
        "stem_labels": ", ".join(f"‘{label}’" for label in labels),
        "points": format_decimal(settings.dual_points_per_year, format="#,##0.#"),
    }


def _filename(data: services.Indicators, stem: str, extension: str) -> str:
    return f"indicatoren-{stem}-{school_year_label(data.filters.school_year)}.{extension}"


def _private(response):
    # Figures of one school or sector: not for shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/indicators")
@login_required
def index():
    """The STEM-agenda indicators of the user's scope for a school year."""
    _require_viewer()
    form, data = _compute()
    _fill_choices(form, data)
    # The filters that apply to this user, for the export and PDF links.
    applying = ("school_year", "reference_year", *(("school_id", "sector_id")
                                                   if current_user.role == Role.ADMIN else ()))
    kept = {key: value for key, value in request.args.items() if key in applying}
    return render_template(
        "indicators/index.html", form=form, data=data, tables=tables.build_all(data),
        charts=charts.build_all(data), scope=_scope(data), kept=kept,
        show_filters=current_user.role == Role.ADMIN, fmt=tables.format_value,
        terms=_terms(data),
    )


@bp.get(f"/indicators/export/<any({_TABLES}):table>.<any(csv, xlsx):file_format>")
@login_required
def export_table(table: str, file_format: str):
    """One table of the page, with the page's filters, as CSV or XLSX."""
    _require_viewer()
    _form, data = _compute()
    built = tables.build(data, table)
    if file_format == "csv":
        content, mimetype = export.to_csv(built), exports.CSV_MIMETYPE
    else:
        content = export.to_xlsx(built, _about(data, _scope(data)))
        mimetype = exports.XLSX_MIMETYPE
    filename = _filename(data, table.replace("_", "-"), file_format)
    return _private(exports.download(content, filename=filename, mimetype=mimetype))


@bp.get("/indicators.pdf")
@login_required
def printable():
    """The whole page as a PDF, in the language of the interface."""
    _require_viewer()
    _form, data = _compute()
    scope = _scope(data)
    context = {
        "lang": str(get_locale()),
        "data": data,
        "tables": tables.build_all(data),
        "charts": charts.build_all(data),
        "scope": scope,
        "about": _about(data, scope),
        "fmt": tables.format_value,
        "terms": _terms(data),
        "count_date": format_date(data.count_date),
        "official_count_date": format_date(data.official_count_date),
        "generated_on": format_date(data.today),
        "school_year": school_year_label(data.filters.school_year),
    }
    content = pdf.render_pdf("indicators.html", context)
    return _private(send_file(BytesIO(content), mimetype="application/pdf",
                              download_name=_filename(data, "stem", "pdf"),
                              as_attachment=False, max_age=0))
