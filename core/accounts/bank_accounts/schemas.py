"""The bank-account shapes accepted and returned by the API (and reused by the UI forms).

Client and own bank accounts share every field: the company is never sent, it follows from the
chosen legal entity, so neither shape can point an account at a company outside the realm.
The account number is checked by the service (spacing, IBAN checksum), not here, so a wrong
value gets a message naming the rule it breaks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Holder = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
# Spaces are stripped before storing (64 characters), so a spaced-out IBAN may be longer here.
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class BankAccountCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    legal_entity_id: int
    bank_id: int
    holder: Holder
    number: Number


class BankAccountUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    legal_entity_id: int | msgspec.UnsetType = msgspec.UNSET
    bank_id: int | msgspec.UnsetType = msgspec.UNSET
    holder: Holder | msgspec.UnsetType = msgspec.UNSET
    number: Number | msgspec.UnsetType = msgspec.UNSET


class BankAccountOut(msgspec.Struct, gc=False):
    id: int
    name: str
    company_id: int
    company_name: str
    legal_entity_id: int
    legal_entity_name: str
    bank_id: int
    bank_name: str
    holder: str
    number: str
    is_iban: bool
    created_by_company_id: int | None
    created_by_company_name: str | None
    # True on an own account that the tenant above opened for the caller's company.
    assigned_by_tenant: bool
    created_at: datetime
    updated_at: datetime


class BankAccountPage(Page):
    items: list[BankAccountOut]
