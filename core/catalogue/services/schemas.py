"""The service shapes accepted and returned by the API (and reused by the console form).

Every field is a plain type here and checked by the service (``service.clean``): an unknown
type, a currency on a unit pack or an over-precise size then gets a 422 naming the field and
the rule, where a schema constraint would answer a generic type error. ``size`` is a decimal
string (a JSON integer is taken too); a float is refused, as for every amount of money.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from core.web.listing import Page

Size = str | int | float | None


class ServiceCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    type: str
    currency: str | None = None
    size: Size = None
    description: str = ""


class ServiceUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given change; ``null`` clears ``currency`` or ``size``."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    type: str | msgspec.UnsetType = msgspec.UNSET
    currency: str | msgspec.UnsetType | None = msgspec.UNSET
    size: Size | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET


class ServiceClone(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class ServiceOut(msgspec.Struct, gc=False):
    """``size``: units ("1000") for unit and bundle packs, an amount of ``currency``
    ("250.00") for a monetary pack, ``None`` for the other types."""

    id: int
    name: str
    type: str
    type_label: str
    currency: str | None
    size: str | None
    description: str
    archived: bool
    archived_at: datetime | None
    company_id: int
    created_at: datetime
    updated_at: datetime


class ServicePage(Page):
    items: list[ServiceOut]
