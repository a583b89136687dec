"""Plugins' event jobs: ``register_event_subscribers`` returns ``subscribe(name, job)`` items.

A subscriber job is an ordinary ``@core.jobs.job`` taking the payload dict; it gets dramatiq's
own retries, so it should be idempotent (``event_id`` identifies a redelivery).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.events.catalogue import EVENTS
from core.jobs.declarations import JobDef


@dataclass(frozen=True)
class Subscription:
    event: str
    job: JobDef


def subscribe(event: str, job: JobDef) -> Subscription:
    """Declare that ``job`` is queued with the payload of every ``event`` (a catalogue name)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; known: {', '.join(sorted(EVENTS))}")
    if not isinstance(job, JobDef):
        raise TypeError("subscribe() needs a job declared with @core.jobs.job")
    return Subscription(event, job)


def by_plugin() -> list[tuple[str, Subscription]]:
    """Every subscription with the name of the plugin that declared it (for per-company off)."""
    from core.plugins.manager import plugin_manager

    found = []
    for impl in plugin_manager().hook.register_event_subscribers.get_hookimpls():
        for item in impl.function() or ():
            if not isinstance(item, Subscription):
                raise TypeError(
                    f"plugin {impl.plugin_name}: register_event_subscribers returned {item!r}; "
                    "expected core.events.subscribe(name, job)"
                )
            found.append((impl.plugin_name, item))
    return found


def subscriber_jobs() -> list[JobDef]:
    """The jobs to declare on the broker, so a worker consumes their queues."""
    return [s.job for _, s in by_plugin()]
