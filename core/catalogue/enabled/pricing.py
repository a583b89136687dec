"""What a charged pack costs: its "Service purchase" price on the agreement's pay-as-you-go
service (domain ``service_purchase``, resource ``unit_pack`` or ``monetary_pack``, attribute
``pack`` = the pack service's id), evaluated now (guide §6.4.2).

``purchase_price`` is the one place that asks the rate trees; it answers micro-units of the
agreement's currency, or None with the reason shown in place of a cost. While the trees'
evaluation is not installed it says so rather than claim that no rate exists.
"""

from __future__ import annotations

from datetime import datetime

RATE_NOT_FOUND = "rate not found"
NO_EVALUATION = "rating is not available yet"
FREE = "free of charge"


async def purchase_price(
    agreement_id: int, pay_as_you_go_ids: list[int], pack: dict, at: datetime
) -> tuple[int | None, str | None]:
    """(price in micro-units, None) or (None, why not) for ``pack`` (``service``,
    ``service_type``) on the agreement whose pay-as-you-go services in force at ``at`` are
    ``pay_as_you_go_ids`` (earliest enabled first)."""
    try:
        from core.catalogue.trees.evaluate import service_price
    except ImportError:
        return None, NO_EVALUATION
    for service_id in pay_as_you_go_ids:
        price = await service_price(
            service_id,
            at,
            "service_purchase",
            pack["service_type"],
            {"pack": str(pack["service"])},
        )
        if price is not None:
            return price, None
    return None, RATE_NOT_FOUND
