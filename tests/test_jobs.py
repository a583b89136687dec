"""Background jobs: the in-process worker, job tracking and its API, storage and the scheduler."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.audit.recorder import AuditContext
from core.jobs import every, job
from core.jobs import service as jobs
from core.jobs.models import Job
from core.plugins.hookspecs import hookimpl
from core.plugins.testing import serve_in_loop
from tenants.scope import Scope

WAIT_SECONDS = 20
SEEN: dict[str, list] = {"loops": [], "ticks": []}


@job(max_retries=0)
async def two_step_job(job_id: int) -> None:
    SEEN["loops"].append(asyncio.get_running_loop())
    await jobs.mark_running(job_id, total=2)
    await jobs.set_progress(job_id, 1)
    await jobs.mark_done(job_id, message="all good")


@job(max_retries=0)
async def failing_job(job_id: int) -> None:
    async with jobs.tracking(job_id):
        await jobs.mark_running(job_id)
        raise ValueError("secret internals")


@job(max_retries=0, time_limit=300)
async def slow_job(job_id: int) -> None:
    async with jobs.tracking(job_id):
        await asyncio.sleep(30)


@job(max_retries=0)
async def ticking_job(label: str) -> None:
    SEEN["ticks"].append(label)


def ctx_of(user: dict) -> AuditContext:
    return AuditContext(company_id=user["company"], user_id=user["id"], user_label="t", ip="")


async def wait_for_status(job_id: int, statuses=("done", "failed")) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        row = await Job.select().where(Job.id == job_id).first()
        if row["status"] in statuses:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {statuses} within {WAIT_SECONDS}s: {row}")


@pytest.fixture
async def jobs_app(bo_db):
    """An app running the in-process worker and scheduler (with Redis too, when configured)."""
    from core.web.app import create_app

    async with serve_in_loop(create_app(run_jobs=True)) as client:
        yield client


@pytest.fixture
def as_user(jobs_app, bo_factory):
    async def client_for(user: dict):
        headers = {"Authorization": f"Bearer {await bo_factory.token(user)}"}

        class Client:
            async def get(self, url, **kw):
                return await jobs_app.get(url, headers=headers, **kw)

        return Client()

    return client_for


async def test_in_process_job_runs_on_the_app_loop(jobs_app, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    job_id = await jobs.create_job(ctx_of(user), "test", {"x": 1}, "Test job requested")
    await two_step_job.enqueue(job_id)
    row = await wait_for_status(job_id)
    assert row["status"] == "done" and row["message"] == "all good"
    assert SEEN["loops"][-1] is asyncio.get_running_loop()  # the loop that owns the DB pool
    out = await jobs.get_job(Scope(user["company"], "", "owner"), job_id)
    assert out.progress == 100 and out.processed == 1 and out.total == 2
    assert out.download_url is None  # done, but no result file

    from core.audit.models import AuditEvent

    assert await AuditEvent.exists().where(AuditEvent.action == "Test job requested")


async def test_failure_and_time_limit_mark_the_job_failed(jobs_app, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    failing = await jobs.create_job(ctx_of(user), "test", {}, "Test job requested")
    slow = await jobs.create_job(ctx_of(user), "test", {}, "Test job requested")
    await failing_job.enqueue(failing)
    await slow_job.enqueue(slow)
    row = await wait_for_status(failing)
    assert row["status"] == "failed" and "ValueError" in row["message"]
    assert "secret internals" not in row["message"]
    row = await wait_for_status(slow)
    assert row["status"] == "failed" and "time limit" in row["message"]
    assert row["finished_at"] is not None


async def test_stop_leaves_no_worker_threads(bo_db):
    from core.jobs import runtime
    from core.settings import get_settings

    before = set(threading.enumerate())
    await runtime.start_in_process(get_settings())
    assert runtime.is_running_in_process()
    await runtime.stop_in_process()
    await asyncio.sleep(0)
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not runtime.is_running_in_process()
    assert leftover == []


async def _two_tenants(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    c1 = await bo_factory.company(r1, "client")
    return owner, r1, r2, c1


async def _finished_job_with_file(user: dict) -> int:
    from core.storage import get_storage

    job_id = await jobs.create_job(ctx_of(user), "test", {}, "Test job requested")
    key = f"exports/{user['company']}/{job_id}/result.csv"
    get_storage().save(key, [b"a,b\n", b"1,2\n"])
    await jobs.mark_done(job_id, key, "result.csv")
    return job_id


async def test_jobs_api_is_limited_to_the_callers_company(as_user, bo_factory):
    owner, r1, r2, c1 = await _two_tenants(bo_factory)
    u1, u2, uc = [await bo_factory.user(c) for c in (r1, r2, c1)]
    job1 = await _finished_job_with_file(u1)
    job_child = await _finished_job_with_file(uc)
    api1, api2 = await as_user(u1), await as_user(u2)

    res = await api1.get(f"/api/v1/jobs/{job1}")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "done" and body["progress"] == 100
    assert body["download_url"] == f"/api/v1/jobs/{job1}/download"
    res = await api1.get(body["download_url"])
    assert res.status_code == 200 and res.content == b"a,b\n1,2\n"
    assert "attachment" in res.headers["content-disposition"]
    assert "result.csv" in res.headers["content-disposition"]

    listed = (await api1.get("/api/v1/jobs")).json()
    assert [j["id"] for j in listed["items"]] == [job1]  # not the child's job
    assert listed["total"] == 1
    for url in (f"/api/v1/jobs/{job1}", f"/api/v1/jobs/{job1}/download"):
        assert (await api2.get(url)).status_code == 404
    for url in (f"/api/v1/jobs/{job_child}", f"/api/v1/jobs/{job_child}/download"):
        assert (await api1.get(url)).status_code == 404
    assert (await api2.get("/api/v1/jobs")).json()["items"] == []


async def test_download_of_an_unfinished_job_is_a_conflict(as_user, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    job_id = await jobs.create_job(ctx_of(user), "test", {}, "Test job requested")
    api = await as_user(user)
    body = (await api.get(f"/api/v1/jobs/{job_id}")).json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert (await api.get(f"/api/v1/jobs/{job_id}/download")).status_code == 409
    res = await api.get("/api/v1/jobs", params={"sort": "password"})
    assert res.status_code == 422
    assert (await api.get("/api/v1/jobs", params={"status": "bogus"})).status_code == 400


def test_storage_rejects_path_traversal(tmp_path):
    from core.storage import InvalidKey, LocalStorage

    storage = LocalStorage(tmp_path / "root")
    for key in ("../x", "a/../../x", "/etc/passwd", "a//b", "", ".hidden", "a/./b", "a\\b"):
        with pytest.raises(InvalidKey):
            storage.save(key, b"x")
    assert storage.save("a/b/c.csv", iter([b"he", b"llo"])) == 5
    assert storage.exists("a/b/c.csv")
    with storage.open("a/b/c.csv") as handle:
        assert handle.read() == b"hello"
    assert storage.delete("a/b/c.csv") is True
    assert storage.delete("a/b/c.csv") is False
    assert not storage.exists("a/b/c.csv")
    assert os.listdir(tmp_path / "root" / "a" / "b") == []  # no temp file left behind


def test_scheduler_fires_on_interval_boundaries_and_respects_the_lock():
    from core.jobs.scheduler import Scheduler

    sent: list = []
    declared = job()(ticking_job.fn)
    declared.send = lambda *a, **k: sent.append((a, k))
    schedule = every(timedelta(seconds=10), declared, "x")
    scheduler = Scheduler([schedule], now=1005.0)
    assert scheduler.tick(1009.9) == []  # a fresh scheduler waits for the next boundary
    assert scheduler.tick(1010.0) == [schedule.name]
    assert scheduler.tick(1015.0) == []
    assert scheduler.tick(1031.0) == [schedule.name]  # missed ticks collapse into one run
    assert sent == [(("x",), {}), (("x",), {})]
    assert 0 < scheduler.seconds_until_next(1031.0) <= 9.1

    taken: set = set()

    def lock(key: str, ttl: int) -> bool:
        if key in taken:
            return False
        taken.add(key)
        return True

    a, b = Scheduler([schedule], lock, now=1005.0), Scheduler([schedule], lock, now=1005.0)
    assert a.tick(1010.0) == [schedule.name] and b.tick(1010.0) == []
    with pytest.raises(ValueError):
        every(timedelta(milliseconds=10), declared)


def test_redis_lock_lets_one_scheduler_take_a_tick():
    url = os.environ.get("BACKOFFICE_TEST_REDIS_URL")
    if not url:
        pytest.skip("BACKOFFICE_TEST_REDIS_URL is not set; the Redis scheduler lock is untested")
    from core.jobs.scheduler import Scheduler, redis_lock
    from core.settings import get_settings

    sent: list = []
    declared = job()(ticking_job.fn)
    declared.send = lambda *a, **k: sent.append(a)
    schedule = every(timedelta(seconds=3600), declared, f"lock-{time.time_ns()}")
    start = time.time() - 3600
    a = Scheduler([schedule], redis_lock(get_settings()), now=start)
    b = Scheduler([schedule], redis_lock(get_settings()), now=start)
    assert len(a.tick() + b.tick()) == 1 and len(sent) == 1


async def test_plugin_schedule_is_enqueued_by_the_embedded_scheduler(bo_db, bo_register_plugin):
    from core.web.app import create_app

    label = f"tick-{time.time_ns()}"

    class Plugin:
        @hookimpl
        def register_actors(self):
            return [ticking_job, every(timedelta(seconds=1), ticking_job, label)]

    bo_register_plugin(Plugin(), name="test-ticking")
    async with serve_in_loop(create_app(run_jobs=True)):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if label in SEEN["ticks"]:
                break
            await asyncio.sleep(0.05)
    assert label in SEEN["ticks"]


async def test_purge_deletes_dead_tokens_and_old_results(bo_factory):
    from core.auth.models import AuthToken
    from core.auth.tokens import hash_token
    from core.jobs.purge import PURGE_ACTION, purge_job
    from core.storage import get_storage

    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    live = await bo_factory.token(user)
    now = datetime.now(UTC)
    await AuthToken.insert(
        AuthToken(user=user["id"], token_hash="a" * 64, expires_at=now - timedelta(minutes=1)),
        AuthToken(
            user=user["id"],
            token_hash="b" * 64,
            expires_at=now + timedelta(hours=1),
            revoked_at=now,
        ),
    )
    old_job = await _finished_job_with_file(user)
    new_job = await _finished_job_with_file(user)
    old_key = (await Job.select(Job.result_path).where(Job.id == old_job).first())["result_path"]
    await Job.update({Job.finished_at: now - timedelta(days=8)}).where(Job.id == old_job)

    assert await purge_job(7) == {"tokens": 2, "jobs": 1, "files": 1}
    hashes = [t["token_hash"] for t in await AuthToken.select(AuthToken.token_hash)]
    assert hashes == [hash_token(live)]
    assert [j["id"] for j in await Job.select(Job.id)] == [new_job]
    assert not get_storage().exists(old_key)
    from core.audit.models import AuditEvent

    assert await AuditEvent.exists().where(AuditEvent.action == PURGE_ACTION)
    assert await purge_job(7) == {"tokens": 0, "jobs": 0, "files": 0}


def test_purge_is_a_scheduled_builtin():
    from core.jobs.broker import declarations
    from core.jobs.purge import purge_job

    jobs_, schedules = declarations()
    names = {j.name for j in jobs_}
    assert {"core.audit.export.export_audit", purge_job.name} <= names
    assert any(s.job is purge_job and s.interval == timedelta(hours=1) for s in schedules)


async def test_unfinished_jobs_are_failed_after_an_embedded_restart(bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    queued = await jobs.create_job(ctx_of(user), "test", {}, "Test job requested")
    done = await _finished_job_with_file(user)
    assert await jobs.fail_interrupted() == 1
    rows = {r["id"]: r for r in await Job.select(Job.id, Job.status, Job.message)}
    assert rows[queued]["status"] == "failed" and "restarted" in rows[queued]["message"]
    assert rows[done]["status"] == "done"
