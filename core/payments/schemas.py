"""The payment-system shapes accepted and returned by the API (and reused by the UI forms).

``settings`` is free-form here on purpose: its keys and types come from the chosen plugin's
``settings_fields`` and are checked by ``core.plugins.fields.validate_values`` in the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Kind = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Percent = Annotated[str, msgspec.Meta(max_length=32)]
FeePayer = Literal["client", "owner"]


class PaymentSystemCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    kind: Kind
    enabled: bool = True
    settings: dict[str, Any] = {}
    fee_payer: FeePayer = "client"
    internal_fee: Percent | None = None  # percent as a decimal string, e.g. "2.5"


class PaymentSystemUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``kind`` is accepted only to say it cannot change; omitted secrets keep their value."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    settings: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    fee_payer: FeePayer | msgspec.UnsetType = msgspec.UNSET
    internal_fee: Percent | msgspec.UnsetType | None = msgspec.UNSET


class PaymentSystemOut(msgspec.Struct, gc=False):
    id: int
    name: str
    kind: str
    kind_name: str
    plugin_installed: bool
    enabled: bool
    settings: dict[str, Any]  # secrets redacted
    secrets_set: dict[str, bool]  # secret field name -> whether a value is stored
    fee_payer: str
    internal_fee: str
    created_at: datetime
    updated_at: datetime


class PaymentSystemPage(Page):
    items: list[PaymentSystemOut]


class PaymentSystemTypeOut(msgspec.Struct):
    key: str
    name: str
    settings_schema: dict[str, Any]


class AssignedPaymentSystem(msgspec.Struct):
    id: int
    name: str
    kind: str
    enabled: bool


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    payment_system_ids: Annotated[list[int], msgspec.Meta(max_length=200)]


class AssignmentOut(msgspec.Struct):
    legal_entity_id: int
    payment_system_ids: list[int]
    payment_systems: list[AssignedPaymentSystem]
