"""The rate tree as a public JSON document (``docs/rate-trees.md``, issue 12 item 6).

``parse`` is the only way a document becomes a ``nodes.Tree``: it checks every rule against the
plugins' declarations and the service type and raises one ``Invalid`` listing every problem
under its JSON path, so ``PUT …/tree`` is all or nothing and a client fixes a document in one
round. ``dump`` writes the canonical document back (values as the dictionaries key them,
prices as plain decimal strings, absent rules left out), so ``dump(parse(d))`` is a fixed point
and two equal trees dump to equal JSON.

A hostile document must not cost a 500: the tree is walked with an explicit stack (no
recursion, whatever the nesting), stops at ``rules.MAX_NODES`` nodes and at
``MAX_PROBLEMS`` problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.catalogue.trees import nodes, rules
from core.errors import Invalid
from core.validation import Problems

if TYPE_CHECKING:
    from core.catalogue.domains.service import Domain

FORMAT = 1
MAX_PROBLEMS = 1000
DOCUMENT_KEYS = frozenset({"format", "domains"})
DOMAIN_KEYS = frozenset({"domain", "resources"})
RESOURCE_KEYS = frozenset({"resource", "billing_rule", "quantity_rule", "rate"})


class _TooMany(Exception):
    pass


class _Capped(Problems):
    """Problems that stop the walk once there are enough to fix: a document with a million
    broken values is answered with the first thousand, not a million-line error."""

    def add(self, field: str, message: str) -> None:
        if len(self.errors) >= MAX_PROBLEMS:
            raise _TooMany
        super().add(field, message)


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0

    def spend(self, path: str) -> None:
        self.nodes += 1
        if self.nodes > rules.MAX_NODES:
            raise Invalid.field(path, f"a tree holds at most {rules.MAX_NODES:,} nodes")


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse(document: object, service_type: str, domains: Mapping[str, Domain]) -> nodes.Tree:
    """The tree ``document`` describes, for a service of ``service_type`` whose company may
    price ``domains`` (``core.catalogue.domains.service.available``); ``Invalid`` (422) with
    every problem otherwise.

    A ``service_type`` with no tree rules is refused as the service's ``type`` field (422), not
    a ValueError: the stored services' types are the rules' keys (a test holds them equal), so
    reaching it means a caller passed something else, and that must not cost a 500."""
    if not isinstance(service_type, str) or service_type not in rules.ALLOWED_TYPES:
        known = ", ".join(rules.ALLOWED_TYPES)
        raise Invalid.field("type", f"a rate tree belongs to a service of one of the types {known}")
    problems = _Capped()
    try:
        tree = _parse(problems, document, service_type, domains)
    except _TooMany:
        listed = f"more than {MAX_PROBLEMS} problems: the first {MAX_PROBLEMS} are listed"
        problems.errors.append({"field": "domains", "message": listed})
    problems.raise_if_any()
    return tree


def _parse(
    problems: Problems, document: object, service_type: str, domains: Mapping[str, Domain]
) -> nodes.Tree:
    tree = nodes.Tree()
    if not isinstance(document, dict):
        problems.add("document", f"the document must be an object, got {rules.kind(document)}")
        return tree
    rules.check_keys(problems, "", document, DOCUMENT_KEYS, "the document")
    fmt = document.get("format")
    if isinstance(fmt, bool) or fmt != FORMAT:
        problems.add("format", f"must be {FORMAT} (the only format there is)")
    raw_domains = document.get("domains")
    if not isinstance(raw_domains, list):
        problems.add("domains", f"must be a list of domains, got {rules.kind(raw_domains)}")
        return tree
    budget = _Budget()
    seen: set[str] = set()
    for i, raw in enumerate(raw_domains):
        path = f"domains[{i}]"
        budget.spend(path)
        if not isinstance(raw, dict):
            problems.add(path, f"a domain must be an object, got {rules.kind(raw)}")
            continue
        rules.check_keys(problems, path, raw, DOMAIN_KEYS, "a domain")
        key = raw.get("domain")
        domain = domains.get(key) if isinstance(key, str) else None
        if domain is None:
            problems.add(
                f"{path}.domain",
                f"{rules.quote(key)} is not a service domain you may price "
                "(GET /api/v1/catalogue/domains lists them)",
            )
        elif key in seen:
            problems.add(f"{path}.domain", f"domain “{key}” appears twice")
            domain = None
        if domain is None:
            continue
        seen.add(key)
        entry = nodes.DomainTree(domain=key)
        entry.resources = _resources(
            problems, path, raw.get("resources"), domain, service_type, budget
        )
        tree.domains.append(entry)
    return tree


def _resources(
    problems: Problems,
    path: str,
    raw_resources: object,
    domain: Domain,
    service_type: str,
    budget: _Budget,
) -> list[nodes.ResourceTree]:
    found: list[nodes.ResourceTree] = []
    if raw_resources is None:
        return found
    if not isinstance(raw_resources, list):
        problems.add(
            f"{path}.resources", f"must be a list of resources, got {rules.kind(raw_resources)}"
        )
        return found
    declared = {r.key: r for r in domain.declaration.resources}
    seen: set[str] = set()
    for j, raw in enumerate(raw_resources):
        at = f"{path}.resources[{j}]"
        budget.spend(at)
        if not isinstance(raw, dict):
            problems.add(at, f"a resource must be an object, got {rules.kind(raw)}")
            continue
        rules.check_keys(problems, at, raw, RESOURCE_KEYS, f"a resource of {domain.key}")
        key = raw.get("resource")
        resource = declared.get(key) if isinstance(key, str) else None
        if resource is None:
            problems.add(
                f"{at}.resource",
                f"{rules.quote(key)} is not a resource of {domain.key} "
                f"(resources: {', '.join(declared)})",
            )
            continue
        if key in seen:
            problems.add(f"{at}.resource", f"resource “{key}” appears twice in {domain.key}")
            continue
        seen.add(key)
        place = rules.Place(service_type, domain.key, resource)
        where = place
        entry = nodes.ResourceTree(
            resource=key,
            billing_rule=rules.check_rule(
                problems, f"{at}.billing_rule", raw.get("billing_rule"), nodes.BILLING_RULES, where
            ),
            quantity_rule=rules.check_rule(
                problems,
                f"{at}.quantity_rule",
                raw.get("quantity_rule"),
                nodes.QUANTITY_RULES,
                where,
            ),
        )
        if raw.get("rate") is not None:
            entry.rate = _subtree(problems, f"{at}.rate", raw["rate"], place, budget)
            rules.refuse_rules_on_top_rate(problems, f"{at}.rate", entry.rate, place)
        found.append(entry)
    return found


def _subtree(
    problems: Problems, path: str, raw: object, place: rules.Place, budget: _Budget
) -> nodes.Rate | None:
    """A rate and everything below it, walked with a stack so depth costs no recursion."""
    budget.spend(path)
    top = rules.check_rate(problems, path, raw, place)
    stack: list[tuple[nodes.Rate, dict, str, rules.Place]] = []
    if top is not None and top.type == nodes.DEPENDS_ON:
        stack.append((top, raw, path, place))  # type: ignore[arg-type]
    while stack:
        rate, raw_rate, at, here = stack.pop()
        children = raw_rate.get("children")
        if not isinstance(children, list):
            continue
        attribute = here.attributes.get(rate.depends_on) if rate.depends_on else None
        named = rate.depends_on or str(raw_rate.get("depends_on"))
        value_paths: list[str] = []
        values: list[str | None] = []
        for k, item in enumerate(children):
            child_path = f"{at}.children[{k}]"
            budget.spend(child_path)
            value_paths.append(f"{child_path}.value")
            if not isinstance(item, dict):
                problems.add(child_path, f"a child must be an object, got {rules.kind(item)}")
                values.append(None)
                continue
            rules.check_keys(problems, child_path, item, rules.CHILD_KEYS, "a child", here)
            value = rules.check_value(
                problems, f"{child_path}.value", item.get("value"), attribute, here
            )
            values.append(value)
            child = nodes.Child(value=value or "")
            raw_child_rate = item.get("rate")
            if raw_child_rate is not None:
                below = here.below(rate.depends_on, value or "?") if rate.depends_on else here
                budget.spend(f"{child_path}.rate")
                child.rate = rules.check_rate(problems, f"{child_path}.rate", raw_child_rate, below)
                if child.rate is not None and child.rate.type == nodes.DEPENDS_ON:
                    stack.append((child.rate, raw_child_rate, f"{child_path}.rate", below))
            rate.children.append(child)
        rules.check_siblings(problems, value_paths, values, named, here)
    return top


# --- the canonical document ----------------------------------------------------------------


def price_text(amount: Decimal) -> str:
    """An exact price as the document writes it: "0.08", "0.005", "10", never "1E+1"."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _rules(out: dict[str, Any], node: nodes.Rate | nodes.ResourceTree) -> dict[str, Any]:
    if node.billing_rule is not None:
        out["billing_rule"] = node.billing_rule
    if node.quantity_rule is not None:
        out["quantity_rule"] = node.quantity_rule
    return out


def dump_rate(rate: nodes.Rate) -> dict[str, Any]:
    """One rate and its subtree (recursion is bounded: a valid tree is no deeper than its
    resource has attributes)."""
    if rate.type == nodes.DEPENDS_ON:
        out: dict[str, Any] = {
            "depends_on": rate.depends_on,
            "children": [_dump_child(c) for c in rate.children],
        }
    else:
        out = {"type": rate.type}
        if rate.type == nodes.FLAT:
            out["price"] = price_text(rate.price) if rate.price is not None else None
        elif rate.type == nodes.SCALE:
            out["scale"] = rate.scale
            if rate.counter_group:
                out["counter_group"] = list(rate.counter_group)
            out["tiers"] = [_dump_tier(t) for t in rate.tiers]
    return _rules(out, rate)


def _dump_tier(tier: nodes.Tier) -> dict[str, Any]:
    if tier.up_to is None:
        return {"price": price_text(tier.price)}
    return {"up_to": tier.up_to, "price": price_text(tier.price)}


def _dump_child(child: nodes.Child) -> dict[str, Any]:
    if child.rate is None:
        return {"value": child.value}
    return {"value": child.value, "rate": dump_rate(child.rate)}


def dump(tree: nodes.Tree) -> dict[str, Any]:
    """The canonical document of ``tree``, in the key order of ``docs/rate-trees.md``."""
    return {
        "format": FORMAT,
        "domains": [
            {"domain": d.domain, "resources": [_dump_resource(r) for r in d.resources]}
            for d in tree.domains
        ],
    }


def _dump_resource(resource: nodes.ResourceTree) -> dict[str, Any]:
    out = _rules({"resource": resource.resource}, resource)
    if resource.rate is not None:
        out["rate"] = dump_rate(resource.rate)
    return out


def dump_evaluation(evaluation: nodes.Evaluation) -> dict[str, Any]:
    """An evaluation as ``POST /api/v1/services/{id}/evaluate`` answers it
    (``docs/rate-trees.md``): ``price`` for a flat rate, ``scale`` for a scale, absent
    otherwise, so a client tells the two apart by key as by ``price_type``."""
    out: dict[str, Any] = {
        "result": evaluation.result,
        "path": list(evaluation.path),
        "price_type": evaluation.price_type,
    }
    if evaluation.price is not None:
        out["price"] = price_text(evaluation.price)
    if evaluation.scale is not None:
        scale = evaluation.scale
        out["scale"] = {"scale": scale.scale, "counter_group": list(scale.counter_group)}
        out["scale"]["tiers"] = [_dump_tier(t) for t in scale.tiers]
    out["billing_rule"] = evaluation.billing_rule
    out["quantity_rule"] = evaluation.quantity_rule
    return out


# --- what the constructor marks ----------------------------------------------------------------

NO_PRICE_TYPE = "no price type"


def incomplete(tree: nodes.Tree) -> list[tuple[str, str]]:
    """The nodes nobody has finished, as (JSON path, reason), in document order: a resource
    or a child with no rate, a branch with no children. They are allowed (a tree is built
    step by step) and evaluate as not found; the constructor marks them."""
    found: list[tuple[str, str]] = []
    for i, domain in enumerate(tree.domains):
        for j, resource in enumerate(domain.resources):
            path = f"domains[{i}].resources[{j}]"
            if resource.rate is None:
                found.append((path, NO_PRICE_TYPE))
                continue
            stack: list[tuple[str, nodes.Rate | None]] = [(f"{path}.rate", resource.rate)]
            while stack:
                at, rate = stack.pop()
                if rate is None:  # a child nobody priced; ``at`` is the child's path
                    found.append((at, NO_PRICE_TYPE))
                    continue
                if rate.type != nodes.DEPENDS_ON:
                    continue
                if not rate.children:
                    found.append((at, f"depends on {rate.depends_on} with no children"))
                for k in range(len(rate.children) - 1, -1, -1):
                    child = rate.children[k]
                    child_path = f"{at}.children[{k}]"
                    stack.append(
                        (child_path if child.rate is None else f"{child_path}.rate", child.rate)
                    )
    return found
