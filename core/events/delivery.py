"""Delivery of committed events, off the request path.

``emit`` queues one ``core.events.deliver`` job per event once the transaction commits. That
job calls every ``on_event`` implementation, each guarded so a failing subscriber is logged and
the others still run, then queues the plugins' subscriber jobs. Plugins switched off for the
event's company (or a company above it) are skipped. The deliver job never retries: a retry
would call again the subscribers that already succeeded.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from core.db.engine import after_commit
from core.events.catalogue import Event, decode, to_payload
from core.events.subscriptions import by_plugin
from core.jobs.declarations import job

log = logging.getLogger("backoffice.events")


def _listened() -> bool:
    """Whether any plugin listens at all: with none, an event costs no job."""
    from core.plugins.manager import plugin_manager

    return bool(plugin_manager().hook.on_event.get_hookimpls() or by_plugin())


async def emit(event: Event) -> None:
    """Announce ``event`` after the current transaction commits (at once outside one)."""

    async def queue() -> None:
        if not _listened():
            return
        try:
            await deliver.enqueue(to_payload(event))
        except Exception:  # the write is committed: a broker outage must not fail the request
            log.exception("event %s %s could not be queued", event.name, event.event_id)

    if not after_commit(queue):
        await queue()


async def _call_hooks(event: Event, off: frozenset[str]) -> None:
    from core.plugins.manager import plugin_manager

    for impl in plugin_manager().hook.on_event.get_hookimpls():
        if impl.plugin_name in off:
            continue
        try:
            result = impl.function(event=event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("on_event of plugin %s failed on %s", impl.plugin_name, event.name)


async def _queue_subscribers(event: Event, payload: dict[str, Any], off: frozenset[str]) -> None:
    for plugin_name, subscription in by_plugin():
        if subscription.event != event.name or plugin_name in off:
            continue
        try:
            await subscription.job.enqueue(payload)
        except Exception:
            log.exception(
                "event job %s of plugin %s not queued", subscription.job.name, plugin_name
            )


@job("default", name="core.events.deliver", max_retries=0)
async def deliver(payload: dict[str, Any]) -> None:
    from core.plugins.enablement import disabled_for

    event = decode(payload)
    if not _listened():  # the plugin that listened when it was queued is gone
        return
    off = await disabled_for(event.company_path)
    await _call_hooks(event, off)
    await _queue_subscribers(event, to_payload(event), off)


JOBS = [deliver]
