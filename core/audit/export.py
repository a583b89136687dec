"""Audit log as CSV: one event's changes on demand, and the whole filtered log as a job.

A large log is exported by a background job in id-ordered batches written to a temporary file,
so memory stays flat whatever the size, and the person watches progress instead of a timeout.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from core.audit.models import AuditEvent
from core.audit.recorder import AuditContext
from core.audit.service import (
    EVENT_COLUMNS,
    AuditChangeOut,
    AuditEventDetail,
    AuditEventOut,
    AuditFilters,
    changes_of,
    event_out,
    scoped_clauses,
)
from core.auth.principal import Principal
from core.errors import DomainError, NotFound
from core.jobs import job
from core.jobs.schemas import JobOut
from core.jobs.service import (
    create_job,
    get_job,
    load_job,
    mark_done,
    mark_failed,
    mark_running,
    set_progress,
    tracking,
)
from core.settings import get_settings
from core.storage import get_storage, iter_file
from tenants.models import Company
from tenants.scope import Scope

log = logging.getLogger("backoffice.audit.export")

EXPORT_KIND = "audit_export"
BATCH_SIZE = 500
CHANGE_HEADER = ["table", "operation", "object_id", "old_values", "new_values", "company_id"]
EXPORT_HEADER = ["event_id", "created_at", "user", "ip", "action", "event_company_id"]
EXPORT_HEADER += CHANGE_HEADER


class JobQueueUnavailable(DomainError):
    status_code = 503
    title = "Service unavailable"


def _cell(value) -> str | int:
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _values(values: dict) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


def _change_cells(change: AuditChangeOut) -> list:
    return [
        _cell(change.table),
        _cell(change.operation),
        change.object_id,
        _values(change.old_values),
        _values(change.new_values),
        _cell(change.company_id),
    ]


def export_rows(event: AuditEventOut, changes: list[AuditChangeOut]) -> Iterable[list]:
    """One row per change (an event without changes still gets one row)."""
    head = [
        event.id,
        event.created_at.isoformat(),
        _cell(event.user),
        _cell(event.ip),
        _cell(event.action),
        event.company_id,
    ]
    if not changes:
        yield head + [""] * len(CHANGE_HEADER)
    for change in changes:
        yield head + _change_cells(change)


def render_event_csv(detail: AuditEventDetail) -> str:
    """The "Download CSV" of one event: its changes, as the detail table shows them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CHANGE_HEADER)
    writer.writerows(_change_cells(c) for c in detail.changes)
    return out.getvalue()


def event_csv_name(event_id: int) -> str:
    return f"audit-event-{event_id}.csv"


async def start_export(ctx: AuditContext, principal: Principal, filters: AuditFilters) -> JobOut:
    """Create the export job (audited) and queue it; the caller polls the job for progress."""
    job_id = await create_job(
        ctx, EXPORT_KIND, {"filters": filters.to_params()}, "Audit log export requested"
    )
    try:
        await export_audit.enqueue(job_id)
    except Exception as exc:
        log.exception("could not queue audit export %s", job_id)
        await mark_failed(job_id, "the job queue is unavailable; try again later")
        raise JobQueueUnavailable("the job queue is unavailable; try again later") from exc
    return await get_job(principal.scope, job_id)


async def _scope_of(company_id: int) -> Scope | None:
    company = await Company.select().where(Company.id == company_id).first()
    return Scope.of(company) if company else None


def _csv_text(rows: Iterable[list]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _append(path: Path, text: str) -> None:
    with path.open("a", newline="", encoding="utf-8") as handle:
        handle.write(text)


def _store(tmp: Path, key: str) -> None:
    try:
        get_storage().save(key, iter_file(tmp.open("rb")))
    finally:
        tmp.unlink(missing_ok=True)


async def _write_batches(path: Path, job_id: int, clauses: list, total: int) -> int:
    await asyncio.to_thread(_append, path, _csv_text([EXPORT_HEADER]))
    processed = 0
    last_id = None
    while True:
        query = AuditEvent.select(*EVENT_COLUMNS).where(*clauses)
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        rows = await query.order_by(AuditEvent.id, ascending=False).limit(BATCH_SIZE)
        if not rows:
            return processed
        events = [event_out(r) for r in rows]
        changes = await changes_of([e.id for e in events])
        text = _csv_text(row for e in events for row in export_rows(e, changes[e.id]))
        await asyncio.to_thread(_append, path, text)
        processed += len(events)
        last_id = events[-1].id
        await set_progress(job_id, processed, max(total, processed))


def _temp_file() -> Path:
    tmp_dir = Path(get_settings().data_dir) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="audit-", suffix=".csv")
    os.close(fd)
    return Path(name)


async def run_export(job_id: int) -> None:
    try:
        row = await load_job(job_id)
    except NotFound:
        log.warning("audit export %s: job row is gone, nothing to do", job_id)
        return
    async with tracking(job_id):
        scope = await _scope_of(row["company"])
        if scope is None:
            raise NotFound("the company of this export no longer exists")
        filters = AuditFilters.from_query(row["params"].get("filters", {}))
        clauses = await scoped_clauses(scope, filters)
        total = await AuditEvent.count().where(*clauses)
        await mark_running(job_id, total, "exporting")
        tmp = await asyncio.to_thread(_temp_file)
        try:
            processed = await _write_batches(tmp, job_id, clauses, total)
        except BaseException:
            await asyncio.to_thread(tmp.unlink, missing_ok=True)
            raise
        name = f"audit-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
        key = f"exports/{row['company']}/{job_id}/{name}"
        await asyncio.to_thread(_store, tmp, key)
        await mark_done(job_id, key, name, f"{processed} events exported")


@job(queue_name="exports", max_retries=0, time_limit=60 * 60 * 1000)
async def export_audit(job_id: int) -> None:
    await run_export(job_id)


JOBS = [export_audit]
