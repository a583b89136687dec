"""The shapes the users, invitations and sign-up endpoints accept and return.

No shape here carries a token hash or a password hash: outputs are built field by field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.web.listing import Page

Group = Literal["backoffice", "portal"]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
PersonName = Annotated[str, msgspec.Meta(max_length=60)]
Phone = Annotated[str, msgspec.Meta(max_length=32)]
DepartmentName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    company_id: int
    group: Group = "backoffice"
    role_id: int | None = None
    is_admin: bool = False
    two_factor: bool = False


class InvitationOut(msgspec.Struct):
    id: int
    email: str
    company_id: int
    company_name: str
    group: str
    role_id: int | None
    role_name: str | None
    is_admin: bool
    two_factor: bool
    status: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    user_id: int | None


class InvitationPage(Page):
    items: list[InvitationOut]


class DepartmentOut(msgspec.Struct):
    id: int
    name: str


class UserOut(msgspec.Struct):
    id: int
    email: str
    login: str | None
    first_name: str
    last_name: str
    phone: str
    company_id: int
    company_name: str
    group: str
    role_id: int | None
    role_name: str | None
    is_admin: bool
    status: str
    two_factor_enabled: bool
    last_active_at: datetime | None
    created_at: datetime
    departments: list[DepartmentOut] = []


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    first_name: PersonName | msgspec.UnsetType = msgspec.UNSET
    last_name: PersonName | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    role_id: int | msgspec.UnsetType | None = msgspec.UNSET
    is_admin: bool | msgspec.UnsetType = msgspec.UNSET
    status: Literal["active", "inactive"] | msgspec.UnsetType = msgspec.UNSET
    departments: (
        Annotated[list[DepartmentName], msgspec.Meta(max_length=50)] | msgspec.UnsetType
    ) = msgspec.UNSET


class DirectoryEntry(msgspec.Struct):
    """One row of the users list: an invitation ("Guest") or a registered user."""

    kind: Literal["invitation", "user"]
    id: int
    email: str
    name: str
    company_id: int
    company_name: str
    group: str
    status: str
    role_id: int | None
    role_name: str | None
    is_admin: bool
    last_active_at: datetime | None


class DirectoryPage(Page):
    items: list[DirectoryEntry]


class SignupRequest(msgspec.Struct, forbid_unknown_fields=True):
    first_name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    last_name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    password_confirm: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class SignupInfo(msgspec.Struct):
    email: str
    company_name: str
    group: str
    two_factor: bool
    expires_at: datetime


class SignupDone(msgspec.Struct):
    user_id: int
    email: str
    login: str
    two_factor_enabled: bool
