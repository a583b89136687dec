"""The reselling-associations table: a reseller's supply is an agreement it buys under, for a
period, through one of its legal entities."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.accounts.agreements.models import Agreement
from core.accounts.legal_entities.models import LegalEntity


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
