"""Periodic jobs: each schedule fires at every multiple of its interval since the epoch.

Ticks are aligned on wall-clock time, so every scheduler computes the same tick number; with
Redis a ``SET NX EX`` per tick lets only one of them enqueue it, which makes running two
schedulers (a rolling deploy, a mistake) harmless. A scheduler that starts mid-interval waits
for the next boundary instead of firing at once, so restarts never cause extra runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import threading
import time
from collections.abc import Callable

from core.jobs.declarations import Schedule
from core.settings import Settings, get_settings

log = logging.getLogger("backoffice.scheduler")

MAX_SLEEP_SECONDS = 30.0  # re-check at least this often (clock changes, shutdown)

Lock = Callable[[str, int], bool]


def tick_of(schedule: Schedule, now: float) -> int:
    return math.floor(now / schedule.seconds)


def redis_lock(settings: Settings) -> Lock:
    """``lock(key, ttl)`` is True for exactly one caller per key while the key lives."""
    import redis

    client = redis.Redis.from_url(settings.redis_url)
    prefix = f"{settings.redis_namespace}:scheduler:"

    def lock(key: str, ttl: int) -> bool:
        return bool(client.set(prefix + key, b"1", nx=True, ex=ttl))

    return lock


class Scheduler:
    def __init__(
        self, schedules: list[Schedule], lock: Lock | None = None, now: float | None = None
    ) -> None:
        self.schedules = list(schedules)
        self.lock = lock
        start = time.time() if now is None else now
        self.last = {s.name: tick_of(s, start) for s in self.schedules}

    def due(self, now: float) -> list[tuple[Schedule, int]]:
        return [(s, tick_of(s, now)) for s in self.schedules if tick_of(s, now) > self.last[s.name]]

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue what is due; the names of the schedules this scheduler enqueued."""
        now = time.time() if now is None else now
        sent = []
        for schedule, tick in self.due(now):
            self.last[schedule.name] = tick
            ttl = int(schedule.seconds) + 60
            if self.lock is not None and not self.lock(f"{schedule.name}:{tick}", ttl):
                continue  # another scheduler took this tick
            schedule.job.send(*schedule.args, **schedule.kwargs)
            sent.append(schedule.name)
            log.info("scheduled %s (tick %d)", schedule.name, tick)
        return sent

    def seconds_until_next(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        if not self.schedules:
            return MAX_SLEEP_SECONDS
        nxt = min((self.last[s.name] + 1) * s.seconds for s in self.schedules)
        return max(0.05, min(MAX_SLEEP_SECONDS, nxt - now + 0.01))


async def run_embedded_scheduler(schedules: list[Schedule], settings: Settings) -> None:
    """The scheduler as a task of the web app's loop (embedded mode)."""
    scheduler = Scheduler(schedules, redis_lock(settings) if settings.uses_redis else None)
    while True:
        await asyncio.sleep(scheduler.seconds_until_next())
        try:
            await asyncio.to_thread(scheduler.tick)
        except Exception:
            log.exception("scheduler tick failed; retrying at the next boundary")


def run_scheduler_forever(stop: threading.Event | None = None) -> None:
    """``backoffice scheduler``: enqueue on Redis until SIGINT/SIGTERM (or ``stop`` is set)."""
    from core.jobs.broker import declare_all, get_broker

    settings = get_settings()
    if not settings.uses_redis:
        raise RuntimeError("the standalone scheduler needs BACKOFFICE_REDIS_URL")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    schedules = declare_all(get_broker(settings))
    scheduler = Scheduler(schedules, redis_lock(settings))
    log.info("scheduler started: %s", ", ".join(s.name for s in schedules) or "no schedules")
    while not stop.wait(scheduler.seconds_until_next()):
        try:
            scheduler.tick()
        except Exception:
            log.exception("scheduler tick failed; retrying at the next boundary")
    log.info("scheduler stopped")
