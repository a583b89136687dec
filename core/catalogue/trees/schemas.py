"""The shapes of the rate-tree endpoints besides the document itself (which is plain JSON,
checked whole by ``core.catalogue.trees.document.parse``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Key = Annotated[str, msgspec.Meta(max_length=200)]
# An event names a value for each attribute its resource has: a few, never hundreds.
Attributes = Annotated[dict[Key, Key], msgspec.Meta(max_length=100)]


class IncompleteOut(msgspec.Struct):
    path: str
    reason: str


class TreeReplaced(msgspec.Struct):
    """What ``PUT …/tree`` did: the node count and the new ``tree_version``; ``incomplete``
    lists the nodes nobody priced yet (allowed, evaluated as not found)."""

    scope_id: int
    tree_version: int
    nodes: int
    incomplete: list[IncompleteOut]


class EvaluateIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``at``: the instant whose scope prices the event, with its offset; absent means now."""

    domain: Key
    resource: Key
    attributes: Attributes = {}
    at: datetime | None = None


class TierOut(msgspec.Struct, omit_defaults=True):
    price: str
    up_to: int | None = None


class ScaleOut(msgspec.Struct):
    scale: str
    tiers: list[TierOut]
    counter_group: list[str]


class EvaluationOut(msgspec.Struct, omit_defaults=True):
    """``price`` for a flat rate, ``scale`` for a scale, neither otherwise; ``reason`` says
    why a ``not_found`` found nothing; ``scope_id`` is the scope in force that answered."""

    result: str
    path: list[str]
    price_type: str | None = None
    price: str | None = None
    scale: ScaleOut | None = None
    billing_rule: str | None = None
    quantity_rule: str | None = None
    scope_id: int | None = None
    reason: str | None = None
