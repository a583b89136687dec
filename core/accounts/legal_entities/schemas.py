"""The legal-entity shapes accepted and returned by the API (and reused by the UI forms).

Own legal entities (the caller's company) and client legal entities share every field; only
the client flavour names the company, so the own shapes cannot be pointed at another company.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LegalName = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
# ``extra["expect"]`` is what core.validation tells a sender whose value has the wrong shape.
CountryCode = Annotated[
    str, msgspec.Meta(min_length=2, max_length=3, extra={"expect": "a country code like DE or DEU"})
]
Identifier = Annotated[str, msgspec.Meta(max_length=64)]
Address = Annotated[str, msgspec.Meta(max_length=2000)]
EmailText = Annotated[str, msgspec.Meta(max_length=254)]
# The service allows 20 distinct addresses; the wider bound here only stops absurd payloads.
EmailList = Annotated[list[EmailText], msgspec.Meta(max_length=100)]


class OwnLegalEntityCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    legal_name: LegalName
    country: CountryCode
    portal_id: int | None = None
    tax_id: Identifier = ""
    legal_id: Identifier = ""
    vat_id: Identifier = ""
    legal_address: Address = ""
    billing_address: Address = ""
    notification_emails: EmailList = []
    is_default: bool = False


class LegalEntityCreate(OwnLegalEntityCreate, forbid_unknown_fields=True, kw_only=True):
    company_id: int


class LegalEntityUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The company of a legal entity is fixed at creation, for own and client entities alike."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    legal_name: LegalName | msgspec.UnsetType = msgspec.UNSET
    country: CountryCode | msgspec.UnsetType = msgspec.UNSET
    portal_id: int | msgspec.UnsetType | None = msgspec.UNSET
    tax_id: Identifier | msgspec.UnsetType = msgspec.UNSET
    legal_id: Identifier | msgspec.UnsetType = msgspec.UNSET
    vat_id: Identifier | msgspec.UnsetType = msgspec.UNSET
    legal_address: Address | msgspec.UnsetType = msgspec.UNSET
    billing_address: Address | msgspec.UnsetType = msgspec.UNSET
    notification_emails: EmailList | msgspec.UnsetType = msgspec.UNSET
    is_default: bool | msgspec.UnsetType = msgspec.UNSET


class LegalEntityOut(msgspec.Struct, gc=False):
    id: int
    company_id: int
    company_name: str
    company_type: str  # owner | reseller | client: only resellers' entities get reselling
    name: str
    legal_name: str
    country: str
    country_name: str
    portal_id: int | None
    portal_name: str | None
    tax_id: str
    legal_id: str
    vat_id: str
    legal_address: str
    billing_address: str
    notification_emails: list[str]
    is_default: bool
    created_at: datetime
    updated_at: datetime


class LegalEntityPage(Page):
    items: list[LegalEntityOut]
