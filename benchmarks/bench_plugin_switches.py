"""What a per-company plugin check costs: ``enablement.disabled_for`` and ``available``.

Every payment-system type list, payment-system create, MNP channel check and request to a
plugin route asks which plugins are off for the caller's company: one query on
``company_plugins`` for ``company IN (the company and its ancestors) AND enabled = false``.
This seeds a tree of 1 owner, 100 resellers and 10,000 clients with about 30,000 switch rows
(three per client, two per reseller, a third of them off), then times the check for random
clients: calls per CPU-second of this process (what the app pays; the database is in-process
for SQLite) and wall-clock microseconds per call, plus the same for ``available(scope,
"payment_systems")`` with three payment-system plugins registered, next to a baseline: one
read of a company by primary key through the same ORM and pool.

Run: .venv/bin/python benchmarks/bench_plugin_switches.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist). CALLS=… sets the number of timed calls (2000).
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)

CALLS = int(os.environ.get("CALLS", "2000"))
RESELLERS, CLIENTS_EACH = 100, 100
PLUGINS = ("pay-a", "pay-b", "pay-c")


async def seed() -> list[dict]:
    from core.accounts.bootstrap import ensure_system_owner
    from core.db.migrate import migrate
    from core.plugins.models import CompanyPlugin
    from tenants.models import Company

    await migrate()
    owner = await ensure_system_owner()
    stamp = time.time_ns()
    resellers = [
        Company(name=f"R{stamp}-{i}", kind="reseller", parent=owner["id"], depth=1)
        for i in range(RESELLERS)
    ]
    await Company.insert(*resellers)
    rows = await Company.select(Company.id).where(Company.name.like(f"R{stamp}-%"))
    clients: list[dict] = []
    switches = []
    for n, r in enumerate(rows):
        path = f"{owner['path']}{r['id']}/"
        await Company.update({Company.path: path}).where(Company.id == r["id"])
        switches += [
            CompanyPlugin(company=r["id"], plugin=p, enabled=(n + k) % 3 != 0)
            for k, p in enumerate(PLUGINS[:2])
        ]
        batch = [
            Company(name=f"C{stamp}-{r['id']}-{i}", kind="client", parent=r["id"], depth=2)
            for i in range(CLIENTS_EACH)
        ]
        await Company.insert(*batch)
        children = await Company.select(Company.id).where(Company.parent == r["id"])
        for c in children:
            child_path = f"{path}{c['id']}/"
            clients.append({"id": c["id"], "path": child_path, "kind": "client"})
            switches += [
                CompanyPlugin(company=c["id"], plugin=p, enabled=(c["id"] + k) % 3 != 0)
                for k, p in enumerate(PLUGINS)
            ]
    for c in clients:
        await Company.update({Company.path: c["path"]}).where(Company.id == c["id"])
    for start in range(0, len(switches), 1000):
        await CompanyPlugin.insert(*switches[start : start + 1000])
    print(f"seeded {len(clients) + len(rows) + 1} companies, {len(switches)} switch rows")
    return clients


def register_payment_plugins() -> None:
    from core.plugins.declarations import PaymentSystem
    from core.plugins.hookspecs import hookimpl
    from core.plugins.manager import plugin_manager

    for name in PLUGINS:
        cls = type(f"Pay{name[-1].upper()}", (PaymentSystem,), {"key": name, "name": name})

        class Plugin:
            @hookimpl
            def register_payment_systems(self, cls=cls):
                return [cls]

        plugin_manager().register(Plugin(), name=name)


async def timed(label: str, fn, clients: list[dict]) -> None:
    picks = [random.choice(clients) for _ in range(CALLS)]
    for c in picks[:50]:  # warm the connection and the statement cache
        await fn(c)
    cpu, wall = time.process_time(), time.perf_counter()
    for c in picks:
        await fn(c)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{label:<42} {CALLS / cpu:>9,.0f} calls/CPU-s  {wall / CALLS * 1e6:>7.0f} µs/call wall")


async def main() -> None:
    from core.db.engine import close_pool, start_pool
    from core.plugins import enablement
    from tenants.scope import Scope

    await start_pool()
    try:
        clients = await seed()
        register_payment_plugins()
        random.seed(7)
        from tenants.models import Company

        await timed(
            "baseline: one company read by primary key",
            lambda c: Company.select(Company.id).where(Company.id == c["id"]).first(),
            clients,
        )
        await timed(
            "disabled_for(client path)", lambda c: enablement.disabled_for(c["path"]), clients
        )
        await timed(
            'available(scope, "payment_systems")',
            lambda c: enablement.available(Scope(c["id"], c["path"], "client"), "payment_systems"),
            clients,
        )
        sample = random.choice(clients)
        off = await enablement.disabled_for(sample["path"])
        print(f"client {sample['id']}: off {sorted(off)}")
    finally:
        await close_pool()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
