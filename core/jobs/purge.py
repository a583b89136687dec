"""Hourly housekeeping: drop dead auth tokens and the results of old finished jobs.

Expired or revoked tokens can never authenticate again, so keeping them only grows the table
that every request looks up. Finished jobs older than the retention period are removed with
their files, so exports with personal data do not linger on disk.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from core.audit.recorder import AuditContext, record_event
from core.auth.models import AuthToken
from core.db.engine import transaction
from core.jobs.declarations import every, job
from core.jobs.models import Job
from core.storage import InvalidKey, get_storage
from tenants.models import Company

log = logging.getLogger("backoffice.jobs.purge")

JOB_RETENTION_DAYS = 7
PURGE_INTERVAL = timedelta(hours=1)
PURGE_ACTION = "Expired tokens and old job results purged"


async def purge_expired(retention_days: int = JOB_RETENTION_DAYS) -> dict[str, int]:
    now = datetime.now(UTC)
    dead_token = (AuthToken.expires_at < now) | AuthToken.revoked_at.is_not_null()
    old_job = Job.status.is_in(["done", "failed"]) & (
        Job.finished_at < now - timedelta(days=retention_days)
    )
    async with transaction():
        tokens = await AuthToken.count().where(dead_token)
        if tokens:
            await AuthToken.delete().where(dead_token)
        jobs = await Job.select(Job.id, Job.result_path).where(old_job)
        if jobs:
            await Job.delete().where(Job.id.is_in([j["id"] for j in jobs]))
        owner = await Company.select(Company.id).where(Company.kind == "owner").first()
        if (tokens or jobs) and owner:
            system = AuditContext(company_id=owner["id"], user_id=None, user_label="system", ip="")
            await record_event(system, PURGE_ACTION, [])
    files = await asyncio.to_thread(_delete_files, [j["result_path"] for j in jobs])
    result = {"tokens": tokens, "jobs": len(jobs), "files": files}
    log.info("purged %s", result)
    return result


def _delete_files(keys: list[str]) -> int:
    storage = get_storage()
    deleted = 0
    for key in filter(None, keys):
        try:
            deleted += storage.delete(key)
        except InvalidKey:
            log.warning("skipping a job result with an invalid storage key: %r", key)
    return deleted


@job(queue_name="default", max_retries=0)
async def purge_job(retention_days: int = JOB_RETENTION_DAYS) -> dict[str, int]:
    return await purge_expired(retention_days)


JOBS = [purge_job]
SCHEDULES = [every(PURGE_INTERVAL, purge_job)]
