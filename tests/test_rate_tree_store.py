"""Rate trees as rows (core.catalogue.trees.store): a tree written and read back is the same
tree, a rewrite replaces the old rows, and ``domains_of`` sees non-draft scopes only."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from core.catalogue.scopes.models import ServiceScope
from core.catalogue.services.models import Service
from core.catalogue.trees import nodes, store
from core.catalogue.trees.models import RateNode


def sms_tree() -> nodes.Tree:
    """The issue's sample document as objects: MO free, MT by country, Others a tier scale."""
    scale = nodes.Rate(
        nodes.SCALE,
        scale=nodes.TIER,
        counter_group=["sender_id"],
        tiers=[nodes.Tier(Decimal("0.05"), 10000), nodes.Tier(Decimal("0.03"))],
    )
    by_country = nodes.Rate(
        nodes.DEPENDS_ON,
        depends_on="country",
        children=[
            nodes.Child("ES", nodes.Rate(nodes.FLAT, price=Decimal("0.08"))),
            nodes.Child(
                "FR", nodes.Rate(nodes.FLAT, price=Decimal("0.07"), billing_rule="delivered")
            ),
            nodes.Child("DE"),
            nodes.Child("*", scale),
        ],
    )
    root = nodes.Rate(
        nodes.DEPENDS_ON,
        depends_on="direction",
        children=[
            nodes.Child("MO", nodes.Rate(nodes.FREE)),
            nodes.Child("MT", by_country),
        ],
    )
    return nodes.Tree(
        [
            nodes.DomainTree(
                "sms",
                [
                    nodes.ResourceTree("sms_message", root, "submitted", "messages"),
                    nodes.ResourceTree("sender_id_setup_fee"),
                ],
            ),
            nodes.DomainTree("viber", []),
        ]
    )


async def _scope(bo_factory, draft: bool = False, service_id: int | None = None) -> int:
    if service_id is None:
        company = await bo_factory.company(await bo_factory.owner(), "reseller")
        service = Service(company=company["id"], name="SMS", type="pay_as_you_go", currency="EUR")
        await service.save()
        service_id = service.id
    scope = ServiceScope(
        service=service_id, effective_from=datetime(2026, 1, 1, tzinfo=UTC), draft=draft
    )
    await scope.save()
    return scope.id


async def test_a_tree_reads_back_as_written_and_a_rewrite_replaces_it(bo_factory):
    scope_id = await _scope(bo_factory)
    tree = sms_tree()
    assert await store.write_tree(scope_id, tree) == 10
    assert await store.read_tree(scope_id) == tree
    price = await RateNode.select(RateNode.price).where(RateNode.key == "ES").first()
    assert price["price"] == 80_000  # micro-units

    smaller = nodes.Tree([nodes.DomainTree("viber", [])])
    assert await store.write_tree(scope_id, smaller) == 1
    assert await store.read_tree(scope_id) == smaller
    assert await RateNode.count().where(RateNode.scope == scope_id) == 1


async def test_copy_tree_and_domains_of_skip_drafts(bo_factory):
    source = await _scope(bo_factory)
    await store.write_tree(source, sms_tree())
    service_id = (await ServiceScope.select(ServiceScope.service).first())["service"]
    draft = await _scope(bo_factory, draft=True, service_id=service_id)
    await store.write_tree(draft, nodes.Tree([nodes.DomainTree("whatsapp", [])]))
    other = await _scope(bo_factory)
    assert await store.copy_tree(source, other) == 10
    assert await store.read_tree(other) == sms_tree()
    other_service = (
        await ServiceScope.select(ServiceScope.service).where(ServiceScope.id == other).first()
    )["service"]
    assert await store.domains_of([service_id, other_service, 999_999]) == {
        service_id: {"sms", "viber"},
        other_service: {"sms", "viber"},
        999_999: set(),
    }
    assert await store.domains_of([]) == {}


async def test_twenty_thousand_leaves_are_written_and_read_in_seconds(bo_factory):
    scope_id = await _scope(bo_factory)
    leaves = [
        nodes.Child(f"{n:05d}", nodes.Rate(nodes.FLAT, price=Decimal(n) / 1000))
        for n in range(20_000)
    ]
    root = nodes.Rate(nodes.DEPENDS_ON, depends_on="network", children=leaves)
    tree = nodes.Tree([nodes.DomainTree("sms", [nodes.ResourceTree("sms_message", root)])])
    started = time.perf_counter()
    assert await store.write_tree(scope_id, tree) == 20_002
    assert await store.write_tree(scope_id, tree) == 20_002  # replacing costs the same
    assert time.perf_counter() - started < 10
    back = await store.read_tree(scope_id)
    assert back.domains[0].resources[0].rate.children[12_345].rate.price == Decimal("12.345")
