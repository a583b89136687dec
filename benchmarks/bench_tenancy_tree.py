"""All descendants of a reseller: one materialised-path query vs a naive level-by-level walk.

Run: .venv/bin/python benchmarks/bench_tenancy_tree.py  (uses a throw-away SQLite file, or
BACKOFFICE_DATABASE_URL if set to a PostgreSQL database you do not mind being filled).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

FANOUT = (8, 8, 8, 8)  # 8 + 64 + 512 + 4096 companies below the root


async def build_tree() -> dict:
    from core.accounts.bootstrap import ensure_system_owner
    from core.db.migrate import migrate
    from tenants.models import Company

    await migrate()
    root = await ensure_system_owner()
    level = [root]
    for fanout in FANOUT:
        nxt = []
        for parent in level:
            for i in range(fanout):
                c = Company(
                    name=f"{parent['id']}-{i}",
                    kind="reseller",
                    parent=parent["id"],
                    depth=parent["depth"] + 1,
                )
                await c.save()
                path = f"{parent['path']}{c.id}/"
                await Company.update({Company.path: path}).where(Company.id == c.id)
                nxt.append({"id": c.id, "path": path, "depth": parent["depth"] + 1})
        level = nxt
    return root


async def naive_descendants(company_id: int) -> list[int]:
    from tenants.models import Company

    found, frontier = [], [company_id]
    while frontier:
        rows = await Company.select(Company.id).where(Company.parent.is_in(frontier))
        frontier = [r["id"] for r in rows]
        found.extend(frontier)
    return found


async def timed(fn, *args, repeat: int = 20) -> tuple[float, list]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await fn(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


async def main() -> None:
    from tenants.scope import descendant_ids

    root = await build_tree()
    naive, a = await timed(naive_descendants, root["id"])
    path, b = await timed(descendant_ids, root["path"])
    assert sorted(a) == sorted(b), "both methods must find the same companies"
    print(f"companies below root: {len(b)}")
    print(f"naive level walk : {naive * 1000:8.2f} ms (median of 20)")
    print(f"materialised path: {path * 1000:8.2f} ms (median of 20)")
    print(f"ratio naive/path : {naive / path:8.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
