"""Who receives a deadline notification: users in their language, or a bare e-mail address.

The rules first collect every id and address they may need and `prefetch` them, so that a
daily run issues a handful of queries per rule whatever the number of rows that are due.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from dualflow.accounts.models import User
from dualflow.modelbase import Role

LANGUAGES = ("nl", "fr", "en")


@dataclass(frozen=True)
class Recipient:
    """A user (in-app and mail) or, without an account, an e-mail address."""

    user: User | None = None
    email: str = ""
    language: str = "nl"

    @property
    def key(self) -> str:
        """The recipient part of a dedupe key."""
        return f"user={self.user.id}" if self.user is not None else f"email={self.email.lower()}"


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else "nl"


def of_user(user: User) -> Recipient:
    """A user as recipient, in the user's language."""
    return Recipient(user=user, language=_language(user.language))


class Directory:
    """Users of the run, loaded in bulk and looked up without further queries."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.users: dict[int, User] = {}
        self.by_address: dict[str, User] = {}
        self.school_coordinators: dict[int, list[User]] = defaultdict(list)
        self.company_users: dict[int, list[User]] = defaultdict(list)
        self.sector_users: dict[int, list[User]] = defaultdict(list)

    def _remember(self, users: Iterable[User]) -> None:
        for user in users:
            self.users[user.id] = user
            self.by_address[user.email.lower()] = user

    def prefetch(self, *, user_ids: Iterable[int | None] = (), emails: Iterable[str] = (),
                 school_ids: Iterable[int] = (), company_ids: Iterable[int] = (),
                 sector_ids: Iterable[int] = ()) -> None:
        """Load, in one query each, what the lookups below will need."""
        active = User.is_active.is_(True)
        ids = sorted({i for i in user_ids if i is not None} - set(self.users))
        for start in range(0, len(ids), 500):
            self._remember(self.session.execute(
                select(User).where(User.id.in_(ids[start:start + 500]))).scalars())
        addresses = sorted({e.strip().lower() for e in emails if e and e.strip()}
                           - set(self.by_address))
        for start in range(0, len(addresses), 500):
            self._remember(self.session.execute(
                select(User).where(func.lower(User.email).in_(addresses[start:start + 500]))
            ).scalars())
        groups = (
            (sorted(set(school_ids)), User.school_id, Role.COORDINATOR, self.school_coordinators),
            (sorted(set(company_ids)), User.company_id, Role.COMPANY, self.company_users),
            (sorted(set(sector_ids)), User.sector_id, Role.SECTOR, self.sector_users),
        )
        for wanted, column, role, target in groups:
            wanted = [i for i in wanted if i not in target]
            for start in range(0, len(wanted), 500):
                rows = self.session.execute(
                    select(User).where(column.in_(wanted[start:start + 500]),
                                       User.role == role.value, active)
                    .order_by(User.id)
                ).scalars().all()
                self._remember(rows)
                for user in rows:
                    target[getattr(user, column.key)].append(user)
                for i in wanted[start:start + 500]:
                    target.setdefault(i, [])

    def user(self, user_id: int | None) -> Recipient | None:
        """An active user by id."""
        user = self.users.get(user_id) if user_id is not None else None
        return of_user(user) if user is not None and user.is_active else None

    def address(self, email: str, language: str = "nl") -> Recipient | None:
        """The active account with this address, else the bare address (None when empty)."""
        email = (email or "").strip()
        if not email:
            return None
        user = self.by_address.get(email.lower())
        if user is not None:
            return of_user(user) if user.is_active else None
        return Recipient(email=email, language=_language(language))

    def coordinators(self, coordinator_id: int | None, school_id: int) -> list[Recipient]:
        """The trajectory's coordinator; without an active one, the school's coordinators."""
        own = self.user(coordinator_id)
        if own is not None and own.user.role == Role.COORDINATOR:
            return [own]
        return [of_user(user) for user in self.school_coordinators.get(school_id, [])]

    def company(self, company) -> list[Recipient]:
        """The company's contact person, else its company users."""
        contact = self.address(company.contact_email)
        if contact is not None:
            return [contact]
        return [of_user(user) for user in self.company_users.get(company.id, [])]

    def sector(self, sector) -> list[Recipient]:
        """The sector's own address, else its sector users."""
        shared = self.address(sector.email)
        if shared is not None:
            return [shared]
        return [of_user(user) for user in self.sector_users.get(sector.id, [])]

    def mentor(self, mentor) -> Recipient | None:
        """The mentor's account, else the mentor's e-mail address."""
        return self.mentor_of(mentor.user_id, mentor.email)

    def mentor_of(self, user_id: int | None, email: str | None) -> Recipient | None:
        """A mentor given by account id and address: the account if any, else the address."""
        if user_id is not None:
            return self.user(user_id)
        return self.address(email or "")


def unique(recipients: Iterable[Recipient | None]) -> list[Recipient]:
    """Recipients without None and without the same person twice, in first-seen order."""
    seen: set[str] = set()
    result = []
    for recipient in recipients:
        if recipient is not None and recipient.key not in seen:
            seen.add(recipient.key)
            result.append(recipient)
    return result
