"""What the "my account" endpoints accept and return; the UI forms parse into the same Structs."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

Name = Annotated[str, msgspec.Meta(max_length=200)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class CompanyRef(msgspec.Struct):
    id: int
    name: str
    type: str


class RoleRef(msgspec.Struct):
    id: int
    name: str


class ProfileOut(msgspec.Struct):
    id: int
    full_name: str
    first_name: str
    last_name: str
    login: str | None
    email: str
    is_admin: bool
    role: RoleRef | None
    role_label: str
    company: CompanyRef
    phone: str
    group: str
    appearance: str
    language: str
    avatar_url: str | None
    initials: str
    two_factor_enabled: bool


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Any subset; names are trimmed and then must hold 1 to 60 characters."""

    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    appearance: Annotated[str, msgspec.Meta(max_length=16)] | UnsetType = UNSET
    language: Annotated[str, msgspec.Meta(max_length=8)] | UnsetType = UNSET


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Secret
    new_password: Secret
    confirm_password: Secret


class AccountDelete(msgspec.Struct, forbid_unknown_fields=True):
    password: Secret
    confirmation: Annotated[str, msgspec.Meta(max_length=100)]


class LanguageOut(msgspec.Struct):
    code: str
    name: str


class PreferencesOptions(msgspec.Struct):
    appearances: list[str]
    languages: list[LanguageOut]
