"""The legal-entities table: a company's own entities and those of the companies it created are
one table, told apart by the row's ``company``, so one scope rule covers both."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company, Portal, sort_copy, tenant_column


class LegalEntity(Table, tablename="legal_entities"):
    """A company's legal entity. For the caller's own company these are its "own legal
    entities" (guide §10.4.1); for the companies it created, their legal entities (§6.2)."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    sort_company = sort_copy()
    tenant_id = tenant_column()
    name = Varchar(length=200)
    legal_name = Varchar(length=300, default="")
    country = Varchar(length=2, default="")
    portal = ForeignKey(references=Portal, on_delete=OnDelete.set_null, null=True)
    tax_id = Varchar(length=64, default="")
    legal_id = Varchar(length=64, default="")
    vat_id = Varchar(length=64, default="")
    legal_address = Text(default="")
    billing_address = Text(default="")
    notification_emails = JSON(default="[]")
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
