"""The ``enabled_services`` table: one service enabled on one agreement for a period.

One table for the four kinds (enabled services, packs, bundle initiators, bundle packs), told
apart by ``kind``: they share every rule that matters (the agreement, the service, the period
and its zone, the seller's scope, the started rules, the audit) and differ by three small
columns (``billing`` for packs; ``auto_extend`` and ``used`` for bundle packs), which stay
NULL/default on the other kinds. Four tables would repeat the period checks, the indexes and the
usage checks four times, and "how many services and packs has this agreement" (the agreements
list) would be four queries instead of one grouped one.

``seller`` is the agreement's seller (the company that owns the service): the scope of every
read is the range ``seller = C`` of the ``(seller, kind, key, id)`` indexes (migration
``2026-12-01T22:20:01``), so a sibling reseller or the tenant above never reads the row.
"""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.agreements.models import Agreement
from core.catalogue.services.models import Service
from tenants.models import Company


class EnabledService(Table, tablename="enabled_services"):
    """[effective_from, effective_till) in UTC; ``timezone`` is the zone the ends were typed
    in, kept to show them as entered (``core.periods``)."""

    __owner__ = "seller"

    seller = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.restrict, index=True)
    service = ForeignKey(references=Service, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=32)
    effective_from = Timestamptz()
    effective_till = Timestamptz(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    hidden_from_client = Boolean(default=False)
    # packs only: "free" or "charge"
    billing = Varchar(length=8, null=True, default=None)
    # bundle packs only
    auto_extend = Boolean(default=False)
    used = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
