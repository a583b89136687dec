"""Configured plugin instances: one row per account, connection or channel a company set up."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company


class PluginInstance(Table, tablename="plugin_instances"):
    """One configured instance of a plugin declaration, owned by the company that made it.

    ``category`` names the kind of thing (``core.plugins.instances.CATEGORIES``), ``plugin``
    the declaration key within it. ``settings`` is Fernet-encrypted JSON validated against the
    declaration's ``settings_fields``, because those routinely hold API keys. Names are unique
    per company and category regardless of case (index of migration 2026-12-01T17:10:01).
    """

    __owner__ = "company"
    __secret_columns__ = ("settings",)

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    category = Varchar(length=32)
    plugin = Varchar(length=64)
    name = Varchar(length=200)
    enabled = Boolean(default=True)
    settings = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
