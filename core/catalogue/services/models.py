"""The ``services`` table: one rate plan of the company that owns it.

Owned by one company only (``company``), with no ``tenant_id``: a reseller prices its own
clients with its own services, and nothing above or beside it reads them, so the scope is the
single range ``company = C`` of the ``(company, key, id)`` indexes (migration
``2026-12-01T21:10:01``), which also holds the unique ``(company, lower(name))``.
"""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company


class Service(Table, tablename="services"):
    """``size`` is set for packs only: a count of units for unit and bundle packs, micro-units
    of ``currency`` for a monetary pack (``core.money``: exact on both engines)."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200)
    type = Varchar(length=32)
    currency = Varchar(length=3, null=True, default=None)
    size = BigInt(null=True, default=None)
    description = Text(default="")
    archived_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
