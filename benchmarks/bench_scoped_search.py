"""Broad texts on SQLite's scoped lists (issue 9): the reads before (``ed179d3``: the prefix
probed through the scope's plain ``OR``, the bounded count as ``id IN (bounded ids)`` in one
query) against now (probe and count by arm, the check in the count's select list), in CPU ms
per call of the list's service (page and capped total), median of REPEAT, interleaved in one
process on one seeded file; it asserts both give the same items, total and cursors.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_scoped_search.py; BENCH_DB=/some/file.db
keeps the seeded file for the next run (COMPANIES=10000 clients and portals, EVENTS=100000 audit
events, a third of each the reseller's own)."""

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

DB = os.environ.get("BENCH_DB") or f"{tempfile.mkdtemp()}/arms.db"
os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("BACKOFFICE_SECRET_KEY", "x" * 40)
COMPANIES = int(os.environ.get("COMPANIES", "10000"))
EVENTS = int(os.environ.get("EVENTS", "100000"))
REPEAT = int(os.environ.get("REPEAT", "7"))


class Old:
    """core.db.disjoint as broad_search used it before: no arm read for probes or counts."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    async def merges(self, *args):
        return False

    def counted_apart(self, where):
        return [where]


async def main():
    from core.accounts.bootstrap import ensure_system_owner
    from core.audit import service as audit
    from core.audit.models import AuditEvent
    from core.db import broad_search, bulk
    from core.db.migrate import migrate
    from core.portals import service as portals
    from core.web.listing import ListQuery
    from tenants.models import Company, Portal
    from tenants.scope import Scope
    from tenants.tree import child_path

    await migrate()
    row = (
        await Company.select(Company.id, Company.path)
        .where(Company.name == "Arms reseller")
        .first()
    )
    if row is None:
        owner = await ensure_system_owner()
        r = Company(name="Arms reseller", kind="reseller", parent=owner["id"], depth=1)
        await r.save()
        path = child_path(owner["path"], r.id)
        await Company.update({Company.path: path}).where(Company.id == r.id)
        first = (await Company.raw("SELECT MAX(id) AS m FROM companies"))[0]["m"] + 1
        now = datetime.now(UTC)
        t = time.perf_counter()
        await bulk.insert_many(
            Company,
            ["id", "name", "kind", "parent", "path", "depth"],
            (
                (i, f"Client {i:07d} Ltd", "client", r.id, f"{path}{i}/", 2)
                for i in range(first, first + COMPANIES)
            ),
        )
        await bulk.insert_many(
            Portal,
            ["company", "name", "fqdn"],
            (
                (first + n % COMPANIES if n % 3 else r.id, f"Portal {n:07d}", f"p{n}.example.test")
                for n in range(COMPANIES)
            ),
        )
        await bulk.insert_many(
            AuditEvent,
            ["created_at", "company", "user_label", "ip", "action"],
            (
                (
                    now - timedelta(seconds=EVENTS - n),
                    first + n % COMPANIES if n % 3 else r.id,
                    f"user{n % 50}@example.test",
                    "10.0.0.1",
                    "company.update",
                )
                for n in range(EVENTS)
            ),
        )
        from core.db.statistics import refresh_statistics

        await refresh_statistics()
        print(f"seeded in {time.perf_counter() - t:.0f} s: {DB}", flush=True)
        row = {"id": r.id, "path": path}
    scope = Scope(row["id"], row["path"], "reseller")
    cases = {
        "audit user=@ (every event)": lambda: audit.list_events(
            scope, audit.AuditFilters(user="@"), ListQuery(sort="created_at")
        ),
        "audit user=@ last page": lambda: audit.list_events(
            scope, audit.AuditFilters(user="@"), ListQuery(sort="created_at", cursor="last")
        ),
        "audit user=user7@ (2%)": lambda: audit.list_events(
            scope, audit.AuditFilters(user="user7@"), ListQuery(sort="created_at")
        ),
        "portals q=portal by name": lambda: portals.list_portals(
            scope, portals.PortalFilters(q="portal"), ListQuery(sort="name", order="asc")
        ),
        "portals q=portal by id": lambda: portals.list_portals(
            scope, portals.PortalFilters(q="portal"), ListQuery()
        ),
        "portals q=l 00 (every row)": lambda: portals.list_portals(
            scope, portals.PortalFilters(q="l 00"), ListQuery()
        ),
    }
    real = broad_search.disjoint
    old = Old(real)
    new_count = broad_search._bounded_count

    async def old_count(table, where, plain, rows):
        """The bounded count as it was (ed179d3): ``id IN (the bounded ids)``, one query."""
        pk = table._meta.primary_key
        inner = table.select(pk)
        for clause in where:
            inner = inner.where(clause)
        inner = inner.limit(rows)
        name, pk_name = table._meta.tablename, pk._meta.db_column_name
        found = await table.raw(
            "SELECT COUNT(*) AS scanned, COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS hits "
            f'FROM "{name}" WHERE "{name}"."{pk_name}" IN ({{}})',
            plain.querystring,
            inner.querystrings[0],
        )
        return found[0]["scanned"], found[0]["hits"]

    for name, call in cases.items():
        times = {"old": [], "new": []}
        answers = {}
        for _ in range(REPEAT):
            for label, mod in (("old", old), ("new", real)):
                broad_search.disjoint = mod
                broad_search._bounded_count = old_count if label == "old" else new_count
                t = time.process_time()
                items, total, cursors = await call()
                times[label].append(time.process_time() - t)
                answers[label] = ([i.id for i in items], total, cursors)
        broad_search.disjoint = real
        assert answers["old"] == answers["new"], name
        o, n = (statistics.median(times[k]) * 1000 for k in ("old", "new"))
        print(
            f"{name:34} old {o:7.1f}  new {n:7.1f} CPU ms  (total {answers['new'][1]})", flush=True
        )


if __name__ == "__main__":
    asyncio.run(main())
