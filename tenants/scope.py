"""The caller's scope: what a company may see and touch.

A company sees the objects it owns and the objects of the companies it created (its direct
children). Siblings, the parent and grandchildren stay invisible, and a foreign id answers 404
exactly like a missing one, so ids cannot be probed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column, ForeignKey
from piccolo.columns.combination import Where
from piccolo.table import Table

from core.db.disjoint import Disjoint
from core.errors import NotFound
from tenants.models import Company

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# The sorts with an ``(owner, key, id)`` and a ``(tenant_id, key, id)`` index (migrations
# 2026-12-01T10:30:01, 11:20:00 and 11:20:02, whose TENANT_OWNED, SORT_INDEXES and COPIES must
# name the same keys: tests/test_tenant_scope.py).
SCOPE_SORTS = {
    "legal_entities": frozenset({"id", "name", "sort_company"}),
    "bank_accounts": frozenset({"id", "name", "sort_company", "sort_legal_entity", "sort_bank"}),
    "portals": frozenset({"id", "name", "sort_company"}),
    "users": frozenset({"id", "email", "last_active_at", "sort_company"}),
    "invitations": frozenset({"id", "email", "updated_at", "sort_company"}),
    "audit_events": frozenset({"created_at"}),
}


@dataclass(frozen=True)
class Scope:
    company_id: int
    company_path: str
    company_kind: str

    @property
    def is_system_owner(self) -> bool:
        return self.company_kind == "owner"

    @classmethod
    def of(cls, company: dict[str, Any]) -> Scope:
        return cls(
            company_id=company["id"], company_path=company["path"], company_kind=company["kind"]
        )


def owner_column(table: type[Table]) -> Column:
    """The column naming the company (or the parent row) a tenant-owned row belongs to."""
    name = getattr(table, "__owner__", None)
    if not name:
        raise TypeError(f"{table.__name__} declares no __owner__ column; it cannot be scoped")
    return getattr(table, name)


def in_scope(table: type[Table], scope: Scope) -> Where:
    """The WHERE clause limiting ``table`` to rows the scope may see.

    ``owner = C OR owner.parent = C`` through a join to ``companies``; on a table carrying
    ``tenant_id`` (its owner's parent, kept by triggers) it is also the two ``Disjoint`` arms
    ``owner = C`` and ``tenant_id = C``, which a list sorted by a key of ``SCOPE_SORTS`` reads
    as two index ranges (``core.db.disjoint``).
    """
    if table is Company:
        return Company.parent == scope.company_id
    column = owner_column(table)
    if isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references is Company:
        plain = (column == scope.company_id) | (column._.parent == scope.company_id)
        tenant = getattr(table, "tenant_id", None)
        if tenant is None:
            return plain
        arms = (column == scope.company_id, tenant == scope.company_id)
        return Disjoint(arms, plain, SCOPE_SORTS.get(table._meta.tablename, frozenset()))
    raise TypeError(
        f"{table.__name__}.{column._meta.name} does not reference a company; scope it through "
        "its parent table"
    )


async def get_in_scope(table: type[Table], scope: Scope, object_id: int, *columns) -> dict:
    """One row as a dict, or NotFound when it is missing or outside the scope."""
    row = (
        await table.select(*columns)
        .where(table._meta.primary_key == object_id, in_scope(table, scope))
        .first()
    )
    if row is None:
        raise NotFound(f"{object_name(table)} {object_id} not found")
    return row


def object_name(table: type[Table]) -> str:
    """What people call one row: ``LegalEntity`` is a "legal entity" (the table name is plural
    and English plurals do not strip back reliably: companies, addresses)."""
    return getattr(table, "__object_name__", None) or _CAMEL.sub(" ", table.__name__).lower()


async def visible_company_ids(scope: Scope) -> list[int]:
    rows = await Company.select(Company.id).where(Company.parent == scope.company_id)
    return [scope.company_id, *(r["id"] for r in rows)]


async def descendant_ids(company_path: str) -> list[int]:
    """Every company below the one at ``company_path``, through one indexed prefix query."""
    rows = await Company.select(Company.id).where(
        Company.path.like(company_path + "%"), Company.path != company_path
    )
    return [r["id"] for r in rows]
