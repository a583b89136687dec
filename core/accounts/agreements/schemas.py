"""The agreement and agreement-version shapes accepted and returned by the API (and the UI).

Effective dates travel as local date-times plus an IANA timezone, the way people think about
a contract ("from 1 March, Berlin time"); the service turns them into UTC instants. Money
travels as decimal strings. Rules that need a clear message (ranges, periods, currencies,
emails) are checked by the service, so the Structs only bound types and sizes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from core.web.listing import Page

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Zone = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=64, extra={"expect": "a timezone like Europe/Berlin"}),
]
MoneyText = Annotated[str, msgspec.Meta(max_length=40)]
CurrencyCode = Annotated[str, msgspec.Meta(min_length=1, max_length=8)]
Direction = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
EmailText = Annotated[str, msgspec.Meta(max_length=254)]
# The service allows 20 distinct addresses per list; this bound only stops absurd payloads.
EmailList = Annotated[list[EmailText], msgspec.Meta(max_length=100)]
Period = Literal["daily", "weekly", "monthly", "quarterly"]
EMAIL_FIELDS = (
    "invoice_emails",
    "account_emails",
    "rate_change_emails",
    "service_emails",
    "payment_alert_emails",
)
TERM_FIELDS = (
    "effective_from",
    "effective_till",
    "timezone",
    "credit_limit",
    "billing_timezone",
    "billing_period",
    "billing_day",
    "split_by_month",
    "days_for_payment",
    *EMAIL_FIELDS,
)


class VersionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Terms of one version. ``effective_till`` None means indefinitely; ``credit_limit``
    None or "" means unlimited. ``end_previous`` ends the version in force at the new start
    there instead of refusing the overlap (only when adding)."""

    effective_from: datetime
    effective_till: datetime | None = None
    timezone: Zone = "UTC"
    credit_limit: MoneyText | None = None
    billing_timezone: Zone = "UTC"
    billing_period: Period = "monthly"
    billing_day: int | None = None
    split_by_month: bool = False
    days_for_payment: int = 10
    invoice_emails: EmailList = []
    account_emails: EmailList = []
    rate_change_emails: EmailList = []
    service_emails: EmailList = []
    payment_alert_emails: EmailList = []
    end_previous: bool = False


class VersionUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    effective_from: datetime | msgspec.UnsetType = msgspec.UNSET
    effective_till: datetime | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Zone | msgspec.UnsetType = msgspec.UNSET
    credit_limit: MoneyText | msgspec.UnsetType | None = msgspec.UNSET
    billing_timezone: Zone | msgspec.UnsetType = msgspec.UNSET
    billing_period: Period | msgspec.UnsetType = msgspec.UNSET
    billing_day: int | msgspec.UnsetType | None = msgspec.UNSET
    split_by_month: bool | msgspec.UnsetType = msgspec.UNSET
    days_for_payment: int | msgspec.UnsetType = msgspec.UNSET
    invoice_emails: EmailList | msgspec.UnsetType = msgspec.UNSET
    account_emails: EmailList | msgspec.UnsetType = msgspec.UNSET
    rate_change_emails: EmailList | msgspec.UnsetType = msgspec.UNSET
    service_emails: EmailList | msgspec.UnsetType = msgspec.UNSET
    payment_alert_emails: EmailList | msgspec.UnsetType = msgspec.UNSET


class AgreementCreate(VersionCreate, forbid_unknown_fields=True, kw_only=True):
    """An agreement and its first version, created together in one transaction.

    ``balance`` is accepted only to be refused with a clear message: it moves through the
    ledger, never through this API.
    """

    company_id: int
    direction: Direction = "client"
    legal_entity_id: int
    own_legal_entity_id: int
    bank_account_id: int | None = None
    own_bank_account_id: int | None = None
    code: Code
    agreement_date: date
    currency: CurrencyCode
    balance: Any = msgspec.UNSET


class AgreementUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Company, direction and currency are fixed at creation; sending a different value is
    refused naming the field, so a client learns why instead of being silently ignored."""

    legal_entity_id: int | msgspec.UnsetType = msgspec.UNSET
    own_legal_entity_id: int | msgspec.UnsetType = msgspec.UNSET
    bank_account_id: int | msgspec.UnsetType | None = msgspec.UNSET
    own_bank_account_id: int | msgspec.UnsetType | None = msgspec.UNSET
    code: Code | msgspec.UnsetType = msgspec.UNSET
    agreement_date: date | msgspec.UnsetType = msgspec.UNSET
    company_id: int | msgspec.UnsetType = msgspec.UNSET
    direction: Direction | msgspec.UnsetType = msgspec.UNSET
    currency: CurrencyCode | msgspec.UnsetType = msgspec.UNSET
    balance: Any = msgspec.UNSET


class VersionOut(msgspec.Struct, gc=False):
    id: int
    agreement_id: int
    status: str  # past | current | upcoming, relative to the time of the request
    effective_from: datetime
    effective_till: datetime | None
    timezone: str
    effective_from_local: str
    effective_till_local: str | None
    credit_limit: str | None
    billing_timezone: str
    billing_period: str
    billing_day: int
    split_by_month: bool
    days_for_payment: int
    invoice_emails: list[str]
    account_emails: list[str]
    rate_change_emails: list[str]
    service_emails: list[str]
    payment_alert_emails: list[str]
    created_at: datetime
    updated_at: datetime


class AgreementOut(msgspec.Struct, gc=False):
    id: int
    company_id: int
    company_name: str
    direction: str
    legal_entity_id: int
    legal_entity_name: str
    own_legal_entity_id: int
    own_legal_entity_name: str
    bank_account_id: int | None
    bank_account_name: str | None
    own_bank_account_id: int | None
    own_bank_account_name: str | None
    code: str
    agreement_date: date
    currency: str
    balance: str
    credit_limit: str | None  # of the version in force now; None: unlimited or none in force
    current_version: VersionOut | None
    created_at: datetime
    updated_at: datetime


class AgreementPage(Page):
    items: list[AgreementOut]


class VersionPage(msgspec.Struct):
    items: list[VersionOut]
    total: int
