"""How code declares background work: ``@job`` for async functions, ``every`` for schedules.

Declaring is free of I/O: a ``JobDef`` becomes a dramatiq actor only when the runtime binds it
to the broker (at start-up, or on first send), so modules and plugins can be imported anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

DEFAULT_MAX_RETRIES = 3
DEFAULT_TIME_LIMIT_MS = 10 * 60 * 1000


@dataclass(eq=False)
class JobDef:
    """An ``async def`` job; ``send`` queues it, calling it runs the body directly (tests)."""

    fn: Callable[..., Awaitable[Any]]
    name: str
    queue_name: str = "default"
    options: dict[str, Any] = field(default_factory=dict)
    time_limit_ms: int = DEFAULT_TIME_LIMIT_MS

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await self.fn(*args, **kwargs)

    def run_sync(self, *args: Any, **kwargs: Any) -> Any:
        """The dramatiq actor body: runs the coroutine on this process's home event loop."""
        from core.jobs.runtime import run_on_home_loop

        return run_on_home_loop(self.fn(*args, **kwargs), self.time_limit_ms / 1000)

    def send(self, *args: Any, **kwargs: Any):
        """Queue one run (blocking: with Redis this is a network call)."""
        from core.jobs.broker import actor_for

        return actor_for(self).send(*args, **kwargs)

    def send_with_options(self, *, args: tuple = (), kwargs: dict | None = None, **options):
        from core.jobs.broker import actor_for

        return actor_for(self).send_with_options(args=args, kwargs=kwargs, **options)

    async def enqueue(self, *args: Any, **kwargs: Any):
        """``send`` from async code without blocking the event loop."""
        return await asyncio.to_thread(self.send, *args, **kwargs)


def job(queue_name: str = "default", *, name: str | None = None, **dramatiq_opts: Any):
    """Declare an async job. ``time_limit`` (ms) cancels the coroutine when exceeded; the other
    options (``max_retries``, ``min_backoff``, ``max_age`` ...) go to dramatiq's middleware."""

    def declare(fn: Callable[..., Awaitable[Any]]) -> JobDef:
        if not asyncio.iscoroutinefunction(fn):
            raise TypeError(f"@job needs an async def function, got {fn!r}")
        options = {"max_retries": DEFAULT_MAX_RETRIES, **dramatiq_opts}
        time_limit = int(options.pop("time_limit", DEFAULT_TIME_LIMIT_MS))
        return JobDef(
            fn=fn,
            name=name or f"{fn.__module__}.{fn.__qualname__}",
            queue_name=queue_name,
            options=options,
            time_limit_ms=time_limit,
        )

    return declare


@dataclass(frozen=True, eq=False)
class Schedule:
    """``job`` is queued at every multiple of ``interval`` since the Unix epoch (UTC)."""

    interval: timedelta
    job: JobDef
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.job.name}@{int(self.interval.total_seconds())}s"

    @property
    def seconds(self) -> float:
        return self.interval.total_seconds()


def every(interval: timedelta, job: JobDef, *args: Any, **kwargs: Any) -> Schedule:
    """A periodic schedule, returned from a plugin's ``register_actors`` next to its jobs."""
    if not isinstance(job, JobDef):
        raise TypeError("every() needs a job declared with @core.jobs.job")
    if interval < timedelta(seconds=1):
        raise ValueError("a schedule interval must be at least one second")
    return Schedule(interval=interval, job=job, args=args, kwargs=kwargs)
