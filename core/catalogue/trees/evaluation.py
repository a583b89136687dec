"""``POST /api/v1/services/{id}/evaluate``: what a service charges for one event at an instant
(issue 12 item 7), and the per-process cache of compiled trees behind it.

The scope in force at ``at`` answers (``core.catalogue.scopes.service.in_force``). Its tree
is compiled once and kept under ``(scope id, created_at, tree_version)``: every tree change
moves the version, so a stale entry is never read again, in this process or any other,
without any message between processes. ``created_at`` is in the key because SQLite may give
a deleted scope's id to the next one, whose version starts again at 0. The least recently
used entries fall out when the cache is full.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime

import msgspec

from core import periods
from core.catalogue.scopes import service as scopes
from core.catalogue.trees import document, nodes, store
from core.catalogue.trees.compiled import CompiledTree, compile_tree
from core.catalogue.trees.schemas import EvaluateIn, EvaluationOut
from core.errors import Invalid
from tenants.scope import Scope

# Compiled trees kept per process; a 100,000-leaf tree is tens of MB, a usual one far less.
CACHE_SIZE = 32
_compiled: OrderedDict[tuple[int, str, int], CompiledTree] = OrderedDict()
_loading: dict[tuple[int, str, int], asyncio.Future[CompiledTree]] = {}


async def compiled_for(row: dict) -> CompiledTree:
    """The compiled tree of a scope row (``in_force``'s) at its ``tree_version``, read and
    compiled on a miss. Requests missing the same key together wait for one compilation: a
    100,000-leaf tree takes seconds to read and compile, and doing it once per waiting
    request would multiply that by the queue."""
    scope_id = row["id"]
    key = (scope_id, str(row["created_at"]), row["tree_version"])
    found = _compiled.get(key)
    if found is not None:
        _compiled.move_to_end(key)
        return found
    loading = _loading.get(key)
    if loading is None:
        loading = asyncio.ensure_future(_compile(scope_id))
        _loading[key] = loading
        loading.add_done_callback(lambda _: _loading.pop(key, None))
    found = await asyncio.shield(loading)
    _compiled[key] = found
    for stale in [k for k in _compiled if k[0] == scope_id and k != key]:
        del _compiled[stale]
    while len(_compiled) > CACHE_SIZE:
        _compiled.popitem(last=False)
    return found


async def _compile(scope_id: int) -> CompiledTree:
    return compile_tree(await store.read_tree(scope_id))


def clear_cache() -> None:
    _compiled.clear()


def _instant(at: datetime | None) -> datetime:
    if at is None:
        return periods.now_utc()
    if at.tzinfo is None:
        raise Invalid.field(
            "at", "give an instant with its offset (2026-05-01T10:00:00Z), not a local time"
        )
    try:
        return periods.aware_utc(at, "evaluate")
    except OverflowError:
        raise Invalid.field("at", "is out of the supported date range") from None


def to_out(found: nodes.Evaluation, scope_id: int | None, reason: str | None = None):
    out = document.dump_evaluation(found) | {"scope_id": scope_id}
    if found.result == nodes.RESULT_NOT_FOUND:
        reached = " / ".join(found.path) or "the top"
        out["reason"] = (
            reason or f"scope {scope_id} has no rate for this event (its tree stops at {reached})"
        )
    return msgspec.convert(out, EvaluationOut)


async def evaluate(scope: Scope, service_id: int, data: EvaluateIn) -> EvaluationOut:
    await scopes.owned_service(scope, service_id)
    at = _instant(data.at)
    row = await scopes.in_force(service_id, at)
    if row is None:
        reason = f"no scope of service {service_id} is in force at {at:%Y-%m-%d %H:%M:%S} UTC"
        out = to_out(nodes.Evaluation(nodes.RESULT_NOT_FOUND, ()), None, reason)
        out.billing_rule = out.quantity_rule = None  # no tree, so no rule either
        return out
    tree = await compiled_for(row)
    return to_out(tree.evaluate(data.domain, data.resource, data.attributes), row["id"])
