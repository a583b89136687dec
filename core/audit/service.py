"""Reading the audit log: filters, sorting and paging for lists, and one event's changes.

A company sees the events whose ``company`` is itself or a company it created, the same scope
as every other tenant-owned object, so a foreign event id answers 404.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import msgspec

from core.audit.label_pairs import pair_filters
from core.audit.labels import label_filter
from core.audit.models import AuditChange, AuditEvent
from core.errors import Invalid
from core.web.listing import Cursors, ListQuery, Page, fetch_page
from tenants.scope import Scope, get_in_scope, in_scope

Text = Annotated[str, msgspec.Meta(max_length=200)]

SORTABLE = {
    "id": AuditEvent.id,
    "created_at": AuditEvent.created_at,
    "action": AuditEvent.action,
    "user": AuditEvent.user_label,
    "ip": AuditEvent.ip,
}
EVENT_COLUMNS = [
    AuditEvent.id,
    AuditEvent.created_at,
    AuditEvent.company,
    AuditEvent.user,
    AuditEvent.user_label,
    AuditEvent.ip,
    AuditEvent.action,
]


class AuditFilters(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``action`` matches exactly, ``action_contains`` and ``user`` (e-mail) match a part,
    case-insensitively; ``table_name``/``object_id`` keep events that touched that row;
    ``date_from``/``date_to`` bound ``created_at`` (inclusive; a bare date covers its day)."""

    action: Text | None = None
    action_contains: Text | None = None
    user: Text | None = None
    ip: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    table_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    object_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> AuditFilters:
        """From query-string or form values: blanks are ignored, unknown names rejected."""
        values = {k: v for k, v in params.items() if v not in (None, "")}
        for name, end in (("date_from", False), ("date_to", True)):
            if isinstance(values.get(name), str):
                values[name] = _parse_when(name, values[name], end)
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise Invalid(str(exc), [{"field": _field_of(str(exc)), "message": str(exc)}]) from None

    def to_params(self) -> dict[str, Any]:
        """JSON-safe form, stored with an export job and turned back by ``from_query``."""
        return msgspec.to_builtins(self)

    async def clauses(self) -> list:
        """Async: a text filter reads its values in the dictionary first (PostgreSQL's planner
        weighs them as constants; SQLite seeks their (label, action) ranges)."""
        clauses = []
        if self.action:
            clauses.append(AuditEvent.action == self.action)
        clauses += await _text_clauses(self.user, self.action_contains)
        if self.ip:
            clauses.append(AuditEvent.ip == self.ip)
        if self.table_name or self.object_id is not None:
            touched = AuditChange.select(AuditChange.event)
            if self.table_name:
                touched = touched.where(AuditChange.table_name == self.table_name)
            if self.object_id is not None:
                touched = touched.where(AuditChange.object_id == self.object_id)
            clauses.append(AuditEvent.id.is_in(touched))
        if self.date_from is not None:
            clauses.append(AuditEvent.created_at >= _utc(self.date_from))
        if self.date_to is not None:
            clauses.append(AuditEvent.created_at <= _utc(self.date_to))
        return clauses


async def _text_clauses(user: str | None, action: str | None) -> list:
    """``user`` and ``action_contains``: on SQLite as (label, action) pair ranges when they are
    few (``core.audit.label_pairs``), else through the dictionary one text at a time
    (``core.audit.labels``), the user's leading: a user's events are fewer than an action's."""
    if (pairs := await pair_filters(user, action)) is not None:
        return pairs
    clauses = []
    if user:
        clauses.append(await label_filter(AuditEvent.user_label, user))
    if action:
        clauses.append(await label_filter(AuditEvent.action, action, not user))
    return clauses


def _field_of(message: str) -> str:
    marker = "`$."
    if marker in message:
        return message.split(marker, 1)[1].split("`", 1)[0].split(".")[0]
    if "field `" in message:
        return message.split("field `", 1)[1].split("`", 1)[0]
    return "filters"


def _parse_when(name: str, raw: str, end_of_day: bool) -> datetime:
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end_of_day:
                return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(
                    microseconds=1
                )
            return datetime.combine(day, time(), UTC)
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid.field(name, "must be a date (YYYY-MM-DD) or an ISO 8601 date-time") from None


def _utc(value: datetime) -> datetime:
    """Naive values are read as UTC, and every bound is compared in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AuditEventOut(msgspec.Struct):
    id: int
    created_at: datetime
    company_id: int
    user_id: int | None
    user: str
    ip: str
    action: str


class AuditChangeOut(msgspec.Struct):
    id: int
    table: str
    operation: str
    object_id: int
    old_values: dict[str, Any]
    new_values: dict[str, Any]
    company_id: int | None


class AuditEventDetail(msgspec.Struct):
    id: int
    created_at: datetime
    company_id: int
    user_id: int | None
    user: str
    ip: str
    action: str
    changes: list[AuditChangeOut]


class AuditEventPage(Page):
    items: list[AuditEventOut]


def event_out(row: dict) -> AuditEventOut:
    return AuditEventOut(
        id=row["id"],
        created_at=row["created_at"],
        company_id=row["company"],
        user_id=row["user"],
        user=row["user_label"],
        ip=row["ip"],
        action=row["action"],
    )


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def change_out(row: dict) -> AuditChangeOut:
    return AuditChangeOut(
        id=row["id"],
        table=row["table_name"],
        operation=row["operation"],
        object_id=row["object_id"],
        old_values=_json(row["old_values"]),
        new_values=_json(row["new_values"]),
        company_id=row["object_company_id"],
    )


async def scoped_clauses(scope: Scope, filters: AuditFilters) -> list:
    return [in_scope(AuditEvent, scope), *await filters.clauses()]


async def list_events(
    scope: Scope, filters: AuditFilters, query: ListQuery
) -> tuple[list[AuditEventOut], int, Cursors]:
    """Paged by key: the log grows without bound and its last page must cost as its first."""
    rows, total, cursors = await fetch_page(
        AuditEvent, EVENT_COLUMNS, await scoped_clauses(scope, filters), query, SORTABLE
    )
    return [event_out(r) for r in rows], total, cursors


async def changes_of(event_ids: list[int]) -> dict[int, list[AuditChangeOut]]:
    """The change rows of several events at once, in recording order."""
    found: dict[int, list[AuditChangeOut]] = {i: [] for i in event_ids}
    if not event_ids:
        return found
    rows = (
        await AuditChange.select()
        .where(AuditChange.event.is_in(event_ids))
        .order_by(AuditChange.id)
    )
    for row in rows:
        found[row["event"]].append(change_out(row))
    return found


async def get_event(scope: Scope, event_id: int) -> AuditEventDetail:
    event = event_out(await get_in_scope(AuditEvent, scope, event_id, *EVENT_COLUMNS))
    changes = (await changes_of([event.id]))[event.id]
    return AuditEventDetail(**msgspec.structs.asdict(event), changes=changes)


async def action_names(scope: Scope, limit: int = 500) -> list[str]:
    """The distinct actions in the scope's log, for the action filter drop-down."""
    rows = (
        await AuditEvent.select(AuditEvent.action)
        .where(in_scope(AuditEvent, scope))
        .distinct()
        .order_by(AuditEvent.action)
        .limit(limit)
    )
    return [r["action"] for r in rows]
