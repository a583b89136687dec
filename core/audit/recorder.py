"""Writes audit events inside the caller's transaction, so a change and its record commit or
roll back together. Secret columns never reach the log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from piccolo.table import Table

from core.audit.models import AuditChange, AuditEvent
from core.db.copies import copy_columns


@dataclass(frozen=True)
class AuditContext:
    company_id: int
    user_id: int | None
    user_label: str
    ip: str


@dataclass
class Change:
    table: str
    operation: str  # insert | update | delete
    object_id: int
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    object_company_id: int | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(table: type[Table], row: dict[str, Any] | None) -> dict[str, Any]:
    """The auditable view of a row: secret columns dropped, values made JSON-safe.

    ``tenant_id`` and the sort copies (``core.db.copies``) are dropped too: the database
    derives them from other columns, so they are never a change anyone made.
    """
    if not row:
        return {}
    secret = {*getattr(table, "__secret_columns__", ()), "tenant_id"}
    secret.update(copy_columns(table._meta.tablename))
    return {k: _plain(v) for k, v in row.items() if k not in secret}


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose value changed, on each side."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


async def record_event(ctx: AuditContext, action: str, changes: list[Change]) -> int:
    event = AuditEvent(
        company=ctx.company_id,
        user=ctx.user_id,
        user_label=ctx.user_label,
        ip=ctx.ip,
        action=action,
    )
    await event.save()
    if changes:
        await AuditChange.insert(
            *[
                AuditChange(
                    event=event.id,
                    table_name=c.table,
                    operation=c.operation,
                    object_id=c.object_id,
                    object_company_id=c.object_company_id,
                    old_values=json.dumps(c.old, sort_keys=True),
                    new_values=json.dumps(c.new, sort_keys=True),
                )
                for c in changes
            ]
        )
    return event.id
