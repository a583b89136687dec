"""The bank shapes accepted and returned by the API (and reused by the UI forms).

Country and SWIFT code are checked by the service, not here, so that a wrong value gets a
message naming the rule it breaks instead of a generic type error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
CountryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Address = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Swift = Annotated[str, msgspec.Meta(max_length=64)]
Code = Annotated[str, msgspec.Meta(max_length=32)]


class BankCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    country: CountryCode
    address: Address
    description: Description = ""
    swift: Swift = ""
    branch_code: Code = ""
    bank_code: Code = ""


class BankUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    country: CountryCode | msgspec.UnsetType = msgspec.UNSET
    address: Address | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    swift: Swift | msgspec.UnsetType = msgspec.UNSET
    branch_code: Code | msgspec.UnsetType = msgspec.UNSET
    bank_code: Code | msgspec.UnsetType = msgspec.UNSET


class BankOut(msgspec.Struct, gc=False):
    id: int
    name: str
    description: str
    country: str
    country_name: str
    address: str
    swift: str
    branch_code: str
    bank_code: str
    company_id: int
    company_name: str
    owned: bool
    created_at: datetime
    updated_at: datetime


class BankPage(Page):
    items: list[BankOut]
