"""With Redis: a real ``backoffice worker`` process runs an export queued by a web app."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from core.audit.recorder import AuditContext, record_event

WAIT_SECONDS = 60

pytestmark = pytest.mark.skipif(
    not os.environ.get("BACKOFFICE_TEST_REDIS_URL"),
    reason="BACKOFFICE_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15); "
    "the Redis worker process is untested",
)


@pytest.fixture
def worker_process(bo_db, tmp_path):
    """``backoffice worker`` as a subprocess sharing the test's database, Redis and data dir."""
    log_path = tmp_path / "worker.log"
    env = dict(os.environ)  # BACKOFFICE_DATABASE_URL/REDIS_URL/REDIS_NAMESPACE/DATA_DIR
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from core.cli import main; main()", "worker", "--threads", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc, log_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


async def test_worker_process_runs_an_export_queued_by_the_web_app(worker_process, bo_factory):
    from core.plugins.testing import serve_in_loop
    from core.web.app import create_app

    app = create_app()  # as in production: with Redis the web app queues, the worker runs
    async with serve_in_loop(app) as client:
        await _export_through_the_worker(worker_process, bo_factory, client)


async def _export_through_the_worker(worker_process, bo_factory, client):
    from core.jobs.runtime import is_running_in_process
    from core.plugins.testing import AuthedClient

    proc, log_path = worker_process
    assert not is_running_in_process()
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await bo_factory.user(reseller)
    ctx = AuditContext(company_id=reseller["id"], user_id=None, user_label="x@r.test", ip="")
    event_id = await record_event(ctx, "Redis export probe", [])
    api = AuthedClient(client, await bo_factory.token(user))
    res = await api.post("/api/v1/audit/exports", json={"action": "Redis export probe"})
    assert res.status_code == 202, res.text
    job_id = res.json()["id"]

    deadline = time.monotonic() + WAIT_SECONDS
    body = {}
    while time.monotonic() < deadline and proc.poll() is None:
        body = (await api.get(f"/api/v1/jobs/{job_id}")).json()
        if body["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    log = log_path.read_text(errors="replace")
    assert body.get("status") == "done", f"job: {body}\nworker exit: {proc.poll()}\n{log}"
    text = (await api.get(body["download_url"])).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(int(r["event_id"]), r["action"]) for r in rows] == [(event_id, "Redis export probe")]

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, log_path.read_text(errors="replace")
    assert "worker stopped" in log_path.read_text(errors="replace")


def test_standalone_scheduler_starts_and_stops_on_request():
    import threading

    from core.jobs.scheduler import run_scheduler_forever

    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler_forever, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()  # it waits for the next boundary of the hourly purge
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
