"""Account-management tables: legal entities, banks, bank accounts, agreements and reselling."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
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


class Agreement(Table, tablename="agreements"):
    """What a tenant sells to one of its companies under; each agreement is one balance.

    ``company`` is the buyer; the seller is its parent (the tenant), whose own legal entity and
    own bank account are named here. Terms that change over time live in versions.
    Its money balance is a ``core.ledger`` account in ``currency``; only the ledger moves it.
    """

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    sort_company = sort_copy()
    direction = Varchar(length=8, default="client")
    legal_entity = ForeignKey(references=LegalEntity, on_delete=OnDelete.restrict, index=True)
    own_legal_entity = ForeignKey(references=LegalEntity, on_delete=OnDelete.restrict, index=True)
    bank_account = ForeignKey(references=BankAccount, on_delete=OnDelete.restrict, null=True)
    own_bank_account = ForeignKey(references=BankAccount, on_delete=OnDelete.restrict, null=True)
    code = Varchar(length=64)
    agreement_date = Date()
    currency = Varchar(length=3)
    # The ledger balance copied as the list's order key (``core.db.copies``): written only by
    # database triggers; the balance shown is always read from the account.
    sort_balance = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AgreementVersion(Table, tablename="agreement_versions"):
    """Terms in force for [effective_from, effective_till); till NULL means indefinitely.

    Versions of one agreement never overlap, so at most one row answers "in force at t".
    ``credit_limit`` NULL means unlimited; otherwise micro-units the balance may go below zero.
    """

    __owner__ = "agreement"

    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.cascade, index=True)
    effective_from = Timestamptz()
    effective_till = Timestamptz(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    credit_limit = BigInt(null=True, default=None)
    billing_timezone = Varchar(length=64, default="UTC")
    billing_period = Varchar(length=16, default="monthly")
    billing_day = Integer(default=1)
    split_by_month = Boolean(default=False)
    days_for_payment = Integer(default=10)
    invoice_emails = JSON(default="[]")
    account_emails = JSON(default="[]")
    rate_change_emails = JSON(default="[]")
    service_emails = JSON(default="[]")
    payment_alert_emails = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # When ``agreement.version_started`` was emitted for this version (``core.events.starts``).
    start_announced_at = Timestamptz(null=True, default=None)


class ResellingAssociation(Table, tablename="reselling_associations"):
    """A reseller's legal entity buys under ``agreement`` for [effective_from, effective_till).

    The tenant manages these; the reseller reads them as the source of its own supply (§14).
    """

    __owner__ = "legal_entity"

    legal_entity = ForeignKey(references=LegalEntity, on_delete=OnDelete.cascade, index=True)
    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.restrict, index=True)
    effective_from = Timestamptz()
    effective_till = Timestamptz(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")  # the zone the period was entered in
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
