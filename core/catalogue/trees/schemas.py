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


class EvaluationOut(msgspec.Struct):
    """``document.dump_evaluation`` with the scope that answered: ``price`` for a flat rate,
    ``scale`` for a scale, absent otherwise; ``reason`` (only on ``not_found``) says why
    nothing was found; ``scope_id`` is the scope in force at ``at`` (None: there was none)."""

    result: str
    path: list[str]
    price_type: str | None
    billing_rule: str | None
    quantity_rule: str | None
    scope_id: int | None
    price: str | msgspec.UnsetType = msgspec.UNSET
    scale: ScaleOut | msgspec.UnsetType = msgspec.UNSET
    reason: str | msgspec.UnsetType = msgspec.UNSET


# --- the constructor's nodes (core.catalogue.trees.node_edits) ---------------------------------

Rule = Annotated[str, msgspec.Meta(max_length=32)]


class NodeCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``parent_id`` None adds a domain; under a domain, a resource (its rules may be given
    here); under a branch, a value. ``rate`` is a rate object of the document without
    ``children`` (they are nodes of their own); absent leaves the node to price later."""

    parent_id: int | None = None
    key: Key
    rate: dict | None = None
    billing_rule: Rule | None = None
    quantity_rule: Rule | None = None


class NodeUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given change: a value's ``key``, the node's ``rate`` (``null``: not
    priced), a resource's rules (``null``: inherited). A new ``rate`` replaces the old one
    whole, a value node's rules with it (they live in its rate, as in the document); a
    resource keeps its own rules unless they are given too."""

    key: Key | msgspec.UnsetType = msgspec.UNSET
    rate: dict | msgspec.UnsetType | None = msgspec.UNSET
    billing_rule: Rule | msgspec.UnsetType | None = msgspec.UNSET
    quantity_rule: Rule | msgspec.UnsetType | None = msgspec.UNSET


class NodeOut(msgspec.Struct):
    """One row of the constructor. ``billing_rule``/``quantity_rule`` are the node's own
    (None: inherited); the ``…_shown`` texts are what the row displays, "Default (…)" for an
    inherited rule. ``incomplete``: not priced yet, or a branch with no children."""

    id: int
    scope_id: int
    parent_id: int | None
    kind: str
    key: str
    label: str
    position: int
    price_type: str | None
    depends_on: str | None
    price: str | None
    scale: str | None
    tiers: list[TierOut] | None
    counter_group: list[str] | None
    billing_rule: str | None
    quantity_rule: str | None
    billing_rule_shown: str | None
    quantity_rule_shown: str | None
    has_children: bool
    incomplete: bool


class NodePage(msgspec.Struct):
    """``next_after``: pass it as ``after`` for the next page (None: this was the last)."""

    items: list[NodeOut]
    next_after: int | None
