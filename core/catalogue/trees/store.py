"""A scope's rate tree as ``rate_nodes`` rows: written whole, read whole, and the domains each
service prices.

``write_tree`` replaces a scope's rows in one transaction through the bulk path
(``core.db.bulk``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL). Ids are allocated
before the rows are sent, so a child carries its parent's id in the same batch instead of
waiting for it to be inserted and read back: a 100,000-leaf tree is a few bulk batches, not a
round trip per level. Rows go parent first (pre-order), which is what the foreign key to the
parent needs. ``read_tree`` trusts what it reads: the tree was checked when it was written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from core.catalogue.scopes.models import ServiceScope
from core.catalogue.trees import nodes
from core.catalogue.trees.models import RateNode
from core.db.bulk import insert_many
from core.db.engine import is_postgres, transaction
from core.money import SCALE

DOMAIN, RESOURCE, VALUE = "domain", "resource", "value"
KINDS = (DOMAIN, RESOURCE, VALUE)
COLUMNS = (
    "id",
    "scope",
    "parent",
    "kind",
    "key",
    "position",
    "price_type",
    "depends_on",
    "price",
    "scale",
    "tiers",
    "counter_group",
    "billing_rule",
    "quantity_rule",
)
READ = [getattr(RateNode, name) for name in COLUMNS if name != "scope"]
UNPRICED = (None,) * 8


def tiers_json(tiers: Iterable[nodes.Tier]) -> str | None:
    """Tier prices as decimal strings: exact, and readable in the row as in the document."""
    items = [{"up_to": t.up_to, "price": str(t.price)} for t in tiers]
    return json.dumps(items) if items else None


def tiers_of(text: str | None) -> list[nodes.Tier]:
    return [nodes.Tier(Decimal(t["price"]), t["up_to"]) for t in json.loads(text or "[]")]


def rate_columns(rate: nodes.Rate | None) -> tuple:
    """``price_type`` … ``quantity_rule`` of a node holding ``rate`` (None: unpriced)."""
    if rate is None:
        return UNPRICED
    price = rate.price
    return (
        rate.type,
        rate.depends_on,
        # a parsed price has at most six decimals (core.money), so the shift is exact
        None if price is None else int(price.scaleb(SCALE)),
        rate.scale,
        tiers_json(rate.tiers) if rate.tiers else None,
        json.dumps(list(rate.counter_group)) if rate.counter_group else None,
        rate.billing_rule,
        rate.quantity_rule,
    )


def _rows(scope_id: int, tree: nodes.Tree, ids: Iterator[int]) -> Iterator[tuple]:
    """Every node of ``tree`` as a row, parents before their children (an explicit stack:
    a generator per level would cost more than the rows themselves)."""
    for d_position, domain in enumerate(tree.domains):
        domain_id = next(ids)
        yield (domain_id, scope_id, None, DOMAIN, domain.domain, d_position, *UNPRICED)
        for r_position, resource in enumerate(domain.resources):
            resource_id = next(ids)
            columns = list(rate_columns(resource.rate))
            # One pair of columns keeps the resource's rules: its top-level rate has none of
            # its own (``rules.refuse_rules_on_top_rate``), so a tree reads back as written.
            columns[6] = resource.billing_rule
            columns[7] = resource.quantity_rule
            yield (
                resource_id,
                scope_id,
                domain_id,
                RESOURCE,
                resource.resource,
                r_position,
                *columns,
            )
            if resource.rate is None:
                continue
            stack = [(resource.rate.children, resource_id)]
            while stack:
                children, parent = stack.pop()
                for position, child in enumerate(children):
                    node_id = next(ids)
                    rate = child.rate
                    yield (
                        node_id,
                        scope_id,
                        parent,
                        VALUE,
                        child.value,
                        position,
                        *rate_columns(rate),
                    )
                    if rate is not None and rate.children:
                        stack.append((rate.children, node_id))


def count_nodes(tree: nodes.Tree) -> int:
    def below(rate: nodes.Rate | None) -> int:
        if rate is None:
            return 0
        return sum(1 + below(child.rate) for child in rate.children)

    return sum(1 + sum(1 + below(r.rate) for r in d.resources) for d in tree.domains)


async def allocate_ids(count: int) -> Iterator[int]:
    """``count`` fresh node ids, inside the caller's transaction.

    PostgreSQL takes them from the table's sequence (a concurrent writer gets others);
    SQLite's write transaction is exclusive, so the ids after the highest one are free.
    """
    if count == 0:
        return iter(())
    if is_postgres():
        rows = await RateNode.raw(
            "SELECT nextval(pg_get_serial_sequence('rate_nodes', 'id')) AS id "
            "FROM generate_series(1, {})",
            count,
        )
        return iter(sorted(r["id"] for r in rows))
    top = await RateNode.raw("SELECT coalesce(max(id), 0) AS top FROM rate_nodes")
    first = top[0]["top"] + 1
    return iter(range(first, first + count))


async def delete_tree(scope_ids: list[int]) -> int:
    """Removes every node of the scopes (a subtree's rows go with their parent's cascade)."""
    if not scope_ids:
        return 0
    gone = await RateNode.count().where(RateNode.scope.is_in(scope_ids))
    await RateNode.delete().where(RateNode.scope.is_in(scope_ids))
    return gone


async def write_tree(scope_id: int, tree: nodes.Tree) -> int:
    """Replaces the scope's tree with ``tree``; returns how many nodes it has. All or nothing:
    it joins the caller's transaction, or runs in its own."""
    async with transaction():
        await delete_tree([scope_id])
        total = count_nodes(tree)
        ids = await allocate_ids(total)
        await insert_many(RateNode, COLUMNS, _rows(scope_id, tree, ids))
    return total


async def copy_tree(source_scope_id: int, target_scope_id: int) -> int:
    """The source's tree written under the target (a clone or a new scope copying one)."""
    return await write_tree(target_scope_id, await read_tree(source_scope_id))


def rate_of(row: dict, children: list[nodes.Child] | None = None) -> nodes.Rate | None:
    if row["price_type"] is None:
        return None
    price = row["price"]
    return nodes.Rate(
        type=row["price_type"],
        depends_on=row["depends_on"],
        children=children or [],
        price=None if price is None else Decimal(price).scaleb(-SCALE),
        scale=row["scale"],
        tiers=tiers_of(row["tiers"]) if row["tiers"] else [],
        counter_group=json.loads(row["counter_group"]) if row["counter_group"] else [],
        billing_rule=row["billing_rule"],
        quantity_rule=row["quantity_rule"],
    )


def tree_of(rows: list[dict]) -> nodes.Tree:
    """The tree of a scope's rows (any order)."""
    by_parent: dict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        by_parent[row["parent"]].append(row)
    for siblings in by_parent.values():
        siblings.sort(key=lambda r: (r["position"], r["id"]))

    def child(row: dict) -> nodes.Child:
        return nodes.Child(row["key"], value_rate(row))

    def value_rate(row: dict) -> nodes.Rate | None:
        return rate_of(row, [child(c) for c in by_parent.get(row["id"], ())])

    tree = nodes.Tree()
    for domain in by_parent.get(None, ()):
        resources = []
        for row in by_parent.get(domain["id"], ()):
            rate = value_rate(row)
            if rate is not None:
                rate.billing_rule = rate.quantity_rule = None
            resources.append(
                nodes.ResourceTree(row["key"], rate, row["billing_rule"], row["quantity_rule"])
            )
        tree.domains.append(nodes.DomainTree(domain["key"], resources))
    return tree


async def read_tree(scope_id: int) -> nodes.Tree:
    return tree_of(await RateNode.select(*READ).where(RateNode.scope == scope_id))


async def domains_of(service_ids: list[int]) -> dict[int, set[str]]:
    """The domain keys each service prices in any of its non-draft scopes (whatever their
    dates); a service with none maps to an empty set. Enabled services use it to find two
    pay-as-you-go services claiming one domain."""
    found: dict[int, set[str]] = {service_id: set() for service_id in service_ids}
    if not service_ids:
        return found
    scopes = await ServiceScope.select(ServiceScope.id, ServiceScope.service).where(
        ServiceScope.service.is_in(list(service_ids)), ServiceScope.draft.eq(False)
    )
    service_of = {s["id"]: s["service"] for s in scopes}
    if not service_of:
        return found
    rows = await RateNode.select(RateNode.scope, RateNode.key).where(
        RateNode.scope.is_in(list(service_of)), RateNode.parent.is_null()
    )
    for row in rows:
        found[service_of[row["scope"]]].add(row["key"])
    return found


async def scope_domains(scope_id: int) -> set[str]:
    """The domain keys of one scope's tree (its parentless rows)."""
    rows = await RateNode.select(RateNode.key).where(
        RateNode.scope == scope_id, RateNode.parent.is_null()
    )
    return {r["key"] for r in rows}


async def count_rows(scope_id: int) -> int:
    return await RateNode.count().where(RateNode.scope == scope_id)
