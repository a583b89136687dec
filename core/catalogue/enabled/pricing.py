"""What a charged pack costs: its "Service purchase" price on the agreement's pay-as-you-go
services (domain ``service_purchase``, resource ``unit_pack`` or ``monetary_pack``, attribute
``pack`` = the pack service's id as text), evaluated now (guide §6.4.2).

Each pay-as-you-go service in force on the agreement is asked in turn, earliest enabled first:
its scope in force now (``core.catalogue.scopes.service.in_force``: never a draft), its tree
compiled (``core.catalogue.trees.evaluation.compiled_for``, cached per tree version); the
first price (or free) found is the cost. None found is "rate not found", which the list and
the page show in place of a cost.
"""

from __future__ import annotations

from datetime import datetime

from core.catalogue.trees import nodes
from core.money import to_micros

RATE_NOT_FOUND = "rate not found"
FREE = "free of charge"
DOMAIN = "service_purchase"


async def _evaluate(service_id: int, at: datetime, resource: str, pack_id: int):
    from core.catalogue.scopes.service import in_force
    from core.catalogue.trees.evaluation import compiled_for

    scope = await in_force(service_id, at)
    if scope is None:
        return None
    tree = await compiled_for(scope)  # the evaluate endpoint's per-process cache
    return tree.evaluate(DOMAIN, resource, {"pack": str(pack_id)})


async def purchase_price(
    agreement_id: int, pay_as_you_go_ids: list[int], pack: dict, at: datetime
) -> tuple[int | None, str | None]:
    """(price in micro-units of the agreement's currency, None), or (None, why not), for
    ``pack`` (``service``, ``service_type``) on an agreement whose pay-as-you-go services in
    force at ``at`` are ``pay_as_you_go_ids`` (earliest enabled first)."""
    for service_id in pay_as_you_go_ids:
        found = await _evaluate(service_id, at, pack["service_type"], pack["service"])
        if found is None:
            continue
        if found.result == nodes.RESULT_PRICE and found.price is not None:
            return to_micros(found.price), None
        if found.result == nodes.RESULT_FREE:
            return 0, None
    return None, RATE_NOT_FOUND
