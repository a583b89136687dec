"""``agreement.version_started``: the instant an agreement version's terms come into force.

A version recorded with a start in the past or now is announced in the transaction that
records it (after its COMMIT, like every event). A version recorded for later is announced
by a job every minute once its start has passed: versions not yet announced are held by a
partial index (``start_announced_at IS NULL``), so the scan reads only those. Each version is
announced once: ``start_announced_at`` is set in the same transaction as the ``emit``, and on
PostgreSQL rows another scan holds are skipped, so two schedulers never announce one twice.
A version deleted before its start is never announced; one moved later before its start is
announced at its new start.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from core.db.engine import is_postgres, transaction
from core.events.catalogue import AgreementVersionStarted
from core.events.delivery import emit
from core.jobs import every, job

log = logging.getLogger("backoffice.events")

BATCH = 500
COLUMNS = (
    "v.id, v.agreement, v.effective_from, v.effective_till, a.code, a.company, c.path, "
    "NOT EXISTS (SELECT 1 FROM agreement_versions o WHERE o.agreement = v.agreement "
    "AND (o.effective_from < v.effective_from "
    "OR (o.effective_from = v.effective_from AND o.id < v.id))) AS first_version"
)
FROM = (
    "FROM agreement_versions v JOIN agreements a ON a.id = v.agreement "
    "JOIN companies c ON c.id = a.company"
)


def _query(sql: str, *values):
    from piccolo.querystring import QueryString

    return QueryString(sql, *values)


async def announce_starts(
    actor_user_id: int | None = None,
    *,
    version_ids: Sequence[int] | None = None,
    now: datetime | None = None,
    limit: int = BATCH,
) -> int:
    """Announce the versions (all waiting ones, or those of ``version_ids``) whose start has
    passed and that were not announced yet; answers how many. Joins the caller's
    transaction when there is one."""
    from core.accounts.agreements.models import AgreementVersion
    from core.db.engine import engine

    now = now or datetime.now(UTC)
    db = engine()
    async with transaction():
        where = "v.start_announced_at IS NULL AND v.effective_from <= {}"
        values: list = [now]
        if version_ids is not None:
            if not version_ids:
                return 0
            where += " AND v.id IN (" + ", ".join("{}" for _ in version_ids) + ")"
            values += list(version_ids)
        lock = " FOR UPDATE OF v SKIP LOCKED" if is_postgres() else ""
        rows = await db.run_querystring(
            _query(
                f"SELECT {COLUMNS} {FROM} WHERE {where} "
                f"ORDER BY v.effective_from, v.id LIMIT {int(limit)}{lock}",
                *values,
            )
        )
        if not rows:
            return 0
        await AgreementVersion.update({AgreementVersion.start_announced_at: now}).where(
            AgreementVersion.id.is_in([row["id"] for row in rows])
        )
        for row in rows:
            await emit(
                AgreementVersionStarted(
                    company_id=row["company"],
                    company_path=row["path"],
                    actor_user_id=actor_user_id,
                    agreement_id=row["agreement"],
                    agreement_code=row["code"],
                    version_id=row["id"],
                    effective_from=_instant(row["effective_from"]),
                    effective_till=_instant(row["effective_till"]),
                    first_version=bool(row["first_version"]),
                )
            )
    return len(rows)


def _instant(value) -> datetime | None:
    """A raw SQLite read gives the stored text; PostgreSQL gives a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@job(queue_name="default", max_retries=0)
async def announce_started_versions() -> None:
    total = 0
    while count := await announce_starts():
        total += count
        if count < BATCH:
            break
    if total:
        log.info("%d agreement versions came into force and were announced", total)


JOBS = [announce_started_versions]
SCHEDULES = [every(timedelta(minutes=1), announce_started_versions)]
