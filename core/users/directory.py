"""The users list: invitations ("Guest") first, then registered users, as one paged list.

Two tables cannot be paged as one with a UNION over both databases' column types cheaply, so
the page is cut from the two ordered blocks by offset: invitations fill the first pages, users
continue where they end. Each block is sorted by the chosen key (email by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.auth.models import User
from core.auth.principal import Principal
from core.db import disjoint
from core.db.search import matches
from core.errors import Invalid
from core.users import rules
from core.users.invitations import InvitationFilters, effective_status
from core.users.models import Invitation
from core.users.schemas import DirectoryEntry
from core.web.listing import TOTAL_CAP, ListQuery

INVITATION_STATUSES = ("invited", "expired", "revoked")
USER_STATUSES = ("active", "inactive")
SORT_KEYS = ("email", "id", "company", "status", "last_active")


@dataclass(frozen=True)
class DirectoryFilters:
    group: str = "backoffice"
    q: str | None = None
    company_id: int | None = None
    status: str | None = None
    role_id: int | None = None

    def validate(self) -> None:
        if self.group not in ("backoffice", "portal"):
            raise Invalid.field("group", "must be backoffice or portal")
        if self.status and self.status not in INVITATION_STATUSES + USER_STATUSES:
            names = ", ".join(INVITATION_STATUSES + USER_STATUSES)
            raise Invalid.field("status", f"must be one of: {names}")

    def user_clauses(self) -> list:
        clauses = [User.group == self.group]
        if self.q:
            clauses.append(
                matches([User.email, User.first_name, User.last_name, User.login], self.q)
            )
        if self.company_id is not None:
            clauses.append(User.company == self.company_id)
        if self.status:
            clauses.append(User.status == self.status)
        if self.role_id is not None:
            clauses.append(User.role == self.role_id)
        return clauses


def _sortable(table) -> dict:
    if table is User:
        return {
            "email": User.email,
            "id": User.id,
            "company": User.company.name,
            "status": User.status,
            "last_active": User.last_active_at,
        }
    return {
        "email": Invitation.email,
        "id": Invitation.id,
        "company": Invitation.company.name,
        "status": Invitation.status,
        "last_active": Invitation.updated_at,
    }


USER_COLUMNS = [
    User.id,
    User.email,
    User.login,
    User.first_name,
    User.last_name,
    User.company,
    User.company.name.as_alias("company_name"),
    User.group,
    User.status,
    User.role,
    User.role.name.as_alias("role_name"),
    User.is_admin,
    User.last_active_at,
]
INVITATION_COLUMNS = [
    Invitation.id,
    Invitation.email,
    Invitation.company,
    Invitation.company.name.as_alias("company_name"),
    Invitation.group,
    Invitation.status,
    Invitation.expires_at,
    Invitation.role,
    Invitation.role.name.as_alias("role_name"),
    Invitation.is_admin,
    Invitation.updated_at,
]


def _user_entry(row: dict) -> DirectoryEntry:
    name = f"{row['first_name']} {row['last_name']}".strip() or row["login"] or ""
    return DirectoryEntry(
        kind="user",
        id=row["id"],
        email=row["email"],
        name=name,
        company_id=row["company"],
        company_name=row["company_name"],
        group=row["group"],
        status=row["status"],
        role_id=row["role"],
        role_name=row["role_name"],
        is_admin=row["is_admin"],
        last_active_at=row["last_active_at"],
    )


def _invitation_entry(row: dict) -> DirectoryEntry:
    return DirectoryEntry(
        kind="invitation",
        id=row["id"],
        email=row["email"],
        name="Guest",
        company_id=row["company"],
        company_name=row["company_name"],
        group=row["group"],
        status=effective_status(row),
        role_id=row["role"],
        role_name=row["role_name"],
        is_admin=row["is_admin"],
        last_active_at=row["updated_at"],
    )


async def _block(table, columns, where, query: ListQuery, offset: int, limit: int) -> list[dict]:
    """One block's rows; its scope's two arms are read as two index ranges (``disjoint``)."""
    if limit <= 0:
        return []
    key = _sortable(table)[query.sort]
    return await disjoint.ordered(table, columns, where, key, query.order == "asc", limit, offset)


async def list_directory(principal: Principal, filters: DirectoryFilters, query: ListQuery):
    """One page of entries and the total over both blocks."""
    filters.validate()
    query.validate(_sortable(User))
    if filters.group not in rules.visible_groups(principal):
        return [], 0
    wants_invitations = not filters.status or filters.status in INVITATION_STATUSES
    wants_users = not filters.status or filters.status in USER_STATUSES
    invitation_where = [
        *rules.visible(Invitation, principal),
        *InvitationFilters(
            q=filters.q,
            group=filters.group,
            company_id=filters.company_id,
            status=filters.status,
            role_id=filters.role_id,
        ).clauses(),
    ]
    user_where = [*rules.visible(User, principal), *filters.user_clauses()]
    start, size = (query.page - 1) * query.page_size, query.page_size
    # Counted as far as a page needs: the invitations up to the end of this page (they decide
    # where the users block starts), the users up to the cap every list's total stops at.
    invitations, users = 0, 0
    if wants_invitations:
        reach = max(TOTAL_CAP, start + size)
        invitations = await disjoint.capped_count(Invitation, invitation_where, reach)
    if wants_users:
        users = await disjoint.capped_count(User, user_where, TOTAL_CAP)
    entries: list[DirectoryEntry] = []
    if start < invitations:
        rows = await _block(Invitation, INVITATION_COLUMNS, invitation_where, query, start, size)
        entries += [_invitation_entry(r) for r in rows]
    if users:
        rows = await _block(
            User, USER_COLUMNS, user_where, query, max(0, start - invitations), size - len(entries)
        )
        entries += [_user_entry(r) for r in rows]
    return entries, invitations + users
