"""The banks table, apart from bank accounts: a tenant's banks are offered to the companies below
it, while an account belongs to one legal entity."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company


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
