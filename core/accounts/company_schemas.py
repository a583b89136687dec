"""The company shapes accepted and returned by the API (and reused by the UI forms)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
CompanyType = Literal["client", "reseller"]


class CompanyCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    type: CompanyType
    enabled: bool = True
    creator_of_resellers: bool = False
    moderation: bool = False
    description: Description = ""
    portal_id: int | None = None


class CompanyUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    type: CompanyType | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    creator_of_resellers: bool | msgspec.UnsetType = msgspec.UNSET
    moderation: bool | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    portal_id: int | msgspec.UnsetType | None = msgspec.UNSET


class CompanyOut(msgspec.Struct):
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
    created_at: datetime
    updated_at: datetime


class CompanyPage(msgspec.Struct):
    items: list[CompanyOut]
    total: int
    page: int
    page_size: int
    pages: int
