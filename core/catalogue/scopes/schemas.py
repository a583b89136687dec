"""The scope shapes of the API.

Dates travel as agreements take them: local date-times plus an IANA zone (an aware value is
taken as the instant it names); the service turns them into UTC instants with
``core.periods``, so an unknown zone or a skipped local time is a 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from core.accounts.agreements.schemas import Zone
from core.web.listing import Page


class ScopeCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``effective_from`` may be left out of a draft only; ``copy_from_scope_id`` names any
    scope of any of your services whose rate tree the new scope starts with."""

    effective_from: datetime | None = None
    effective_till: datetime | None = None
    timezone: Zone = "UTC"
    draft: bool = False
    copy_from_scope_id: int | None = None


class ScopeUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given change. A new ``timezone`` alone keeps the local date-times as
    they read and moves the instants with the zone."""

    effective_from: datetime | msgspec.UnsetType | None = msgspec.UNSET
    effective_till: datetime | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Zone | msgspec.UnsetType = msgspec.UNSET
    draft: bool | msgspec.UnsetType = msgspec.UNSET


class ScopeOut(msgspec.Struct, gc=False):
    """``status``: ``draft``, or the period's ``upcoming`` / ``current`` / ``past`` now;
    ``in_force``: this is the scope rating uses now (the earliest created of the current
    ones). ``tree_version`` moves with every change of the rate tree."""

    id: int
    service_id: int
    draft: bool
    status: str
    in_force: bool
    effective_from: datetime | None
    effective_till: datetime | None
    timezone: str
    effective_from_local: str | None
    effective_till_local: str | None
    tree_version: int
    created_at: datetime
    updated_at: datetime


class ScopePage(Page):
    items: list[ScopeOut]
