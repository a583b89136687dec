"""Request and response shapes of roles and permission areas (shared by the API and the UI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.web.listing import Page

Group = Literal["backoffice", "portal"]
Level = Literal["none", "view", "manage"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
CompanyIds = Annotated[list[int], msgspec.Meta(max_length=500)]
Permissions = Annotated[dict[str, Level], msgspec.Meta(max_length=200)]


class RoleCreate(msgspec.Struct, forbid_unknown_fields=True):
    """``permissions`` override the template's levels; areas left out start at ``none``."""

    name: Name
    group: Group
    description: Description = ""
    template_id: int | None = None
    company_ids: CompanyIds = []
    permissions: Permissions = {}


class RoleUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The group cannot change: the permissions of one group mean nothing in the other."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    company_ids: CompanyIds | msgspec.UnsetType = msgspec.UNSET
    permissions: Permissions | msgspec.UnsetType = msgspec.UNSET


class CompanyRef(msgspec.Struct):
    id: int
    name: str


class RoleOut(msgspec.Struct):
    """``all_companies`` is true for system roles, which every company may assign."""

    id: int
    name: str
    description: str
    group: Group
    is_system: bool
    template: str
    owner_company_id: int
    all_companies: bool
    companies: list[CompanyRef]
    users: int
    editable: bool
    permissions: dict[str, Level]
    created_at: datetime
    updated_at: datetime


class RolePage(Page):
    items: list[RoleOut]


class AreaOut(msgspec.Struct):
    key: str
    label: str
    group: Group
    section: str
    description: str


class AreaList(msgspec.Struct):
    items: list[AreaOut]
