"""Reselling-association shapes: a reseller's legal entity buys under an agreement for a period.

The tenant writes them (periods as local date-times plus an IANA timezone, like versions); the
reseller reads what it buys under, with the agreement's code, currency, balance and the credit
limit in force, and nothing else of its tenant's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class AssociationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``timezone`` reads the local ends and is kept, so they come back as entered."""

    agreement_id: int
    effective_from: datetime
    effective_till: datetime | None = None
    timezone: Zone = "UTC"


class AssociationUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    agreement_id: int | msgspec.UnsetType = msgspec.UNSET
    effective_from: datetime | msgspec.UnsetType = msgspec.UNSET
    effective_till: datetime | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Zone | msgspec.UnsetType = msgspec.UNSET


class AssociationOut(msgspec.Struct):
    id: int
    legal_entity_id: int
    legal_entity_name: str
    agreement_id: int
    agreement_code: str
    currency: str
    balance: str
    credit_limit: str | None  # of the agreement version in force now; None: unlimited
    status: str  # past | current | upcoming
    effective_from: datetime
    effective_till: datetime | None
    timezone: str
    effective_from_local: str | None
    effective_till_local: str | None
    created_at: datetime
    updated_at: datetime


class AssociationPage(msgspec.Struct):
    items: list[AssociationOut]
    total: int
