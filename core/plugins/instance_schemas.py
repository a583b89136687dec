"""Shapes of a configured plugin instance. ``settings`` is free-form here on purpose: its keys
and types come from the declaration's ``settings_fields`` and are checked by the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class InstanceCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    plugin: Key
    enabled: bool = True
    settings: dict[str, Any] = {}


class InstanceUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``plugin`` is accepted only to say it cannot change; omitted secrets keep their value."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    plugin: Key | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    settings: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class InstanceOut(msgspec.Struct, gc=False):
    id: int
    category: str
    plugin: str
    plugin_name: str
    plugin_installed: bool
    name: str
    enabled: bool
    settings: dict[str, Any]  # secrets redacted
    secrets_set: dict[str, bool]  # secret field name -> whether a value is stored
    created_at: datetime
    updated_at: datetime


class TestResultOut(msgspec.Struct):
    __test__ = False

    ok: bool
    message: str


class InstancePage(Page):
    items: list[InstanceOut]
