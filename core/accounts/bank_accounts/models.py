"""The bank-accounts table: a legal entity's accounts, where the agreements that name them are
paid."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Company, sort_copy, tenant_column


class BankAccount(Table, tablename="bank_accounts"):
    """A legal entity's account at a bank. For the caller's company these are its "own bank
    accounts" (§10.7), including those its tenant opened for it; for the companies it created,
    their bank accounts (§6.11). ``created_by_company`` tells the two origins apart."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    sort_company = sort_copy()
    sort_legal_entity = sort_copy()
    sort_bank = sort_copy()
    tenant_id = tenant_column()
    legal_entity = ForeignKey(references=LegalEntity, on_delete=OnDelete.restrict, index=True)
    bank = ForeignKey(references=Bank, on_delete=OnDelete.restrict, index=True)
    created_by_company = ForeignKey(references=Company, on_delete=OnDelete.restrict, null=True)
    name = Varchar(length=200)
    holder = Varchar(length=300)
    number = Varchar(length=64, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
