"""Per-company plugin switches and settings (a tenant enables a vendor or payment plugin)."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company


class CompanyPlugin(Table, tablename="company_plugins"):
    """One row per (company, plugin), unique in the database (migration 2026-12-01T11:40:00).
    ``enabled = false`` switches the plugin off for the company and every company below it
    (``core.plugins.enablement``); no row means "as the company above". ``settings`` is
    Fernet-encrypted JSON because plugin settings routinely hold API keys. Written by
    ``tenants.sync`` from tenant.toml and by the plugins API."""

    __owner__ = "company"
    __secret_columns__ = ("settings",)

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    plugin = Varchar(length=100, index=True)
    enabled = Boolean(default=True)
    settings = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
