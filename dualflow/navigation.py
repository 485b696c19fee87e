"""The main menu per role; later features add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from dualflow.catalog.models import School, Sector
from dualflow.companies.models import Company
from dualflow.modelbase import Role


@dataclass(frozen=True)
class MenuItem:
    label: object
    endpoint: str
    prefix: str


@dataclass(frozen=True)
class MenuGroup:
    """A drop-down of menu items, so that a long menu still fits on one line."""

    label: object
    items: tuple[MenuItem, ...]

    def is_active(self, endpoint: str | None) -> bool:
        """Whether the current page belongs to one of the group's items."""
        return bool(endpoint) and any(endpoint.startswith(item.prefix) for item in self.items)


_DASHBOARD = MenuItem(_l("Overzicht"), "dashboard.home", "dashboard.")
_COMPANIES = MenuItem(_l("Ondernemingen"), "companies.index", "companies.")
_REGISTER = MenuItem(_l("Register"), "recognitions.register", "recognitions.register")
_LEARNERS = MenuItem(_l("Lerenden"), "learners.index", "learners.")
_TRAJECTORIES = MenuItem(_l("Trajecten"), "trajectories.index", "trajectories.")
_INDICATORS = MenuItem(_l("Indicatoren"), "indicators.index", "indicators.")
_EVALUATIONS = MenuItem(_l("Evaluaties"), "evaluation_overview.index", "evaluation_overview.")

MENUS: dict[Role, list[MenuItem | MenuGroup]] = {
    Role.ADMIN: [
        _DASHBOARD,
        _LEARNERS,
        _TRAJECTORIES,
        _EVALUATIONS,
        _COMPANIES,
        _REGISTER,
        _INDICATORS,
        MenuGroup(_l("Beheer"), (
            MenuItem(_l("Gebruikers"), "admin.users", "admin.user"),
            MenuItem(_l("Scholen"), "admin.schools", "admin.school"),
            MenuItem(_l("Sectoren"), "admin.sectors", "admin.sector"),
            MenuItem(_l("Opleidingen"), "admin.programmes", "admin.programme"),
            MenuItem(_l("Leervergoeding"), "admin.allowance_rates", "admin.allowance_rate"),
            MenuItem(_l("Planner"), "admin.jobs", "admin.job"),
            MenuItem(_l("Auditlog"), "admin.audit", "admin.audit"),
        )),
    ],
    Role.COORDINATOR: [_DASHBOARD, _LEARNERS, _TRAJECTORIES, _EVALUATIONS,
                       MenuItem(_l("Rapporten"), "reports.batch_index", "reports.batch"),
                       MenuItem(_l("Gebruikers"), "admin.users", "admin.user"),
                       _COMPANIES, _REGISTER, _INDICATORS],
    Role.COMPANY: [
        _DASHBOARD,
        # The learners placed with the company: the trajectory list, scoped to its placements.
        MenuItem(_l("Lerenden"), "trajectories.index", "trajectories."),
        MenuItem(_l("Vestigingen en mentoren"), "companies.mine", "companies."),
        MenuItem(_l("Erkenningen"), "recognitions.index", "recognitions."),
        MenuItem(_l("Gebruikers"), "admin.users", "admin.user"),
    ],
    Role.MENTOR: [_DASHBOARD],
    Role.SECTOR: [
        _DASHBOARD,
        MenuItem(_l("Aanvragen"), "recognitions.inbox", "recognitions.inbox"),
        _REGISTER,
        _INDICATORS,
    ],
}

ROLE_LABELS = {
    Role.ADMIN: _l("Beheerder"),
    Role.COORDINATOR: _l("Trajectbegeleider"),
    Role.COMPANY: _l("Onderneming"),
    Role.MENTOR: _l("Mentor"),
    Role.SECTOR: _l("Sectorconsulent"),
}


def menu_for(role: str) -> list[MenuItem | MenuGroup]:
    """The menu entries for a role."""
    return MENUS.get(Role(role), [_DASHBOARD])


def organisation_name(session, user) -> str:
    """Name of the school, company or sector the user belongs to (empty for admins)."""
    for model, ident in ((School, user.school_id), (Company, user.company_id),
                         (Sector, user.sector_id)):
        if ident is not None:
            row = session.get(model, ident)
            return row.name if row else ""
    return ""
