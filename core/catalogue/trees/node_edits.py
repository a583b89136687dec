"""The tree constructor's node-by-node reads and edits (issue 12 item 8; guide §7.3.1).

A 5,000-node tree is never sent whole to the constructor: it asks for one node's children at
a time (``children``) and changes one node per request. Each node answers with what a row of
the constructor shows: its label (the dictionary's, "Missed option: X" for a value the
dictionary no longer holds, "Others" for ``*``), its rate, its billing and quantity rules
with the inherited ones as "Default (…)", whether it has children and whether it is
incomplete (unpriced, or a branch with no children).

An edit is checked by the same rules as the document (``core.catalogue.trees.rules``) at the
node's place in the tree (its domain, resource and the attributes branched on above it), so
a node edit can never store what ``PUT …/tree`` would refuse; every error names the node.
Each edit runs in one transaction with its audit event and moves the scope's
``tree_version``, like a whole-tree replace.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import msgspec

from core.access.guards import refuse_client_writes
from core.audit.recorder import AuditContext, Change, record_event
from core.catalogue.dictionaries.service.registry import index_for, visible
from core.catalogue.domains.service import Domain, available, registered
from core.catalogue.enabled import overlap
from core.catalogue.scopes import service as scopes
from core.catalogue.trees import document, nodes, rules, store
from core.catalogue.trees.models import RateNode
from core.catalogue.trees.schemas import NodeCreate, NodeOut, NodePage, NodeUpdate, TierOut
from core.db.engine import transaction
from core.errors import Invalid, NotFound
from core.validation import Problems
from tenants.scope import Scope

TABLE = "rate_nodes"
DOMAIN, RESOURCE, VALUE = store.DOMAIN, store.RESOURCE, store.VALUE
ROW = [*store.READ, RateNode.scope]
MAX_PAGE = 1000
MAX_POSITION = 2**31 - 1  # the column is a 32-bit integer
SUBTREE = (
    "WITH RECURSIVE sub(id) AS (SELECT id FROM rate_nodes WHERE id = {} "
    "UNION ALL SELECT n.id FROM rate_nodes n JOIN sub ON n.parent = sub.id) "
    "SELECT count(*) AS count FROM sub"
)


# --- where a node sits ------------------------------------------------------------------------


async def _row(node_id: int) -> dict | None:
    return await RateNode.select(*ROW).where(RateNode.id == node_id).first()


async def owned_node(scope: Scope, node_id: int) -> dict:
    """The caller's node (through its scope's service), or 404 like a missing one."""
    row = None
    if 0 < node_id <= scopes.MAX_ID:
        row = (
            await RateNode.select(*ROW)
            .where(RateNode.id == node_id, RateNode.scope.service.company == scope.company_id)
            .first()
        )
    if row is None:
        raise NotFound(f"node {node_id} not found")
    return row


async def chain_of(row: dict) -> list[dict]:
    """The node's ancestors and the node itself, from its domain down."""
    chain = [row]
    while chain[0]["parent"] is not None:
        chain.insert(0, await _row(chain[0]["parent"]))
    return chain


def _resource_of(domains: Mapping[str, Domain], domain: str, resource: str):
    found = domains.get(domain)
    if found is None:
        return None
    return next((r for r in found.declaration.resources if r.key == resource), None)


def place_of(chain: list[dict], service_type: str, domains: Mapping[str, Domain]) -> rules.Place:
    """The rules' place of the last node of ``chain`` (a resource or a value)."""
    resource = _resource_of(domains, chain[0]["key"], chain[1]["key"])
    if resource is None:
        where = f"{chain[0]['key']} / {chain[1]['key']}"
        raise Invalid.field("parent_id", f"{where} is no longer a resource any plugin declares")
    place = rules.Place(service_type, chain[0]["key"], resource)
    for above, node in pairwise(chain[1:]):
        place = place.below(above["depends_on"] or "?", node["key"])
    return place


def path_of(chain: list[dict]) -> str:
    return " / ".join(row["key"] for row in chain)


# --- reading ------------------------------------------------------------------------------------


def _inherited(chain: list[dict]) -> tuple[str, str]:
    """The rules in force below the last node of ``chain``: the nearest set, else defaults."""
    billing, quantity = nodes.DEFAULT_BILLING_RULE, nodes.DEFAULT_QUANTITY_RULE
    for row in chain:
        billing = row["billing_rule"] or billing
        quantity = row["quantity_rule"] or quantity
    return billing, quantity


def _shown(own: str | None, inherited: str) -> str:
    return own if own is not None else f"Default ({inherited})"


async def _labeller(scope: Scope, attribute) -> Any:
    """A function from a child's value to its label under a branch on ``attribute``."""
    dictionary = None
    if attribute is not None and attribute.dictionary:
        dictionary = (await visible(scope)).get(attribute.dictionary)
    index = await index_for(dictionary, scope) if dictionary is not None else None

    def label(value: str) -> str:
        if value == nodes.OTHERS:
            return "Others"
        if index is None:
            return value
        found = index.resolve(value)
        return f"Missed option: {value}" if found.missed else found.label

    return label


def _rate_fields(row: dict) -> dict:
    tiers = store.tiers_of(row["tiers"]) if row["tiers"] else []
    return {
        "price_type": row["price_type"],
        "depends_on": row["depends_on"],
        "price": None if row["price"] is None else document.price_text(store.rate_of(row).price),  # type: ignore[union-attr]
        "scale": row["scale"],
        "tiers": [TierOut(document.price_text(t.price), t.up_to) for t in tiers] or None,
        "counter_group": msgspec.json.decode(row["counter_group"])
        if row["counter_group"]
        else None,
    }


async def _outs(scope: Scope, chain: list[dict], rows: list[dict]) -> list[NodeOut]:
    """Constructor rows for ``rows``, the children of the last node of ``chain`` (``chain``
    empty: the domains)."""
    if not rows:
        return []
    with_children = {
        r["parent"]
        for r in await RateNode.select(RateNode.parent).where(
            RateNode.parent.is_in([r["id"] for r in rows])
        )
    }
    domains = registered()
    billing, quantity = _inherited(chain)
    if not chain:
        kind, label = DOMAIN, None
    elif len(chain) == 1:
        kind, label = RESOURCE, None
    else:
        kind = VALUE
        resource = _resource_of(domains, chain[0]["key"], chain[1]["key"])
        declared = {a.name: a for a in resource.attributes} if resource else {}
        label = await _labeller(scope, declared.get(chain[-1]["depends_on"]))
    items = []
    for row in rows:
        if kind == DOMAIN:
            found = domains.get(row["key"])
            text = found.declaration.name if found else f"Missed option: {row['key']}"
        elif kind == RESOURCE:
            found = _resource_of(domains, chain[0]["key"], row["key"])
            text = found.name if found else f"Missed option: {row['key']}"
        else:
            text = label(row["key"])
        has_children = row["id"] in with_children
        incomplete = kind != DOMAIN and (
            row["price_type"] is None
            or (row["price_type"] == nodes.DEPENDS_ON and not has_children)
        )
        items.append(
            NodeOut(
                id=row["id"],
                scope_id=row["scope"],
                parent_id=row["parent"],
                kind=kind,
                key=row["key"],
                label=text,
                position=row["position"],
                billing_rule=row["billing_rule"],
                quantity_rule=row["quantity_rule"],
                billing_rule_shown=None if kind == DOMAIN else _shown(row["billing_rule"], billing),
                quantity_rule_shown=None
                if kind == DOMAIN
                else _shown(row["quantity_rule"], quantity),
                has_children=has_children,
                incomplete=incomplete,
                **_rate_fields(row),
            )
        )
    return items


async def children(
    scope: Scope, scope_id: int, parent_id: int | None, after: int | None, limit: int
) -> NodePage:
    """One page of a node's children in position order (``parent_id`` None: the domains);
    ``after`` is the last position already shown."""
    await scopes.owned_scope(scope, scope_id)
    chain: list[dict] = []
    if parent_id is not None:
        parent = await owned_node(scope, parent_id)
        if parent["scope"] != scope_id:
            raise NotFound(f"node {parent_id} not found in scope {scope_id}")
        chain = await chain_of(parent)
    problems = Problems()
    if not 1 <= limit <= MAX_PAGE:
        problems.add("limit", f"must be from 1 to {MAX_PAGE}")
    if after is not None and not 0 <= after <= MAX_POSITION:
        problems.add("after", f"must be a position from 0 to {MAX_POSITION}")
    problems.raise_if_any()
    where = [
        RateNode.scope == scope_id,
        RateNode.parent.is_null() if parent_id is None else RateNode.parent == parent_id,
    ]
    if after is not None:
        where.append(RateNode.position > after)
    rows = await RateNode.select(*ROW).where(*where).order_by(RateNode.position).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = await _outs(scope, chain, rows)
    return NodePage(items=items, next_after=rows[-1]["position"] if more else None)


async def get_node(scope: Scope, node_id: int) -> NodeOut:
    row = await owned_node(scope, node_id)
    chain = await chain_of(row)
    return (await _outs(scope, chain[:-1], [row]))[0]


# --- writing ------------------------------------------------------------------------------------


def _check_rate(
    problems: Problems, raw: object, place: rules.Place, children: int = 0
) -> nodes.Rate | None:
    """The node's own rate (no children: they are nodes of their own)."""
    if isinstance(raw, dict) and "children" in raw:
        problems.add("rate.children", f"add children as nodes of their own at {place.where}")
        return None
    rate = rules.check_rate(problems, "rate", raw, place)
    if rate is not None and children and rate.type != nodes.DEPENDS_ON:
        problems.add(
            "rate.type",
            f"the node has {children} children: delete them before pricing it as "
            f"{rate.type} at {place.where}",
        )
    return rate


def _row_values(rate: nodes.Rate | None) -> dict:
    keys = store.COLUMNS[6:]
    return dict(zip(keys, store.rate_columns(rate), strict=True))


def _view(row: Mapping) -> dict:
    keys = ("scope", "parent", "kind", "key", "position", *store.COLUMNS[6:])
    return {k: row.get(k) for k in keys}


async def _sibling_values(parent_id: int, attribute, skip: int | None = None) -> set[str]:
    rows = await RateNode.select(RateNode.id, RateNode.key).where(RateNode.parent == parent_id)
    return {rules.normalise(attribute, r["key"]) for r in rows if r["id"] != skip}


async def subtree_size(node_id: int) -> int:
    return (await RateNode.raw(SUBTREE, node_id))[0]["count"]


async def _record(ctx: AuditContext, scope: Scope, action: str, change: Change) -> None:
    change.object_company_id = scope.company_id
    await record_event(ctx, action, [change])


async def add_node(ctx: AuditContext, scope: Scope, scope_id: int, data: NodeCreate) -> NodeOut:
    """A domain (no parent), a resource (under a domain) or a value (under a branch)."""
    refuse_client_writes(scope, "rate trees")
    async with transaction():
        scope_row = await scopes.owned_scope(scope, scope_id, lock=True)
        service_type = scope_row["service_type"]
        problems = Problems()
        if data.parent_id is None:
            chain: list[dict] = []
            kind, key, rate, values = DOMAIN, await _new_domain(scope, scope_id, data), None, {}
            if not scope_row["draft"]:
                await overlap.refuse_new_domains(scope_row["service"], [key], "key")
        else:
            parent = await owned_node(scope, data.parent_id)
            if parent["scope"] != scope_id:
                raise Invalid.field("parent_id", f"node {data.parent_id} is not in this scope")
            chain = await chain_of(parent)
            if parent["kind"] == DOMAIN:
                kind = RESOURCE
                key, rate = await _new_resource(
                    problems, scope, scope_id, chain, data, service_type
                )
            else:
                kind = VALUE
                key, rate = await _new_value(problems, chain, data, service_type)
            values = _row_values(rate)
            if kind == RESOURCE:
                values["billing_rule"] = values["billing_rule"] or data.billing_rule
                values["quantity_rule"] = values["quantity_rule"] or data.quantity_rule
        problems.raise_if_any()
        parent_id = data.parent_id
        siblings = await RateNode.select(RateNode.position).where(
            RateNode.scope == scope_id,
            RateNode.parent.is_null() if parent_id is None else RateNode.parent == parent_id,
        )
        position = max((s["position"] for s in siblings), default=-1) + 1
        fields = {"scope": scope_id, "parent": parent_id, "kind": kind, "key": key}
        fields |= {"position": position, **{k: None for k in store.COLUMNS[6:]}, **values}
        node = RateNode(**fields)
        await node.save()
        await scopes.bump_tree_version(scope_id)
        where = path_of([*chain, fields])
        change = Change(TABLE, "insert", node.id, {}, {"path": where, **_view(fields)})
        await _record(ctx, scope, "Rate node added", change)
    return await get_node(scope, node.id)


async def _new_domain(scope: Scope, scope_id: int, data: NodeCreate) -> str:
    if data.rate is not None or data.billing_rule or data.quantity_rule:
        raise Invalid.field("rate", "a domain has no rate or rules: price its resources")
    if data.key not in await available(scope):
        raise Invalid.field(
            "key",
            f"{rules.quote(data.key)} is not a service domain you may price "
            "(GET /api/v1/catalogue/domains lists them)",
        )
    if await RateNode.exists().where(
        RateNode.scope == scope_id, RateNode.parent.is_null(), RateNode.key == data.key
    ):
        raise Invalid.field("key", f"domain “{data.key}” is in the tree already")
    return data.key


async def _new_resource(
    problems: Problems,
    scope: Scope,
    scope_id: int,
    chain: list[dict],
    data: NodeCreate,
    service_type: str,
) -> tuple[str, nodes.Rate | None]:
    domain = chain[0]["key"]
    resource = _resource_of(await available(scope), domain, data.key)
    if resource is None:
        raise Invalid.field("key", f"{rules.quote(data.key)} is not a resource of {domain}")
    if await RateNode.exists().where(RateNode.parent == chain[0]["id"], RateNode.key == data.key):
        raise Invalid.field("key", f"resource “{data.key}” is in {domain} already")
    place = rules.Place(service_type, domain, resource)
    for name, value, choices in (
        ("billing_rule", data.billing_rule, nodes.BILLING_RULES),
        ("quantity_rule", data.quantity_rule, nodes.QUANTITY_RULES),
    ):
        rules.check_rule(problems, name, value, choices, place.where)
    rate = _check_rate(problems, data.rate, place) if data.rate is not None else None
    rules.refuse_rules_on_top_rate(problems, "rate", rate, place.where)
    return data.key, rate


async def _new_value(
    problems: Problems, chain: list[dict], data: NodeCreate, service_type: str
) -> tuple[str, nodes.Rate | None]:
    parent = chain[-1]
    if data.billing_rule or data.quantity_rule:
        problems.add("billing_rule", "a value node sets its rules inside its rate")
    place = place_of(chain, service_type, registered())
    if parent["price_type"] != nodes.DEPENDS_ON:
        priced = parent["price_type"] or "unpriced"
        raise Invalid.field(
            "parent_id",
            f"{place.where} is {priced}: make it depend on an attribute before adding values",
        )
    attribute = place.attributes.get(parent["depends_on"])
    key = rules.check_value(problems, "key", data.key, attribute, place.where)
    if key is not None and key in await _sibling_values(parent["id"], attribute):
        shown = "Others (“*”)" if key == nodes.OTHERS else f"“{key}”"
        problems.add(
            "key", f"value {shown} appears twice under “{parent['depends_on']}” at {place.where}"
        )
    rate = None
    if data.rate is not None:
        rate = _check_rate(problems, data.rate, place.below(parent["depends_on"], key or "?"))
    return key or "", rate


async def update_node(ctx: AuditContext, scope: Scope, node_id: int, data: NodeUpdate) -> NodeOut:
    """A value's key, a node's rate (``null``: unpriced), a resource's rules."""
    refuse_client_writes(scope, "rate trees")
    given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    async with transaction():
        row = await owned_node(scope, node_id)
        scope_row = await scopes.owned_scope(scope, row["scope"], lock=True)
        if row["kind"] == DOMAIN:
            raise Invalid.field("key", "a domain has nothing to change: add or delete it")
        chain = await chain_of(row)
        place = place_of(chain, scope_row["service_type"], registered())
        problems = Problems()
        values: dict[str, Any] = {}
        if "key" in given:
            if row["kind"] != VALUE:
                raise Invalid.field("key", f"the key of resource {place.where} cannot change")
            parent = chain[-2]
            attribute = place.attributes.get(parent["depends_on"])
            key = rules.check_value(problems, "key", given["key"], attribute, place.where)
            if key is not None and key in await _sibling_values(parent["id"], attribute, node_id):
                problems.add(
                    "key",
                    f"value “{key}” appears twice under “{parent['depends_on']}” at {place.where}",
                )
            values["key"] = key
        if "rate" in given:
            children = await RateNode.count().where(RateNode.parent == node_id)
            if given["rate"] is None:
                if children:
                    problems.add("rate", f"delete the {children} children of {place.where} first")
                values |= _row_values(None)
            else:
                rate = _check_rate(problems, given["rate"], place, children)
                if row["kind"] == RESOURCE:
                    rules.refuse_rules_on_top_rate(problems, "rate", rate, place.where)
                if (
                    rate is not None
                    and children
                    and rate.depends_on not in (None, row["depends_on"])
                ):
                    problems.add(
                        "rate.depends_on",
                        f"the {children} children of {place.where} are values of "
                        f"“{row['depends_on']}”: delete them before branching on another attribute",
                    )
                values |= _row_values(rate)
        for name, choices in (
            ("billing_rule", nodes.BILLING_RULES),
            ("quantity_rule", nodes.QUANTITY_RULES),
        ):
            if name in given:
                if row["kind"] != RESOURCE:
                    problems.add(name, f"a value node sets {name} inside its rate")
                else:
                    values[name] = rules.check_rule(
                        problems, name, given[name], choices, place.where
                    )
        problems.raise_if_any()
        if row["kind"] == RESOURCE and "rate" in given:
            for name in ("billing_rule", "quantity_rule"):
                if name not in given and values.get(name) is None:
                    values[name] = row[name]
        old = _view(row)
        new = {**old, **values}
        changed = {k for k in new if new[k] != old[k]}
        if changed:
            await RateNode.update({getattr(RateNode, k): new[k] for k in changed}).where(
                RateNode.id == node_id
            )
            await scopes.bump_tree_version(row["scope"])
            before = {"path": path_of(chain)} | {k: old[k] for k in changed}
            after = {"path": path_of(chain)} | {k: new[k] for k in changed}
            change = Change(TABLE, "update", node_id, before, after)
            await _record(ctx, scope, "Rate node updated", change)
    return await get_node(scope, node_id)


async def delete_node(ctx: AuditContext, scope: Scope, node_id: int) -> None:
    """The node and everything below it; the event keeps the path and the node count."""
    refuse_client_writes(scope, "rate trees")
    async with transaction():
        row = await owned_node(scope, node_id)
        await scopes.owned_scope(scope, row["scope"], lock=True)
        chain = await chain_of(row)
        size = await subtree_size(node_id)
        await RateNode.delete().where(RateNode.id == node_id)
        await scopes.bump_tree_version(row["scope"])
        old = {"path": path_of(chain), "nodes": size, **_view(row)}
        await _record(ctx, scope, "Rate node deleted", Change(TABLE, "delete", node_id, old, {}))
