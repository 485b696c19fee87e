"""The contract as plain data, and its PDF: what the templates under templates/pdf/ receive.

`contract_data` reads the agreement with everything around it (placement, learner, company,
school, training plan) into JSON-safe dicts with values already formatted. The data of a sent
agreement is stored with it, so the final PDF with the signature page repeats exactly the
contract that was signed, whatever changed in the register since.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from dualflow import pdf
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.catalog.models import Programme, School, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import company_display_name, format_kbo, region_of
from dualflow.evaluations.models import EvaluationMoment
from dualflow.i18n import format_date, format_datetime, school_year_label
from dualflow.learners.models import Learner
from dualflow.modelbase import CompetencyLocation, Language
from dualflow.recognitions.models import Recognition
from dualflow.recognitions.services import recognition_number
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.trajectories.services import schedule_days, training_plan

TEMPLATES = {
    "internship": "pdf/agreement_internship.html",
    "alternating_training": "pdf/agreement_alternating_training.html",
    "part_time_employment": "pdf/agreement_part_time_employment.html",
}


# The OAO learning allowance categories, by the learner's prior education (DOMAIN.md, Agreement).
ALLOWANCE_CATEGORY_LABELS = {
    1: _l("tweede graad secundair nog niet voltooid, eerste opleidingsjaar"),
    2: _l("tweede graad voltooid, of eerste opleidingsjaar geslaagd"),
    3: _l("eerste jaar derde graad geslaagd, twee opleidingsjaren geslaagd of kwalificatiefase "
          "OV3 voltooid"),
}
ALLOWANCE_NOTE = _l("het bedrag volgt de geïndexeerde leervergoeding die op elk moment geldt")


def _allowance(session: Session, agreement: Agreement, lang: str, today: date) -> dict[str, Any]:
    """The allowance lines of the contract: an OAO's category and the amount in force on the
    day it is drawn up; otherwise (and for an OAO drawn up before categories) the stated amount."""
    category = agreement.allowance_category
    if category is None:
        return {"allowance": format_amount(agreement.monthly_allowance, lang),
                "allowance_is_zero": Decimal(agreement.monthly_allowance) == 0,
                "allowance_category": None}
    # Deferred: agreements.services imports this module at its top (a real cycle).
    from dualflow.agreements.services import allowance_in_force

    amount = allowance_in_force(session, category, today)
    with force_locale(lang):
        label, note = str(ALLOWANCE_CATEGORY_LABELS[category]), str(ALLOWANCE_NOTE)
    return {"allowance": format_amount(amount, lang), "allowance_is_zero": False,
            "allowance_category": category, "allowance_category_label": label,
            "allowance_on": format_date(today), "allowance_note": note}


def informative_translation(data: dict[str, Any], lang: str = Language.FR.value) -> dict[str, Any]:
    """A Dutch contract's data rendered in `lang` for information: the same facts, marked as a
    translation that is not signed and does not bind (only the Dutch text does)."""
    translated = dict(data, lang=lang, draft=False, informative_translation=True)
    category = data.get("allowance_category")
    if category:
        with force_locale(lang):
            translated["allowance_category_label"] = str(ALLOWANCE_CATEGORY_LABELS[category])
            translated["allowance_note"] = str(ALLOWANCE_NOTE)
    return translated


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_minor(birth_date: date, day: date) -> bool:
    """Whether somebody born on `birth_date` is under 18 on `day`."""
    return age_on(birth_date, day) < 18


def contract_language(site: Site, learner: Learner) -> str:
    """Dutch for a site in the Dutch-language region; in Brussels, the learner's Dutch or French."""
    # The Septemberdecreet makes Dutch the only valid language of a labour contract at a site in
    # Flanders; in Brussels the parties choose, and the learner's language stands for that choice.
    if region_of(site.postcode) == "brussels" and learner.language == Language.FR.value:
        return Language.FR.value
    return Language.NL.value


def language_note(site: Site, lang: str) -> str:
    """One line for the agreement page: in which language the contract is drawn up, and why."""
    if region_of(site.postcode) == "brussels":
        if lang == Language.FR.value:
            return _("Contract in het Frans: de werkplek ligt in Brussel, waar de partijen "
                     "Nederlands of Frans kiezen; de lerende koos Frans.")
        return _("Contract in het Nederlands: de werkplek ligt in Brussel, waar de partijen "
                 "Nederlands of Frans kiezen; de lerende koos Nederlands.")
    if lang == Language.FR.value:
        # Only a contract drawn up before the rule; a new version follows the rule.
        return _("Contract in het Frans, opgesteld vóór de taalregel: een nieuwe versie wordt in "
                 "het Nederlands opgesteld, want de werkplek ligt in het Nederlandse taalgebied.")
    return _("Contract in het Nederlands: de werkplek ligt in het Nederlandse taalgebied.")


def format_amount(amount: Decimal | str, lang: str) -> str:
    """€ 520,00 (Dutch) or 520,00 € (French), with a dot between thousands."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    whole, cents = f"{value:,.2f}".split(".")
    text = f"{whole.replace(',', '.')},{cents}"
    return f"{text} €" if lang == Language.FR.value else f"€ {text}"


def format_hours(hours: float) -> str:
    """24 or 19,5: hours per week the Belgian way."""
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _address(street: str, postcode: str, municipality: str) -> str:
    place = " ".join(part for part in (postcode, municipality) if part)
    return ", ".join(part for part in (street, place) if part)


# The weekly schedule and the plan's places in the contract's own language (not the reader's).
DAY_NAMES = {
    "nl": {"mon": "maandag", "tue": "dinsdag", "wed": "woensdag", "thu": "donderdag",
           "fri": "vrijdag", "sat": "zaterdag"},
    "fr": {"mon": "lundi", "tue": "mardi", "wed": "mercredi", "thu": "jeudi", "fri": "vendredi",
           "sat": "samedi"},
}
PART_NAMES = {
    "nl": {"both": "hele dag", "am": "voormiddag", "pm": "namiddag"},
    "fr": {"both": "toute la journée", "am": "matin", "pm": "après-midi"},
}
PLACE_NAMES = {
    "nl": {"school": "school", "workplace": "werkplek", "both": "school en werkplek"},
    "fr": {"school": "école", "workplace": "lieu de travail",
           "both": "école et lieu de travail"},
}


def contract_gaps(session: Session, agreement: Agreement) -> list[str]:
    """What the contract must state but cannot yet, one sentence each (empty: complete)."""
    placement = session.get(Placement, agreement.placement_id)
    learner = session.get(Learner, session.get(Trajectory, placement.trajectory_id).learner_id)
    company = session.get(Company, session.get(Site, placement.site_id).company_id)
    gaps = []
    weekly = company.weekly_working_hours
    if not weekly:
        gaps.append(_("Vul de wekelijkse arbeidsduur van %(company)s in bij de onderneming.",
                      company=company.name))
    elif agreement.hours_per_week > weekly:
        gaps.append(_("De %(hours)s uur per week op de werkplek zijn meer dan de wekelijkse "
                      "arbeidsduur van %(company)s (%(weekly)s uur).",
                      hours=format_hours(agreement.hours_per_week), company=company.name,
                      weekly=format_hours(weekly)))
    if not placement.weekly_schedule:
        gaps.append(_("Vul het weekrooster van de plaatsing in op de pagina van het traject."))
    if not (learner.street and learner.municipality):
        gaps.append(_("Vul het adres van de lerende in bij de gegevens van de lerende."))
    return gaps


def _reachability(school: School, coordinator: User | None, lang: str) -> str:
    """How the school is reachable while the learner works: its own text, else its contacts."""
    if school.reachability.strip():
        return school.reachability.strip()
    email = school.email or (coordinator.email if coordinator else "")
    if not (school.phone or email):
        return ""
    if lang == Language.FR.value:
        ways = " et ".join(filter(None, (school.phone and f"au {school.phone}",
                                         email and f"par e-mail à {email}")))
        return (f"L'établissement d'enseignement est joignable {ways}, également pendant les "
                "vacances scolaires.")
    ways = " en ".join(filter(None, (school.phone and f"op {school.phone}",
                                     email and f"via {email}")))
    return f"De school is bereikbaar {ways}, ook tijdens de schoolvakanties."


def reference(agreement: Agreement) -> str:
    """The contract's reference, printed on every page: OVK-000042 v2."""
    return f"OVK-{agreement.id:06d} v{agreement.version}"


def contract_data(session: Session, agreement: Agreement, *, today: date, draft: bool = False,
                  signers: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the contract shows, as JSON-safe plain data (`signers`: party -> name)."""
    placement = session.get(Placement, agreement.placement_id)
    trajectory = session.get(Trajectory, placement.trajectory_id)
    learner = session.get(Learner, trajectory.learner_id)
    programme = session.get(Programme, trajectory.programme_id)
    sector = session.get(Sector, programme.sector_id)
    school = session.get(School, trajectory.school_id)
    site = session.get(Site, placement.site_id)
    company = session.get(Company, site.company_id)
    mentor = session.get(Mentor, placement.mentor_id)
    coordinator = (session.get(User, trajectory.coordinator_id)
                   if trajectory.coordinator_id else None)
    lang = contract_language(site, learner)
    minor = is_minor(learner.birth_date, today)

    recognition = session.get(Recognition, placement.recognition_id)
    competencies: dict[str, list[dict[str, Any]]] = {location.value: []
                                                     for location in CompetencyLocation}
    for row in training_plan(session, trajectory):
        competencies[row.location].append({
            "code": row.competency.code, "title": row.competency.title, "differs": row.differs,
            "standard": PLACE_NAMES[lang][row.standard],
        })
    weekly, hours = company.weekly_working_hours, agreement.hours_per_week
    schedule = [{"day": DAY_NAMES[lang][day], "part": PART_NAMES[lang][part], "key": day,
                 "half": part} for day, part in schedule_days(placement.weekly_schedule)]
    moments = [
        {"title": moment.title, "due_on": format_date(moment.due_on)}
        for moment in session.execute(
            select(EvaluationMoment).where(EvaluationMoment.trajectory_id == trajectory.id)
            .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
        ).scalars()
    ]
    return {
        "lang": lang,
        "kind": agreement.kind,
        "draft": draft,
        "reference": reference(agreement),
        "version": agreement.version,
        "previous_version": agreement.version - 1 if agreement.previous_version_id else None,
        "created": today.isoformat(),
        "issued_on": format_date(today),
        "learner": {
            "name": f"{learner.first_name} {learner.last_name}",
            "birth_date": format_date(learner.birth_date),
            "address": (_address(learner.street, learner.postcode, learner.municipality)
                        if learner.street and learner.municipality else ""),
            "email": learner.email,
            "phone": learner.phone,
            "minor": minor,
        },
        "guardian": {
            "name": learner.guardian_name,
            "email": learner.guardian_email,
            "phone": learner.guardian_phone,
        } if minor else None,
        "company": {
            "name": company.name,
            "legal_form": company.legal_form,
            "display_name": company_display_name(company.name, company.legal_form),
            "kbo": format_kbo(company.kbo_number),
            "address": _address(company.street, company.postcode, company.municipality),
            "contact_name": company.contact_name,
            "contact_email": company.contact_email,
            "contact_phone": company.contact_phone,
        },
        "site": {
            "name": site.name,
            "number": format_kbo(site.number),
            "address": _address(site.street, site.postcode, site.municipality),
        },
        "mentor": {
            "name": f"{mentor.first_name} {mentor.last_name}",
            "function": mentor.function_title,
            "email": mentor.email,
            "phone": mentor.phone,
        },
        "school": {
            "name": school.name,
            "institution_number": school.institution_number,
            "address": _address(school.street, school.postcode, school.municipality),
            "email": school.email,
            "phone": school.phone,
            "reachability": _reachability(school, coordinator, lang),
        },
        "coordinator": {
            "name": coordinator.full_name if coordinator else "",
            "email": coordinator.email if coordinator else "",
            "phone": getattr(coordinator, "phone", "") or "",
        },
        "recognition": {
            "number": recognition_number(recognition.id),
            "valid_from": format_date(recognition.valid_from),
            "valid_until": format_date(recognition.valid_until),
        },
        "working_time": {
            "total": format_hours(weekly) if weekly else "",
            "workplace": format_hours(hours),
            "school": format_hours(weekly - hours) if weekly and weekly >= hours else "",
        },
        "schedule": schedule,
        "schedule_days": [{"key": key, "name": name} for key, name in DAY_NAMES[lang].items()
                          if key != "sat" or any(day["key"] == "sat" for day in schedule)],
        "programme": {"name": programme.name, "code": programme.code, "sector": sector.name},
        "school_year": school_year_label(trajectory.school_year),
        "starts_on": format_date(agreement.starts_on),
        "ends_on": format_date(agreement.ends_on),
        "placement": {"starts_on": format_date(placement.starts_on),
                      "ends_on": format_date(placement.ends_on)},
        "hours": format_hours(agreement.hours_per_week),
        **_allowance(session, agreement, lang, today),
        "hours_threshold": format_hours(current_app.config["AGREEMENT_MIN_HOURS_ALTERNATING"]),
        "competencies": competencies,
        "moments": moments,
        "signers": dict(signers or {}),
    }


def signature_rows(signatures, lang: str) -> list[dict[str, str]]:
    """The signature page's lines: who signed, when, from where, and the hash they saw."""
    return [
        {
            "party": signature.party,
            "name": signature.signer_name,
            "expected_name": signature.expected_name,
            "email": signature.signer_email,
            "signed_at": format_datetime(signature.signed_at),
            "signed_at_utc": _utc(signature.signed_at),
            "ip": signature.ip,
            "user_agent": signature.user_agent,
            "sha256": signature.document_sha256,
        }
        for signature in signatures
    ]


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def render(data: dict[str, Any], *, signatures: list[dict[str, str]] | None = None,
           signed_sha256: str = "", signed_on: date | None = None) -> bytes:
    """The contract PDF; with `signatures`, followed by the signature page."""
    context = dict(data)
    context["signatures"] = signatures or []
    context["signed_sha256"] = signed_sha256
    if signed_on is not None:
        context["created"] = signed_on.isoformat()
    return pdf.render_pdf(TEMPLATES[data["kind"]], context)
