"""The enabled-service shapes accepted and returned by the API (and reused by the console form).

One shape for the four kinds: ``billing`` belongs to packs and ``auto_extend`` to bundle
packs; the service refuses them on another kind with a 422 naming the field, which tells a
client more than an "unknown field" would. Ends travel as local date-times plus an IANA zone,
as agreement versions take them (``core.periods``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.web.listing import Page

Zone = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=64, extra={"expect": "a timezone like Europe/Berlin"}),
]
Billing = Annotated[str, msgspec.Meta(max_length=16)]


class EnabledCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    agreement_id: int
    service_id: int
    effective_from: datetime
    effective_till: datetime | None = None
    timezone: Zone = "UTC"
    hidden_from_client: bool = False
    billing: Billing | None = None
    auto_extend: bool | None = None


class EnabledUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given change; the agreement and the service are fixed once enabled
    (enable the other service instead). ``effective_till`` null means indefinitely."""

    effective_from: datetime | msgspec.UnsetType = msgspec.UNSET
    effective_till: datetime | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Zone | msgspec.UnsetType = msgspec.UNSET
    hidden_from_client: bool | msgspec.UnsetType = msgspec.UNSET
    billing: Billing | msgspec.UnsetType = msgspec.UNSET
    auto_extend: bool | msgspec.UnsetType = msgspec.UNSET


class EnabledOut(msgspec.Struct, gc=False):
    """``status``: upcoming, current or past now. ``billing`` is set for packs only,
    ``auto_extend`` and ``used`` for bundle packs only. ``cost`` is a charged pack's purchase
    price (an amount of ``currency``) and ``cost_note`` says why there is none."""

    id: int
    kind: str
    agreement_id: int
    agreement_code: str
    company_id: int
    company_name: str
    currency: str
    service_id: int
    service_name: str
    service_type: str
    effective_from: datetime
    effective_till: datetime | None
    timezone: str
    effective_from_local: str
    effective_till_local: str | None
    status: str
    hidden_from_client: bool
    billing: str | None
    auto_extend: bool | None
    used: int | None
    cost: str | None
    cost_note: str | None
    created_at: datetime
    updated_at: datetime


class EnabledPage(Page):
    items: list[EnabledOut]
