"""Jobs a person waits for: created by a request, advanced by a worker, read by UI and API.

A job and its result file belong to the company of the person who asked for it, and only that
company sees them (not its parent): a result such as an audit export contains everything the
requesting company may see, including its own children's data, which its parent may not see.
The request that creates a job is audited; the worker's bookkeeping (progress, status) is the
job's own state, not a change made by a person, so it is not.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.audit.recorder import AuditContext, Change, record_event, snapshot
from core.db.engine import transaction
from core.errors import Conflict, DomainError, NotFound
from core.jobs.models import Job
from core.jobs.schemas import JobOut
from core.storage import get_storage
from core.web.listing import Cursors, ListQuery, fetch_page
from tenants.scope import Scope

API_PATH = "/api/v1/jobs"
SORTABLE = {
    "id": Job.id,
    "created_at": Job.created_at,
    "finished_at": Job.finished_at,
    "kind": Job.kind,
    "status": Job.status,
}
OUT_COLUMNS = [
    Job.id,
    Job.kind,
    Job.status,
    Job.progress,
    Job.total,
    Job.message,
    Job.result_path,
    Job.result_name,
    Job.user,
    Job.created_at,
    Job.started_at,
    Job.finished_at,
]


def own_jobs(scope: Scope):
    return Job.company == scope.company_id


def percent(status: str, processed: int, total: int) -> int:
    if status == "done":
        return 100
    if total <= 0:
        return 0
    return max(0, min(99, processed * 100 // total))


def to_out(row: dict) -> JobOut:
    done = row["status"] == "done" and bool(row["result_path"])
    return JobOut(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        progress=percent(row["status"], row["progress"], row["total"]),
        processed=row["progress"],
        total=row["total"],
        message=row["message"],
        result_name=row["result_name"],
        download_url=f"{API_PATH}/{row['id']}/download" if done else None,
        user_id=row["user"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


async def create_job(ctx: AuditContext, kind: str, params: dict[str, Any], action: str) -> int:
    """Insert a queued job owned by the caller's company and audit the request as ``action``."""
    async with transaction():
        job = Job(
            company=ctx.company_id,
            user=ctx.user_id,
            kind=kind,
            status="queued",
            params=json.dumps(params, sort_keys=True, default=str),
        )
        await job.save()
        row = await Job.select(Job.id, Job.kind, Job.status, Job.params).where(Job.id == job.id)
        await record_event(
            ctx,
            action,
            [Change("jobs", "insert", job.id, {}, snapshot(Job, row[0]), ctx.company_id)],
        )
    return job.id


async def get_job(scope: Scope, job_id: int) -> JobOut:
    row = await Job.select(*OUT_COLUMNS).where(Job.id == job_id, own_jobs(scope)).first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return to_out(row)


async def list_jobs(
    scope: Scope, query: ListQuery, kind: str | None = None, status: str | None = None
) -> tuple[list[JobOut], int, Cursors]:
    where = [own_jobs(scope)]
    if kind:
        where.append(Job.kind == kind)
    if status:
        where.append(Job.status == status)
    rows, total, cursors = await fetch_page(Job, OUT_COLUMNS, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors


async def open_result(scope: Scope, job_id: int) -> tuple[str, Path | bytes]:
    """The result file of a finished job: a local path when storage has one, else its bytes."""
    row = (
        await Job.select(Job.status, Job.result_path, Job.result_name)
        .where(Job.id == job_id, own_jobs(scope))
        .first()
    )
    if row is None:
        raise NotFound(f"job {job_id} not found")
    if row["status"] != "done" or not row["result_path"]:
        raise Conflict(f"job {job_id} has no result to download (status: {row['status']})")
    storage = get_storage()
    if not storage.exists(row["result_path"]):
        raise NotFound(f"the result of job {job_id} is no longer available")
    path = storage.local_path(row["result_path"])
    if path is not None:
        return row["result_name"], path
    with storage.open(row["result_path"]) as handle:
        return row["result_name"], handle.read()


async def load_job(job_id: int) -> dict:
    """The full row for the worker (no scope: the worker acts for the job's own company)."""
    row = await Job.select().where(Job.id == job_id).first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    row["params"] = json.loads(row["params"]) if isinstance(row["params"], str) else row["params"]
    return row


def _now() -> datetime:
    return datetime.now(UTC)


async def _update(job_id: int, values: dict) -> None:
    async with transaction():
        await Job.update({getattr(Job, k): v for k, v in values.items()}).where(Job.id == job_id)


async def mark_running(job_id: int, total: int = 0, message: str = "") -> None:
    await _update(
        job_id,
        {
            "status": "running",
            "started_at": _now(),
            "total": total,
            "progress": 0,
            "message": message,
        },
    )


async def set_progress(job_id: int, processed: int, total: int | None = None, message: str = ""):
    values: dict[str, Any] = {"progress": processed, "message": message}
    if total is not None:
        values["total"] = total
    await _update(job_id, values)


async def mark_done(job_id: int, result_path: str = "", result_name: str = "", message=""):
    await _update(
        job_id,
        {
            "status": "done",
            "finished_at": _now(),
            "result_path": result_path,
            "result_name": result_name,
            "message": message,
        },
    )


async def mark_failed(job_id: int, message: str) -> None:
    await _update(job_id, {"status": "failed", "finished_at": _now(), "message": message[:2000]})


async def fail_interrupted() -> int:
    """Embedded mode keeps queued messages in memory: after a restart, jobs still queued or
    running will never be picked up, so they are failed instead of waiting forever."""
    unfinished = Job.status.is_in(["queued", "running"])
    async with transaction():
        count = await Job.count().where(unfinished)
        if count:
            await Job.update(
                {
                    Job.status: "failed",
                    Job.finished_at: _now(),
                    Job.message: "interrupted: the server restarted before the job finished",
                }
            ).where(unfinished)
    return count


@asynccontextmanager
async def tracking(job_id: int):
    """Runs a job body: a failure marks the job failed (with a safe message) and re-raises."""
    try:
        yield
    except DomainError as exc:
        await mark_failed(job_id, exc.detail)
        raise
    except asyncio.CancelledError:
        await mark_failed(job_id, "the job was stopped (time limit exceeded or shutdown)")
        raise
    except BaseException as exc:
        await mark_failed(job_id, f"unexpected error ({type(exc).__name__}); see the worker log")
        raise
