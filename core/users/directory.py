"""The users list: invitations ("Guest") first, then registered users, as one paged list.

Two tables cannot be paged as one with a UNION over both databases' column types cheaply, so
the list is two blocks one after the other (``core.web.listing.fetch_blocks``): invitations
first, then users, each sorted by the chosen key (email by default). A cursor names its block,
so a page that starts among the invitations and ends among the users is read by key too.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.auth.models import User
from core.auth.principal import Principal
from core.db.search import matches
from core.errors import Invalid
from core.users import rules
from core.users.invitations import InvitationFilters, effective_status
from core.users.models import Invitation
from core.users.schemas import DirectoryEntry
from core.web.keyset import Block
from core.web.listing import BLOCK, Cursors, ListQuery, fetch_blocks

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
            "company": User.sort_company,
            "status": User.status,
            "last_active": User.last_active_at,
        }
    return {
        "email": Invitation.email,
        "id": Invitation.id,
        "company": Invitation.sort_company,
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


async def list_directory(principal: Principal, filters: DirectoryFilters, query: ListQuery):
    """One page of entries, the total over both blocks and the neighbouring pages' cursors."""
    filters.validate()
    query.validate(_sortable(User))
    if filters.group not in rules.visible_groups(principal):
        return [], 0, Cursors()
    blocks = []
    if not filters.status or filters.status in INVITATION_STATUSES:
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
        blocks.append(
            Block(Invitation, INVITATION_COLUMNS, invitation_where, _sortable(Invitation))
        )
    if not filters.status or filters.status in USER_STATUSES:
        user_where = [*rules.visible(User, principal), *filters.user_clauses()]
        blocks.append(Block(User, USER_COLUMNS, user_where, _sortable(User)))
    rows, total, cursors = await fetch_blocks(blocks, query, "directory")
    entries = [
        _user_entry(r) if blocks[r.pop(BLOCK)].table is User else _invitation_entry(r) for r in rows
    ]
    return entries, total, cursors
