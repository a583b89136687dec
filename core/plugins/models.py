"""Per-company plugin switches and settings (a tenant enables a vendor or payment plugin)."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company


class CompanyPlugin(Table, tablename="company_plugins"):
    """One row per (company, plugin). ``settings`` is Fernet-encrypted JSON because plugin
    settings routinely hold API keys. Written only by ``tenants.sync`` (which keeps at most one
    row per pair; there is no unique constraint); nothing reads these rows yet."""

    __owner__ = "company"
    __secret_columns__ = ("settings",)

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    plugin = Varchar(length=100, index=True)
    enabled = Boolean(default=True)
    settings = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
