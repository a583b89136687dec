"""Two pay-as-you-go services in force for one domain at one time on one agreement are refused
(guide §6.4): rating would not know which of them prices the event.

The domains a service prices come from its non-draft scopes' rate trees
(``core.catalogue.trees.store.domains_of``: every non-draft scope, whatever its dates).
``domains_of`` here is the one place that asks, so a test can give a service its domains
without building trees. The rule is checked when an enabled service is written; a domain added
later to an enabled service's tree is not checked against the agreement here.
"""

from __future__ import annotations

from datetime import datetime

from core import periods
from core.errors import Conflict


async def domains_of(service_ids: list[int]) -> dict[int, set[str]]:
    """The domain keys each service prices, by service id (a service without a non-draft
    scope prices none)."""
    from core.catalogue.trees.store import domains_of as stored

    return await stored(service_ids)


def _period(start: datetime, till: datetime | None) -> str:
    return periods.describe(start, till)


async def refuse_conflicts(
    service_id: int, start: datetime, till: datetime | None, others: list[dict]
) -> None:
    """``others``: the agreement's other enabled pay-as-you-go rows (``id``, ``service``,
    ``service_name``, aware ``effective_from``/``effective_till``). The first one in force at
    an instant of [start, till) that prices a domain this service prices is named, with the
    domain and the period both hold."""
    overlapping = [
        o for o in others if periods.overlaps(start, till, o["effective_from"], o["effective_till"])
    ]
    if not overlapping:
        return
    domains = await domains_of(sorted({service_id, *(o["service"] for o in overlapping)}))
    mine = domains.get(service_id, set())
    if not mine:
        return
    for other in sorted(overlapping, key=lambda o: o["id"]):
        shared = sorted(mine & domains.get(other["service"], set()))
        if not shared:
            continue
        both_from = max(start, other["effective_from"])
        ends = [t for t in (till, other["effective_till"]) if t is not None]
        both_till = min(ends) if ends else None
        names = ", ".join(shared)
        raise Conflict(
            f"enabled service {other['id']} (“{other['service_name']}”) is in force for "
            f"the domain {names} from {_period(both_from, both_till)}; two pay-as-you-go "
            "services may not be in force for the same domain at the same time on one agreement",
            [
                {
                    "field": "service_id",
                    "message": f"overlaps enabled service {other['id']} "
                    f"(“{other['service_name']}”) for {names} from "
                    f"{_period(both_from, both_till)}",
                }
            ],
        )
