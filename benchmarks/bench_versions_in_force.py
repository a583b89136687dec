"""The agreement version in force at t for a page of agreements: one query vs one per agreement.

Lists, the company profile and (later) rating ask "which terms apply now" for many agreements
at once. ``versions_in_force`` answers with one indexed query; the naive baseline loads each
agreement's versions and picks the one containing t in Python.

Run: .venv/bin/python benchmarks/bench_versions_in_force.py  (a throw-away SQLite file, or
BACKOFFICE_DATABASE_URL if set to a PostgreSQL database you do not mind being filled).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

AGREEMENTS = 2000
VERSIONS = 6  # consecutive half-year versions each
PAGE = 100  # agreements asked about at once, like one list page
START = datetime(2024, 1, 1, tzinfo=UTC)


async def build() -> list[int]:
    from core.accounts.agreements.models import Agreement, AgreementVersion
    from core.accounts.bootstrap import ensure_system_owner
    from core.accounts.legal_entities.models import LegalEntity
    from core.db.migrate import migrate
    from tenants.models import Company

    await migrate()
    owner = await ensure_system_owner()
    client = Company(name="Bench client", kind="client", parent=owner["id"], depth=1)
    await client.save()
    entity = LegalEntity(company=client.id, name="Bench LE", legal_name="Bench LE")
    await entity.save()
    own = LegalEntity(company=owner["id"], name="Own LE", legal_name="Own LE")
    await own.save()
    rows = [
        Agreement(
            company=client.id,
            legal_entity=entity.id,
            own_legal_entity=own.id,
            code=f"B-{i}",
            agreement_date=date(2024, 1, 1),
            currency="EUR",
        )
        for i in range(AGREEMENTS)
    ]
    inserted = await Agreement.insert(*rows)
    ids = [r["id"] for r in inserted]
    versions = []
    for agreement_id in ids:
        for n in range(VERSIONS):
            start = START + timedelta(days=182 * n)
            till = None if n == VERSIONS - 1 else START + timedelta(days=182 * (n + 1))
            versions.append(
                AgreementVersion(
                    agreement=agreement_id,
                    effective_from=start,
                    effective_till=till,
                    credit_limit=n * 1_000_000,
                )
            )
    for chunk in range(0, len(versions), 500):
        await AgreementVersion.insert(*versions[chunk : chunk + 500])
    return ids


async def naive(ids: list[int], at: datetime) -> dict[int, int | None]:
    from core.accounts.agreements.models import AgreementVersion
    from core.accounts.agreements.versions import utc

    found = {}
    for agreement_id in ids:
        rows = await AgreementVersion.select().where(AgreementVersion.agreement == agreement_id)
        for row in rows:
            start, till = utc(row["effective_from"]), utc(row["effective_till"])
            if start <= at and (till is None or at < till):
                found[agreement_id] = row["credit_limit"]
    return found


async def one_query(ids: list[int], at: datetime) -> dict[int, int | None]:
    from core.accounts.agreements.versions import versions_in_force

    return {k: v["credit_limit"] for k, v in (await versions_in_force(ids, at)).items()}


async def timed(fn, *args, repeat: int = 20) -> tuple[float, dict]:
    samples, result = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = await fn(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


async def main() -> None:
    ids = await build()
    page = ids[len(ids) // 2 : len(ids) // 2 + PAGE]
    at = START + timedelta(days=400)  # inside the third version
    slow, a = await timed(naive, page, at)
    fast, b = await timed(one_query, page, at)
    assert a == b and len(b) == PAGE, "both methods must find the same versions"
    print(f"agreements: {AGREEMENTS} x {VERSIONS} versions; asked about: {PAGE}")
    print(f"naive, one query per agreement: {slow * 1000:8.2f} ms (median of 20)")
    print(f"versions_in_force, one query  : {fast * 1000:8.2f} ms (median of 20)")
    print(f"ratio naive/one query         : {slow / fast:8.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
