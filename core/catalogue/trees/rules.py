"""The rules one rate-tree node obeys, written once for the whole document
(``core.catalogue.trees.document``) and for an edit of a single node in the constructor.

Each check records what is wrong in a ``core.validation.Problems`` under the JSON path it is
given, with a message naming the node ("at sms / sms_message / MT"), and returns the cleaned
value (or None when refused), so a caller gathers every broken rule of a request in one answer
instead of stopping at the first.

Values are compared as the dictionary keys them (``normalise``): an event or a document may say
``es`` where the countries dictionary keys ``ES``, and both must meet the same child.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from core.catalogue.trees import nodes
from core.money import MAX_MICROS, MoneyError, from_micros, to_decimal
from core.plugins.declarations import Attribute, Resource
from core.validation import Problems

MAX_VALUE_LENGTH = 100
MAX_TIERS = 100
# Past a billion billion units a threshold means nothing; the cap keeps it a 64-bit integer.
MAX_THRESHOLD = 10**15
# A document beyond this is refused before it costs more memory or time.
MAX_NODES = 500_000

# Which price types a service type may use (PRODUCT.md §3, guide §7.3.1): a pack's tree says
# what it covers (included / not included), never a price, which the pay-as-you-go tree holds.
_PACK_TYPES = frozenset({nodes.DEPENDS_ON, nodes.INCLUDED, nodes.NOT_INCLUDED, nodes.BLOCKED})
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "pay_as_you_go": frozenset(
        {nodes.DEPENDS_ON, nodes.FLAT, nodes.SCALE, nodes.FREE, nodes.NOT_INCLUDED, nodes.BLOCKED}
    ),
    "unit_pack": _PACK_TYPES,
    "monetary_pack": _PACK_TYPES,
    # A bundle cannot block an event: a message outside it falls to the pay-as-you-go tree.
    "bundle_initiator": frozenset({nodes.DEPENDS_ON, nodes.INCLUDED, nodes.NOT_INCLUDED}),
    "bundle_pack": frozenset({nodes.DEPENDS_ON, nodes.INCLUDED, nodes.NOT_INCLUDED}),
}

# The keys a rate object may hold, by price type; anything else is refused so a typo
# ("prise") is an error, not a silently free rate.
_RULE_KEYS = frozenset({"billing_rule", "quantity_rule"})
RATE_KEYS: dict[str, frozenset[str]] = {
    nodes.DEPENDS_ON: _RULE_KEYS | {"type", "depends_on", "children"},
    nodes.FLAT: _RULE_KEYS | {"type", "price"},
    nodes.SCALE: _RULE_KEYS | {"type", "scale", "tiers", "counter_group"},
    nodes.FREE: _RULE_KEYS | {"type"},
    nodes.INCLUDED: _RULE_KEYS | {"type"},
    nodes.NOT_INCLUDED: _RULE_KEYS | {"type"},
    nodes.BLOCKED: _RULE_KEYS | {"type"},
}
TIER_KEYS = frozenset({"up_to", "price"})
CHILD_KEYS = frozenset({"value", "rate"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# How each core dictionary spells its keys, so "es" and "ES" are one country. Networks and
# MCCs are digits; a plugin's dictionary is compared exactly as written.
_UPPER = frozenset({"countries", "directions", "currencies"})
_LOWER = frozenset(
    {
        "whatsapp_regions",
        "pricing_categories",
        "pricing_types",
        "rcs_billing_events",
        "sender_id_types",
        "periodicity",
    }
)


def normaliser(attribute: Attribute | None) -> Callable[[str], str] | None:
    """The case folding of ``attribute``'s dictionary, or None when values compare exactly."""
    dictionary = attribute.dictionary if attribute is not None else None
    if dictionary in _UPPER:
        return str.upper
    if dictionary in _LOWER:
        return str.lower
    return None


def normalise(attribute: Attribute | None, value: str) -> str:
    if value == nodes.OTHERS:
        return value
    fold = normaliser(attribute)
    return fold(value) if fold is not None else value


@dataclass(frozen=True)
class Place:
    """Where a node sits: enough to check it alone (the constructor's node edit builds one
    from the stored path) and to name it in a message."""

    service_type: str
    domain: str
    resource: Resource
    # The attributes the branches above already depend on, from the resource down.
    used: tuple[str, ...] = ()
    # The matched values from the resource down, for messages.
    values: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return " / ".join((self.domain, self.resource.key, *self.values))

    def __str__(self) -> str:
        # Messages format a Place, so the path is joined only for a node that has a problem.
        return self.where

    @property
    def attributes(self) -> dict[str, Attribute]:
        return _attributes(self.resource)

    def below(self, attribute: str, value: str) -> Place:
        return Place(
            self.service_type,
            self.domain,
            self.resource,
            (*self.used, attribute),
            (*self.values, value),
        )


@lru_cache(maxsize=1024)
def _attributes(resource: Resource) -> dict[str, Attribute]:
    return {a.name: a for a in resource.attributes}


def quote(value: object) -> str:
    """A value for a message, never long: a list or an object is named by its kind (its repr
    could be megabytes, or nested past the recursion limit), a huge number by its size."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not -(10**40) < value < 10**40:
        text = "a number of more than 40 digits"
    elif value is None or isinstance(value, bool | int | float | Decimal):
        text = repr(value)
    else:
        text = kind(value)
    if len(text) > 40:
        text = text[:40] + "…"
    return f"“{_CONTROL.sub('?', text)}”"


def kind(value: object) -> str:
    """A JSON type's name for messages ("got a number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_keys(
    problems: Problems,
    path: str,
    raw: Mapping,
    allowed: frozenset[str],
    what: str,
    where: object = None,
) -> None:
    """Refuse keys outside ``allowed``; ``what`` names the object ("a flat rate"), ``where``
    the node it sits at."""
    if raw.keys() <= allowed:
        return
    if where is not None:
        what = f"{what} at {where}"
    for key in raw:
        if key not in allowed:
            shown = quote(key)
            named = isinstance(key, str) and len(key) <= 40
            field = (f"{path}.{key}" if path else key) if named else (path or "document")
            problems.add(field, f"{shown} is not a key of {what}")


def check_value(
    problems: Problems, path: str, value: object, attribute: Attribute | None, where: object
) -> str | None:
    """A child's value: text of 1 to 100 characters, no control character, no space around
    it (an event never carries one); ``*`` is Others. Returns it as the dictionary keys it."""
    if not isinstance(value, str):
        problems.add(path, f"a value must be text, got {kind(value)} at {where}")
        return None
    if not value:
        problems.add(path, f"a value must not be empty at {where}")
        return None
    if len(value) > MAX_VALUE_LENGTH:
        problems.add(path, f"a value has at most {MAX_VALUE_LENGTH} characters at {where}")
        return None
    if _CONTROL.search(value):
        problems.add(path, f"value {quote(value)} holds a control character at {where}")
        return None
    if value != value.strip():
        problems.add(path, f"value {quote(value)} starts or ends with a space at {where}")
        return None
    return normalise(attribute, value)


def check_siblings(
    problems: Problems,
    paths: Sequence[str],
    values: Sequence[str | None],
    attribute: str,
    where: object,
) -> None:
    """No value twice under one parent (as normalised), so Others at most once too."""
    seen: set[str] = set()
    for path, value in zip(paths, values, strict=True):
        if value is None:
            continue
        if value in seen:
            shown = "Others (“*”)" if value == nodes.OTHERS else quote(value)
            problems.add(path, f"value {shown} appears twice under “{attribute}” at {where}")
        seen.add(value)


def check_rule(
    problems: Problems, path: str, value: object, choices: Sequence[str], where: object
) -> str | None:
    """A billing or quantity rule; None (absent) means inherited."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        problems.add(path, f"must be one of {', '.join(choices)} (or absent) at {where}")
        return None
    return value


def refuse_rules_on_top_rate(
    problems: Problems, path: str, rate: nodes.Rate | None, where: object
) -> None:
    """A resource's top-level rate holds no rules of its own: the resource's rules are the
    same place in the tree (everything below the resource), and the store keeps one pair of
    columns for both, so a document setting both would not read back as it was written."""
    if rate is None:
        return
    for name in ("billing_rule", "quantity_rule"):
        if getattr(rate, name) is not None:
            problems.add(
                f"{path}.{name}",
                f"set the rules on the resource, not on its top-level rate, at {where}",
            )


def check_price(problems: Problems, path: str, value: object, where: object) -> Decimal | None:
    """A price: a decimal string (or a whole JSON number), not negative, at most six
    decimals; a float is refused as everywhere money is taken (``core.money``)."""
    if value is None:
        problems.add(path, f"a price is required at {where}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.add(path, f"a price must be a decimal string like “0.08”, got {kind(value)}")
        return None
    if isinstance(value, str) and len(value) > 40:
        problems.add(path, f"price {quote(value)} is not an amount at {where}")
        return None
    if isinstance(value, int) and not -(10**40) < value < 10**40:
        problems.add(path, f"price {quote(value)}: is too large at {where}")
        return None
    amount = _amount(value.strip() if isinstance(value, str) else value)
    if isinstance(amount, str):
        problems.add(path, f"price {quote(value)}: {amount} at {where}")
        return None
    if amount < 0:
        problems.add(path, f"price {quote(value)} must not be negative at {where}")
        return None
    return amount


_LARGEST = from_micros(MAX_MICROS)


@lru_cache(maxsize=16384)
def _amount(value: str | int) -> Decimal | str:
    """The amount, or why it is none. Cached: a tree repeats a few prices many times, and
    Decimal is immutable, so one parse per distinct text serves them all."""
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        return _money_reason(exc)
    if abs(amount) > _LARGEST:
        return "is too large"
    return amount


def _money_reason(exc: MoneyError) -> str:
    text = str(exc)
    if "decimal places" in text:
        return "has more than 6 decimal places"
    if "too large" in text or "too small" in text:
        return "is too large"
    return "is not an amount"


def check_tiers(problems: Problems, path: str, raw: object, where: object) -> list[nodes.Tier]:
    """A scale's tiers: 1 to 100, thresholds (``up_to``) whole positive numbers strictly
    increasing, every tier but the last with one, the last without (it is open-ended)."""
    if not isinstance(raw, list) or not raw:
        problems.add(path, f"a scale needs a list of at least one tier at {where}")
        return []
    if len(raw) > MAX_TIERS:
        problems.add(path, f"a scale has at most {MAX_TIERS} tiers at {where}")
        return []
    tiers: list[nodes.Tier] = []
    previous = 0
    last = len(raw) - 1
    for i, item in enumerate(raw):
        at = f"{path}[{i}]"
        if not isinstance(item, dict):
            problems.add(at, f"a tier must be an object with up_to and price at {where}")
            continue
        check_keys(problems, at, item, TIER_KEYS, "a tier", where)
        price = check_price(problems, f"{at}.price", item.get("price"), where)
        up_to = item.get("up_to")
        if i == last:
            if up_to is not None:
                problems.add(
                    f"{at}.up_to",
                    f"the last tier has no up_to (it covers every unit beyond) at {where}",
                )
            up_to = None
        elif up_to is None:
            problems.add(f"{at}.up_to", f"every tier but the last needs up_to at {where}")
        elif isinstance(up_to, bool) or not isinstance(up_to, int):
            problems.add(f"{at}.up_to", f"up_to must be a whole number, got {kind(up_to)}")
            up_to = None
        elif not 0 < up_to <= MAX_THRESHOLD:
            problems.add(f"{at}.up_to", f"up_to must be from 1 to {MAX_THRESHOLD} at {where}")
            up_to = None
        elif up_to <= previous:
            problems.add(
                f"{at}.up_to",
                f"thresholds must increase: {up_to} follows {previous} at {where}",
            )
        if isinstance(up_to, int):
            previous = max(previous, up_to)
        if price is not None:
            tiers.append(nodes.Tier(price=price, up_to=up_to))
    return tiers


def check_counter_group(problems: Problems, path: str, raw: object, place: Place) -> list[str]:
    """Attributes whose values count apart (one counter per sender ID): declared for the
    resource, each once."""
    if raw is None:
        return []
    where = place
    if not isinstance(raw, list):
        problems.add(path, f"counter_group must be a list of attribute keys at {where}")
        return []
    declared = place.attributes
    group: list[str] = []
    for i, key in enumerate(raw):
        at = f"{path}[{i}]"
        if not isinstance(key, str) or key not in declared:
            problems.add(
                at, f"{quote(key)} is not an attribute of {place.resource.key}{_choices(declared)}"
            )
        elif key in group:
            problems.add(at, f"attribute “{key}” appears twice in counter_group at {where}")
        else:
            group.append(key)
    return group


def _choices(declared: Mapping[str, Attribute]) -> str:
    return f" (attributes: {', '.join(declared)})" if declared else " (it has no attributes)"


def check_depends_on(problems: Problems, path: str, value: object, place: Place) -> str | None:
    """The attribute a branch depends on: declared for the resource, not already branched on
    above (a second branch on it could only ever see one value)."""
    declared = place.attributes
    if value is None:
        problems.add(path, f"a branch needs depends_on{_choices(declared)} at {place}")
        return None
    if not isinstance(value, str) or value not in declared:
        problems.add(
            path,
            f"{quote(value)} is not an attribute of {place.resource.key}{_choices(declared)} "
            f"at {place.where}",
        )
        return None
    if value in place.used:
        problems.add(path, f"attribute “{value}” is already used on the path at {place.where}")
        return None
    return value


def check_rate(problems: Problems, path: str, raw: object, place: Place) -> nodes.Rate | None:
    """One rate object without its children: its type (allowed for the service type), the
    fields of that type and its rules. A branch comes back with no children; the caller
    reads ``raw["children"]`` with ``check_value`` and ``check_siblings``."""
    where = place
    if not isinstance(raw, dict):
        problems.add(path, f"a rate must be an object, got {kind(raw)} at {where}")
        return None
    type_ = raw.get("type")
    if type_ is None and "depends_on" in raw:
        type_ = nodes.DEPENDS_ON
    if type_ is None:
        problems.add(f"{path}.type", f"a rate needs a type or depends_on at {where}")
        return None
    if not isinstance(type_, str) or type_ not in nodes.PRICE_TYPES:
        problems.add(f"{path}.type", f"type must be one of {', '.join(nodes.LEAF_TYPES)}")
        return None
    allowed = ALLOWED_TYPES.get(place.service_type, frozenset())
    if type_ not in allowed:
        problems.add(
            f"{path}.type" if "type" in raw else f"{path}.depends_on",
            f"price type {type_} is not allowed for a {place.service_type} service "
            f"(allowed: {', '.join(t for t in nodes.PRICE_TYPES if t in allowed)}) at {where}",
        )
        return None
    check_keys(problems, path, raw, RATE_KEYS[type_], f"a {type_} rate", where)
    rate = nodes.Rate(type=type_)
    if raw.get("billing_rule") is not None:
        rate.billing_rule = check_rule(
            problems, f"{path}.billing_rule", raw["billing_rule"], nodes.BILLING_RULES, where
        )
    if raw.get("quantity_rule") is not None:
        rate.quantity_rule = check_rule(
            problems, f"{path}.quantity_rule", raw["quantity_rule"], nodes.QUANTITY_RULES, where
        )
    if type_ == nodes.DEPENDS_ON:
        rate.depends_on = check_depends_on(
            problems, f"{path}.depends_on", raw.get("depends_on"), place
        )
        children = raw.get("children")
        if children is not None and not isinstance(children, list):
            problems.add(f"{path}.children", f"children must be a list at {where}")
    elif type_ == nodes.FLAT:
        rate.price = check_price(problems, f"{path}.price", raw.get("price"), where)
    elif type_ == nodes.SCALE:
        scale = raw.get("scale")
        if scale not in nodes.SCALES:
            problems.add(
                f"{path}.scale", f"scale must be one of {', '.join(nodes.SCALES)} at {where}"
            )
        else:
            rate.scale = scale
        rate.tiers = check_tiers(problems, f"{path}.tiers", raw.get("tiers"), where)
        rate.counter_group = check_counter_group(
            problems, f"{path}.counter_group", raw.get("counter_group"), place
        )
    return rate
