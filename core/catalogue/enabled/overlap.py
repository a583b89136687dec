"""Two pay-as-you-go services in force for one domain at one time on one agreement are refused
(guide §6.4): rating would not know which of them prices the event.

The domains a service prices come from its non-draft scopes' rate trees
(``core.catalogue.trees.store.domains_of``: every non-draft scope, whatever its dates).
``domains_of`` here is the one place that asks, so a test can give a service its domains
without building trees.

The rule can break from two sides, and both come here so it is one piece of code:
``refuse_conflicts`` when an enabled row is written, ``refuse_new_domains`` when a write to a
service's scopes or trees is about to make it price a domain it did not (a tree replaced, a
domain node added, a scope created as a copy, a draft scope made live). Both sides lock the
service row, then the agreement rows, in that order: on PostgreSQL two such writers would
otherwise each read the other's state from before its commit and both pass (SQLite's write
transaction already lets one writer in at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core import periods
from core.db.engine import is_postgres
from core.errors import Conflict

SERVICE_KIND = "service"  # core.catalogue.enabled.kinds.SERVICE.key
RULE = "two pay-as-you-go services may not be in force for the same domain at the same time"


async def domains_of(service_ids: list[int]) -> dict[int, set[str]]:
    """The domain keys each service prices, by service id (a service without a non-draft
    scope prices none)."""
    from core.catalogue.trees.store import domains_of as stored

    return await stored(service_ids)


async def lock_service(service_id: int) -> None:
    """Held until the transaction ends; taken before any agreement lock (see the module)."""
    if is_postgres():
        from core.catalogue.services.models import Service

        await Service.raw("SELECT id FROM services WHERE id = {} FOR UPDATE", service_id)


def _period(start: datetime, till: datetime | None) -> str:
    return periods.describe(start, till)


async def refuse_conflicts(
    service_id: int,
    start: datetime,
    till: datetime | None,
    others: list[dict],
    adding: set[str] | None = None,
    mine_row: dict | None = None,
    field: str = "service_id",
) -> None:
    """``others``: the agreement's other enabled pay-as-you-go rows (``id``, ``service``,
    ``service_name``, aware ``effective_from``/``effective_till``). The first one in force at
    an instant of [start, till) that prices a domain this service prices is named, with the
    domain and the period both hold.

    ``adding``: only these domains of ``service_id`` are checked, as if it priced them already
    (a tree write about to add them); ``mine_row`` is then the service's enabled row
    (``id``, ``agreement_code``) the message names, and ``field`` the field refused."""
    overlapping = [
        o for o in others if periods.overlaps(start, till, o["effective_from"], o["effective_till"])
    ]
    if not overlapping:
        return
    domains = await domains_of(sorted({service_id, *(o["service"] for o in overlapping)}))
    if adding is not None:
        mine = set(adding)
        domains[service_id] = domains.get(service_id, set()) | mine
    else:
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
        named = f"enabled service {other['id']} (“{other['service_name']}”)"
        when = _period(both_from, both_till)
        if mine_row is None:
            raise Conflict(
                f"{named} is in force for the domain {names} from {when}; {RULE} on one agreement",
                [{"field": field, "message": f"overlaps {named} for {names} from {when}"}],
            )
        where = f"agreement {mine_row['agreement_code']}"
        raise Conflict(
            f"the service would price {names}, but on {where}, where it is enabled "
            f"(enabled service {mine_row['id']}), {named} is in force for the domain {names} "
            f"from {when}; {RULE} on one agreement",
            [
                {
                    "field": field,
                    "message": f"adds {names}, which {named} prices on {where} from {when}",
                }
            ],
        )


async def refuse_new_domains(service_id: int, domains: Iterable[str], field: str) -> None:
    """Refuses (409) a write that would make ``service_id`` price ``domains`` when, on an
    agreement where the service is enabled, another enabled pay-as-you-go row overlapping it
    prices one of the domains it does not price yet. Call it inside the write's transaction,
    before writing. A service enabled nowhere costs one indexed query (``service``), after
    the service-row lock on PostgreSQL."""
    from core.accounts.agreements.versions import lock_agreement
    from core.catalogue.enabled.models import EnabledService as E

    wanted = set(domains)
    if not wanted:
        return
    await lock_service(service_id)
    enabled = await E.select(
        E.id,
        E.agreement,
        E.agreement.code.as_alias("agreement_code"),
        E.effective_from,
        E.effective_till,
    ).where(E.service == service_id, E.kind == SERVICE_KIND)
    if not enabled:
        return
    adding = wanted - (await domains_of([service_id])).get(service_id, set())
    if not adding:
        return
    agreements = sorted({r["agreement"] for r in enabled})
    for agreement in agreements:
        await lock_agreement(agreement)
    rows = await E.select(
        E.id,
        E.agreement,
        E.service,
        E.service.name.as_alias("service_name"),
        E.effective_from,
        E.effective_till,
    ).where(E.agreement.is_in(agreements), E.kind == SERVICE_KIND)
    others = [{**r, **_utc(r)} for r in rows]
    for row in sorted(enabled, key=lambda r: r["id"]):
        mine = {**row, **_utc(row)}
        await refuse_conflicts(
            service_id,
            mine["effective_from"],
            mine["effective_till"],
            [o for o in others if o["agreement"] == row["agreement"] and o["id"] != row["id"]],
            adding=adding,
            mine_row=mine,
            field=field,
        )


def _utc(row: dict) -> dict:
    return {
        "effective_from": periods.utc(row["effective_from"]),
        "effective_till": periods.utc(row["effective_till"]),
    }
