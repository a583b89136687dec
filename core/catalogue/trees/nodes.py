"""A rate tree in memory: the one shape the document format, the stored rows and the compiled
evaluator pass between them.

The document (``docs/rate-trees.md``, ``core.catalogue.trees.document``) is parsed into these
objects and dumped from them; the store (``core.catalogue.trees.store``) writes them as node
rows and reads them back; the evaluator (``core.catalogue.trees.compiled``) is compiled from
them. Keeping one shape means a rule (what a scale is, what Others matches, where a billing
rule is inherited from) is written once. The objects are plain data: checking them against
the plugins' declarations and the service type is the document module's work, so a tree read
back from storage is trusted as it was written.

Prices are exact ``Decimal`` money (``core.money``: at most six decimals, stored as
micro-units); a tier's ``up_to`` is a whole count of units (messages, segments, members).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# A node's price type. ``depends_on`` branches on an attribute's value; the others are leaves.
DEPENDS_ON = "depends_on"
FLAT = "flat"
SCALE = "scale"
FREE = "free"
INCLUDED = "included"
NOT_INCLUDED = "not_included"
BLOCKED = "blocked"
PRICE_TYPES = (DEPENDS_ON, FLAT, SCALE, FREE, INCLUDED, NOT_INCLUDED, BLOCKED)
LEAF_TYPES = PRICE_TYPES[1:]

# Scale kinds (PRODUCT.md §3): ``tier`` prices each unit at the tier it falls in;
# ``back_to_first`` prices every unit of the period at the tier the period's count reached.
TIER = "tier"
BACK_TO_FIRST = "back_to_first"
SCALES = (TIER, BACK_TO_FIRST)

BILLING_RULES = ("submitted", "delivered")
QUANTITY_RULES = ("messages", "segments", "full_period")
# What a path that sets no rule anywhere means; rating reads these.
DEFAULT_BILLING_RULE = "submitted"
DEFAULT_QUANTITY_RULE = "messages"

# The child value that matches any value no sibling names, and an absent attribute ("Others").
OTHERS = "*"


@dataclass
class Tier:
    """One step of a scale; ``up_to`` None marks the last, open-ended tier."""

    price: Decimal
    up_to: int | None = None


@dataclass
class Rate:
    """A node's price: a branch (``type == DEPENDS_ON`` with ``depends_on`` and ``children``)
    or a leaf (``price`` for flat, ``scale``/``tiers``/``counter_group`` for a scale).

    ``billing_rule`` and ``quantity_rule`` None mean "inherited" (shown as "Default (…)").
    """

    type: str
    depends_on: str | None = None
    children: list[Child] = field(default_factory=list)
    price: Decimal | None = None
    scale: str | None = None
    tiers: list[Tier] = field(default_factory=list)
    counter_group: list[str] = field(default_factory=list)
    billing_rule: str | None = None
    quantity_rule: str | None = None


@dataclass
class Child:
    """A branch's child: the attribute value it matches (``OTHERS`` for any other) and its
    rate; ``rate`` None is a node nobody has priced yet (incomplete: evaluates as not found,
    and the constructor marks it)."""

    value: str
    rate: Rate | None = None


@dataclass
class ResourceTree:
    """One resource of a domain; its rules are the defaults every node below inherits.
    ``rate`` None: the resource is added but not priced yet (incomplete)."""

    resource: str
    rate: Rate | None = None
    billing_rule: str | None = None
    quantity_rule: str | None = None


@dataclass
class DomainTree:
    domain: str
    resources: list[ResourceTree] = field(default_factory=list)


@dataclass
class Tree:
    domains: list[DomainTree] = field(default_factory=list)


@dataclass(frozen=True)
class Scale:
    """A scale as evaluation answers it; rating applies it with the period's counter."""

    scale: str
    tiers: tuple[Tier, ...]
    counter_group: tuple[str, ...] = ()


# Evaluation results (``POST /api/v1/services/{id}/evaluate``).
RESULT_PRICE = "price"
RESULT_FREE = "free"
RESULT_BLOCKED = "blocked"
RESULT_NOT_FOUND = "not_found"
RESULT_INCLUDED = "included"
RESULT_NOT_INCLUDED = "not_included"


@dataclass(frozen=True)
class Evaluation:
    """What a tree says of one event.

    ``path`` is the matched values from the domain down (``["sms", "sms_message", "MT", "*"]``
    when Others matched); on ``not_found`` it is as far as the walk got. ``price`` is set for a
    flat rate, ``scale`` for a scale; ``price_type`` is the leaf's type (None when not found).
    The rules are the leaf's own or the nearest set above it, else the defaults.
    """

    result: str
    path: tuple[str, ...]
    price_type: str | None = None
    price: Decimal | None = None
    scale: Scale | None = None
    billing_rule: str = DEFAULT_BILLING_RULE
    quantity_rule: str = DEFAULT_QUANTITY_RULE
