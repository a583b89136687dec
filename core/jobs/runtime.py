"""Where job coroutines run: one "home" event loop per process.

dramatiq runs actors in worker threads, but our code is async and a PostgreSQL pool belongs to
the loop that opened it. So every job coroutine is handed to the home loop: the web app's own
loop in embedded mode (``start_in_process``), a dedicated loop thread in ``backoffice worker``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from typing import Any

from dramatiq import Broker, Worker
from dramatiq.brokers.stub import StubBroker

from core.jobs.broker import declare_all, get_broker
from core.jobs.service import fail_interrupted
from core.settings import Settings

log = logging.getLogger("backoffice.jobs")

IN_PROCESS_WORKER_TIMEOUT_MS = 100  # how long idle threads wait: bounds the time to stop
STOP_TIMEOUT_MS = 30_000

_home: dict[str, asyncio.AbstractEventLoop | None] = {"loop": None}
_embedded: dict[str, Any] = {"users": 0, "worker": None, "scheduler": None, "seen": set()}


class JobTimeLimitExceeded(Exception):
    """The job ran longer than its ``time_limit``; its coroutine was cancelled."""


class NoHomeLoop(RuntimeError):
    """A job was received in a process that has no loop to run it on."""


def set_home_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    _home["loop"] = loop


def run_on_home_loop(coro: Coroutine, timeout_seconds: float | None) -> Any:
    loop = _home["loop"]
    if loop is None or loop.is_closed():
        coro.close()
        raise NoHomeLoop("no event loop runs jobs in this process (start_in_process / worker)")
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout_seconds)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise JobTimeLimitExceeded(f"job exceeded its time limit of {timeout_seconds}s") from None
    except BaseException:
        future.cancel()
        raise


def start_worker(broker: Broker, threads: int, worker_timeout: int = 1000) -> Worker:
    worker = Worker(broker, worker_threads=threads, worker_timeout=worker_timeout)
    worker.start()
    return worker


def stop_worker(worker: Worker, timeout_ms: int = STOP_TIMEOUT_MS) -> None:
    """Stop and detach: dramatiq leaves the worker's middleware on the broker, which would
    start consumers for a dead worker whenever a queue is declared later."""
    try:
        worker.stop(timeout=timeout_ms)
    finally:
        worker.broker.middleware = [
            m for m in worker.broker.middleware if getattr(m, "worker", None) is not worker
        ]


async def start_in_process(settings: Settings) -> None:
    """Embedded mode: a worker consuming this process's broker, jobs on the running loop, and
    the scheduler as a task. Works with the stub broker and with Redis (tests use both)."""
    from core.jobs.scheduler import run_embedded_scheduler

    if _embedded["users"]:
        _embedded["users"] += 1
        return
    loop = asyncio.get_running_loop()
    set_home_loop(loop)
    broker = get_broker(settings)
    if isinstance(broker, StubBroker) and id(broker) not in _embedded["seen"]:
        # A fresh in-memory broker means this process just started: older messages are gone.
        _embedded["seen"].add(id(broker))
        if failed := await fail_interrupted():
            log.warning("%d unfinished jobs from before the restart marked failed", failed)
    schedules = declare_all(broker)
    _embedded["worker"] = start_worker(
        broker, settings.worker_threads, worker_timeout=IN_PROCESS_WORKER_TIMEOUT_MS
    )
    _embedded["scheduler"] = loop.create_task(
        run_embedded_scheduler(schedules, settings), name="backoffice-scheduler"
    )
    _embedded["users"] = 1
    log.info(
        "in-process jobs started (%s, %d threads)", type(broker).__name__, settings.worker_threads
    )


async def stop_in_process() -> None:
    if _embedded["users"] == 0:
        return
    _embedded["users"] -= 1
    if _embedded["users"]:
        return
    task, worker = _embedded["scheduler"], _embedded["worker"]
    _embedded["scheduler"] = _embedded["worker"] = None
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    if worker is not None:
        # In a thread: running jobs still need this loop to finish their coroutines.
        await asyncio.to_thread(stop_worker, worker)
    set_home_loop(None)
    log.info("in-process jobs stopped")


def is_running_in_process() -> bool:
    return _embedded["users"] > 0
