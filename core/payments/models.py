"""Configured payment systems and their assignment to own legal entities."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.legal_entities.models import LegalEntity
from core.plugins.instance_models import PluginInstance
from tenants.models import Company


class PaymentSystemConfig(Table, tablename="payment_systems"):
    """One configured account at a payment provider, owned by the company that created it.

    ``kind`` is the key of a payment-system plugin (``core.plugins.registry.payment_systems``).
    Its settings live in ``instance``, a row of the one store of configured plugin instances
    (category ``payment_system``, ``plugin`` = ``kind``), so they are sealed, validated and
    audited like every other plugin's; name and enabled are kept equal on both rows by
    ``core.payments.systems`` because the list sorts, searches and pages on this table. The
    link is unique (index of migration 2026-12-01T17:50:01). ``internal_fee`` is in
    micro-percent (1 % = 1_000_000) so no float touches it.
    """

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=64)
    instance = ForeignKey(references=PluginInstance, on_delete=OnDelete.restrict)
    enabled = Boolean(default=True)
    fee_payer = Varchar(length=8, default="client")
    internal_fee = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LegalEntityPaymentSystem(Table, tablename="legal_entity_payment_systems"):
    """Clients selling through ``legal_entity`` may top up through ``payment_system``."""

    __owner__ = "legal_entity"

    legal_entity = ForeignKey(references=LegalEntity, on_delete=OnDelete.cascade, index=True)
    payment_system = ForeignKey(
        references=PaymentSystemConfig, on_delete=OnDelete.restrict, index=True
    )
    created_at = Timestamptz(default=TimestamptzNow())
