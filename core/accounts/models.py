"""Account-management tables: legal entities and banks (agreements and accounts follow)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company, Portal


class LegalEntity(Table, tablename="legal_entities"):
    """A company's legal entity. For the caller's own company these are its "own legal
    entities" (guide §10.4.1); for the companies it created, their legal entities (§6.2)."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
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


class Bank(Table, tablename="banks"):
    """A bank profile used on invoices; a tenant's banks are offered to the resellers below it."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200)
    description = Text(default="")
    country = Varchar(length=2)
    address = Text()
    swift = Varchar(length=11, default="")
    branch_code = Varchar(length=32, default="")
    bank_code = Varchar(length=32, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
