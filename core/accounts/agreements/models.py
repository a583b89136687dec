"""The agreements tables: terms change over time, so they live in dated versions beside the
agreement, which keeps only what never changes (sides, code, currency)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Company, sort_copy


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
