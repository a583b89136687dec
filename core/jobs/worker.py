"""``backoffice worker``: consume jobs from Redis, running their coroutines on one loop thread.

The loop thread owns the database pool (a PostgreSQL pool belongs to one loop), and dramatiq's
worker threads hand every job coroutine to it. SIGINT/SIGTERM stop it gracefully: running jobs
finish (up to the stop timeout), unstarted prefetched messages go back to Redis.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from core.db.engine import close_pool, start_pool
from core.jobs import runtime
from core.jobs.broker import declare_all, get_broker
from core.settings import get_settings

log = logging.getLogger("backoffice.worker")


def _on_loop(loop: asyncio.AbstractEventLoop, coro, timeout: float = 60):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


def run_worker(threads: int, stop: threading.Event | None = None) -> None:
    settings = get_settings()
    if not settings.uses_redis:
        raise RuntimeError("`backoffice worker` needs BACKOFFICE_REDIS_URL")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, name="backoffice-jobs-loop")
    loop_thread.start()
    worker = None
    try:
        _on_loop(loop, start_pool())
        runtime.set_home_loop(loop)
        broker = get_broker(settings)
        declare_all(broker)
        worker = runtime.start_worker(broker, threads)
        log.info(
            "worker started: %d threads, queues %s, namespace %s",
            threads,
            ", ".join(sorted(broker.get_declared_queues())),
            settings.redis_namespace,
        )
        while not stop.wait(1.0):
            pass
        log.info("stopping worker")
    finally:
        if worker is not None:
            runtime.stop_worker(worker)
        runtime.set_home_loop(None)
        try:
            _on_loop(loop, close_pool(), timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            loop_thread.join(10)
            loop.close()
        log.info("worker stopped")
