"""The process-wide dramatiq broker and the binding of job declarations to it.

Redis when ``BACKOFFICE_REDIS_URL`` is set (several processes share the queues), otherwise an
in-memory ``StubBroker`` that only an in-process worker of this same process consumes.
"""

from __future__ import annotations

import importlib
import threading

import dramatiq
from dramatiq import Actor, Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries

from core.jobs.declarations import DEFAULT_MAX_RETRIES, JobDef, Schedule
from core.settings import Settings, get_settings

# Modules whose import declares BackOffice's own jobs and schedules (``JOBS``, ``SCHEDULES``).
BUILTIN_MODULES = (
    "core.audit.export",
    "core.jobs.purge",
    "core.auth.inactivity",
    "core.mail.delivery",
    "core.users.expiry",
    "core.db.statistics",
    "core.events.delivery",
    "core.events.starts",
)

_lock = threading.RLock()
_state: dict = {"broker": None, "key": None, "defs": {}}


def _middleware() -> list:
    # No TimeLimit: it raises into worker threads, which cannot stop a coroutine running on
    # the home loop; JobDef enforces its time limit by cancelling the coroutine instead.
    return [AgeLimit(), Callbacks(), Pipelines(), Retries(max_retries=DEFAULT_MAX_RETRIES)]


def build_broker(settings: Settings) -> Broker:
    if settings.uses_redis:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(
            url=settings.redis_url, namespace=settings.redis_namespace, middleware=_middleware()
        )
    return StubBroker(middleware=_middleware())


def get_broker(settings: Settings | None = None) -> Broker:
    """The broker for the current settings, built once (rebuilt if the Redis settings change)."""
    settings = settings or get_settings()
    key = (settings.redis_url, settings.redis_namespace)
    with _lock:
        if _state["broker"] is None or _state["key"] != key:
            if _state["broker"] is not None:
                _state["broker"].close()
            _state["broker"] = build_broker(settings)
            _state["key"] = key
            _state["defs"] = {}
            dramatiq.set_broker(_state["broker"])
        return _state["broker"]


def actor_for(job: JobDef, broker: Broker | None = None) -> Actor:
    """The dramatiq actor of ``job`` on the broker, declared on first use."""
    broker = broker or get_broker()
    with _lock:
        if _state["defs"].get(job.name) is job and job.name in broker.actors:
            return broker.actors[job.name]
        broker.actors.pop(job.name, None)  # a re-registered plugin replaces its old actor
        actor = Actor(
            job.run_sync,
            broker=broker,
            actor_name=job.name,
            queue_name=job.queue_name,
            priority=0,
            options=dict(job.options),
        )
        _state["defs"][job.name] = job
        return actor


def declarations() -> tuple[list[JobDef], list[Schedule]]:
    """Built-in jobs and schedules plus everything plugins return from ``register_actors``."""
    from core.events.subscriptions import subscriber_jobs
    from core.plugins.manager import collect

    items: list = []
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        items += [*getattr(module, "JOBS", ()), *getattr(module, "SCHEDULES", ())]
    items += collect("register_actors")
    items += subscriber_jobs()
    jobs: dict[str, JobDef] = {}
    schedules: list[Schedule] = []
    for item in items:
        if isinstance(item, Schedule):
            schedules.append(item)
            jobs.setdefault(item.job.name, item.job)
        elif isinstance(item, JobDef):
            jobs[item.name] = item
        else:
            raise TypeError(
                f"register_actors returned {item!r}; expected @core.jobs.job or core.jobs.every"
            )
    return list(jobs.values()), schedules


def declare_all(broker: Broker | None = None) -> list[Schedule]:
    """Declare every known job on the broker (so a worker consumes its queue); the schedules."""
    broker = broker or get_broker()
    jobs, schedules = declarations()
    for job in jobs:
        actor_for(job, broker)
    return schedules
