"""The company shapes accepted and returned by the API (and reused by the UI forms).

The number-portability (MNP) fields exist only for the system owner: in the input they default
to "not sent" so the service can refuse them from anyone else, and in the output they stay
``UNSET`` (omitted from the JSON) unless the caller is the system owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
CompanyType = Literal["client", "reseller"]
Period = Literal["day", "month", "year"]
ConnectionKey = Annotated[str, msgspec.Meta(max_length=100)]
ChannelList = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=50)
]


class CompanyCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    type: CompanyType
    enabled: bool = True
    creator_of_resellers: bool = False
    moderation: bool = False
    description: Description = ""
    portal_id: int | None = None
    # Omitted: the caller's default own legal entity (if it has one).
    own_legal_entity_id: int | UnsetType | None = UNSET
    invoices_enabled: bool = False
    two_factor_required: bool = False
    mnp_requests: bool | UnsetType = UNSET
    mnp_connection: ConnectionKey | UnsetType = UNSET
    mnp_channels: ChannelList | UnsetType = UNSET


class CompanyUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    type: CompanyType | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    creator_of_resellers: bool | UnsetType = UNSET
    moderation: bool | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    portal_id: int | UnsetType | None = UNSET
    own_legal_entity_id: int | UnsetType | None = UNSET
    invoices_enabled: bool | UnsetType = UNSET
    two_factor_required: bool | UnsetType = UNSET
    mnp_requests: bool | UnsetType = UNSET
    mnp_connection: ConnectionKey | UnsetType = UNSET
    mnp_channels: ChannelList | UnsetType = UNSET


class CompanyOut(msgspec.Struct, kw_only=True, gc=False):
    id: int
    name: str
    type: str
    parent_id: int | None
    enabled: bool
    is_reseller: bool
    creator_of_resellers: bool
    moderation: bool
    description: str
    portal_id: int | None
    portal_name: str | None
    own_legal_entity_id: int | None
    own_legal_entity_name: str | None
    invoices_enabled: bool
    two_factor_required: bool
    created_at: datetime
    updated_at: datetime
    # System owner only; omitted from the JSON for everyone else.
    mnp_requests: bool | UnsetType = UNSET
    mnp_connection: str | UnsetType = UNSET
    mnp_channels: list[str] | UnsetType = UNSET


class CompanyPage(Page):
    items: list[CompanyOut]


class TrafficRow(msgspec.Struct):
    channel: str
    channel_name: str
    messages: int
    delivered: int


class Overview(msgspec.Struct):
    traffic: list[TrafficRow]
    top_senders: list[dict]


class LegalEntitySummary(msgspec.Struct):
    id: int
    name: str
    legal_name: str
    country: str
    is_default: bool


class AgreementSummary(msgspec.Struct):
    """Money as decimal strings in ``currency``; ``credit_limit`` null means unlimited."""

    id: int
    code: str
    currency: str
    legal_entity_id: int
    legal_entity_name: str
    balance: str
    credit_limit: str | None
    version_id: int | None
    effective_from: datetime | None
    effective_till: datetime | None
    # the same instants in the zone they were entered in, as the agreement pages show them
    timezone: str | None = None
    effective_from_local: str | None = None
    effective_till_local: str | None = None


class Finance(msgspec.Struct):
    legal_entities: list[LegalEntitySummary]
    agreements: list[AgreementSummary]
    invoices: list[dict]
    payments: list[dict]
    services: list[dict]


class Assets(msgspec.Struct):
    templates: list[dict]


class CompanyProfile(msgspec.Struct):
    company: CompanyOut
    period: str
    period_from: datetime
    period_to: datetime
    overview: Overview
    finance: Finance
    assets: Assets
