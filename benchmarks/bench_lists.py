"""Do lists stay fast as the data grows? Every API list at 1,000 / 10,000 / 100,000 companies.

Issue 9 measured pages and exports that slowed down linearly with the data (OFFSET paging, an
exact ``COUNT(*)`` per request, a scope filter no index served). For each scale this seeds, with
the bulk path (``core.db.bulk.insert_many``, not the ORM), client companies under one reseller,
each with a legal entity, a bank account and an agreement; as many of the reseller's own banks,
bank accounts, portals, payment systems, invitations, users and jobs; and ten audit events per
company (capped at 1,000,000). Then, in-process through the ASGI app as the reseller's
administrator, it measures the p50 of every list's first page and last page by key
(``cursor=last``) against the naive baseline, the last page by number (``page=N``, an OFFSET
that reads every row before it); the first and last pages of the sort keys reached through a
join or NULL-able; searched and sorted pages; a detail, an agreement create, and the CSV export
of the agreements (rows/s). It prints the figures per scale, the ratio of the largest scale to the
smallest, and each last page's ratio to its OFFSET baseline.

Run: .venv/bin/python benchmarks/bench_lists.py  (throw-away SQLite files), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_lists (a database you do not
mind being emptied: each scale drops and re-creates its tables). SCALES=1000,10000 picks the
scales (default 1000,10000,100000); REPEAT=… the samples per figure (default 15);
BENCH_CLOCK=cpu times each request in this process's CPU time instead of wall time.
BENCH_SQLITE_DIR=/some/dir keeps each scale's SQLite file there (``bench-<scale>.db``) and
reuses it on the next run: seeding 100,000 companies takes tens of minutes on a shared machine.
A reused file gets a fresh token and any new migration, and keeps the agreements the previous
runs' "agreement create" added (``NEW-…`` codes, which no searched text matches).
ONLY=audit (list names, comma-separated) seeds the companies and only what those lists read,
and measures only them; ONLY=details measures the company and agreement details and the
agreement create (seeding the accounts they read), which a run without ONLY measures too.
AUDIT_FILTER=both also measures the audit log's text filters as they were before its label
dictionary (a ``LIKE`` over every event), on the same data ("old LIKE").
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SCALES = [int(s) for s in os.environ.get("SCALES", "1000,10000,100000").split(",")]
REPEAT = int(os.environ.get("REPEAT", "15"))
EVENTS_PER_COMPANY = 10
MAX_EVENTS = 1_000_000
ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 20.0
ONLY = {s for s in os.environ.get("ONLY", "").split(",") if s}
# events recorded by a label no other event holds (a deleted user's old e-mail), at every scale
RARE_EVENTS = 10


def percentile50(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def seeded(companies: int) -> dict:
    """``seed``, or what a previous run seeded into a kept SQLite file (``BENCH_SQLITE_DIR``:
    the parent passes the kept facts in ``BENCH_SQLITE_KEPT``; a new seeding's are kept)."""
    if kept := os.environ.get("BENCH_SQLITE_KEPT"):
        from core.auth.tokens import issue_token
        from core.db.migrate import migrate

        await migrate()
        info = json.loads(kept)
        info["token"] = await issue_token(info["user"], kind="api", hours=4)
        info["seed_s"] = 0.0
        print(f"  reused {os.environ['BACKOFFICE_DATABASE_URL']}")
        return info
    info = await seed(companies)
    if "BENCH_SQLITE_INFO" in os.environ:
        _keep(os.environ["BENCH_SQLITE_INFO"], info)
    return info


def _keep(path: str, info: dict) -> None:
    """Written as soon as the seeding is done, so a later failure does not waste it."""
    Path(path).write_text(json.dumps({k: v for k, v in info.items() if k != "token"}))


async def seed(companies: int) -> dict:
    """The schema, a reseller with an administrator, and ``companies`` clients in bulk."""
    from core.accounts.bootstrap import create_user, ensure_system_owner
    from core.accounts.legal_entities.models import LegalEntity
    from core.audit.models import AuditEvent
    from core.auth.tokens import issue_token
    from core.db.bulk import insert_many
    from core.db.migrate import migrate
    from tenants.models import Company
    from tenants.tree import child_path

    await migrate()
    owner = await ensure_system_owner()
    reseller = Company(name="Bench reseller", kind="reseller", parent=owner["id"], depth=1)
    await reseller.save()
    reseller_path = child_path(owner["path"], reseller.id)
    await Company.update({Company.path: reseller_path}).where(Company.id == reseller.id)
    own = LegalEntity(company=reseller.id, name="Own LE", legal_name="Own LE", is_default=True)
    await own.save()
    user_id = await create_user(
        reseller.id, f"bench{time.time_ns()}@example.test", "Bench-passw0rd!", is_admin=True
    )
    now = datetime.now(UTC)
    first_id = (await Company.raw("SELECT MAX(id) AS m FROM companies"))[0]["m"] + 1
    ids = range(first_id, first_id + companies)
    started = time.perf_counter()
    await insert_many(
        Company,
        ["id", "name", "kind", "parent", "path", "depth", "created_at", "updated_at"],
        (
            (i, f"Client {i:07d} Ltd", "client", reseller.id, f"{reseller_path}{i}/", 2, now, now)
            for i in ids
        ),
    )
    if not ONLY or ONLY - {"audit", "companies"}:
        await _seed_accounts(ids, own.id, now)
        await _seed_other_lists(reseller.id, own.id, user_id, ids, now)
    events = min(MAX_EVENTS, companies * EVENTS_PER_COMPANY)
    actions = ("company.update", "agreement.create", "user.sign_in", "legal_entity.update")
    rare = max(1, events // RARE_EVENTS)
    await insert_many(
        AuditEvent,
        ["created_at", "company", "user", "user_label", "ip", "action"],
        (
            (
                now - timedelta(seconds=events - n),
                first_id + n % companies if n % 3 else reseller.id,
                user_id,
                f"former{n}@old.example" if n % rare == 7 else f"user{n % 50}@example.test",
                "10.0.0.1",
                actions[n % len(actions)],
            )
            for n in range(events)
        ),
    )
    await _fix_sequences()
    seeded = time.perf_counter() - started
    await _analyze()
    token = await issue_token(user_id, kind="api", hours=4)
    return {
        "token": token,
        "user": user_id,
        "company": first_id + companies // 2,
        "own_le": own.id,
        "events": events,
        "seed_s": seeded,
    }


async def _seed_accounts(ids: range, own_le: int, now) -> None:
    """A legal entity, an agreement and its version per client company."""
    from core.accounts.agreements.models import Agreement, AgreementVersion
    from core.accounts.legal_entities.models import LegalEntity
    from core.db.bulk import insert_many

    await insert_many(
        LegalEntity,
        ["id", "company", "name", "legal_name", "is_default", "created_at", "updated_at"],
        ((i, i, f"LE {i:07d}", f"LE {i:07d} Ltd", True, now, now) for i in ids),
    )
    await insert_many(
        Agreement,
        [
            "id",
            "company",
            "direction",
            "legal_entity",
            "own_legal_entity",
            "code",
            "agreement_date",
            "currency",
            "created_at",
            "updated_at",
        ],
        ((i, i, "client", i, own_le, f"A-{i:07d}", date(2025, 1, 1), "EUR", now, now) for i in ids),
    )
    await insert_many(
        AgreementVersion,
        ["agreement", "effective_from", "timezone", "billing_timezone", "created_at"],
        ((i, datetime(2025, 1, 1, tzinfo=UTC), "UTC", "UTC", now) for i in ids),
    )


async def _seed_other_lists(reseller: int, own_le: int, user_id: int, ids: range, now) -> None:
    """One row per client company in every other list the reseller reads: the clients' bank
    accounts (its ``bank-accounts``), and its own banks, bank accounts, portals, payment
    systems, invitations, users and jobs. Ids follow the companies' so none collide."""
    from core.accounts.bank_accounts.models import BankAccount
    from core.accounts.banks.models import Bank
    from core.auth.models import User
    from core.db.bulk import insert_many
    from core.jobs.models import Job
    from core.payments.models import PaymentSystemConfig
    from core.plugins.instance_models import PluginInstance
    from core.users.models import Invitation
    from tenants.models import Portal

    stamp = ["created_at", "updated_at"]
    await insert_many(
        Bank,
        ["id", "company", "name", "country", "address", *stamp],
        ((i, reseller, f"Bank {i:07d}", "DE", "x", now, now) for i in ids),
    )
    await insert_many(
        BankAccount,
        ["id", "company", "legal_entity", "bank", "name", "holder", "number", *stamp],
        ((i, i, i, ids[0], f"Acct {i:07d}", "h", f"N{i}", now, now) for i in ids),
    )
    last = ids[-1]
    await insert_many(
        BankAccount,
        ["id", "company", "legal_entity", "bank", "name", "holder", "number", *stamp],
        ((last + i, reseller, own_le, ids[0], f"Own {i:07d}", "h", f"O{i}", now, now) for i in ids),
    )
    await insert_many(
        Portal,
        ["id", "company", "name", "fqdn", *stamp],
        ((i, reseller, f"Portal {i:07d}", f"p{i}.bench.test", now, now) for i in ids),
    )
    # a payment system's settings live in its plugin instance (same id here)
    await insert_many(
        PluginInstance,
        ["id", "company", "category", "plugin", "name", *stamp],
        ((i, reseller, "payment_system", "test", f"PS {i:07d}", now, now) for i in ids),
    )
    await insert_many(
        PaymentSystemConfig,
        ["id", "company", "name", "kind", "instance", *stamp],
        ((i, reseller, f"PS {i:07d}", "test", i, now, now) for i in ids),
    )
    expires = now + timedelta(days=3650)
    await insert_many(
        Invitation,
        ["id", "company", "email", "token_hash", "expires_at", *stamp],
        ((i, reseller, f"inv{i}@bench.test", f"t{i}", expires, now, now) for i in ids),
    )
    await insert_many(
        User,
        ["id", "company", "email", "last_active_at", *stamp],
        ((i, reseller, f"u{i}@bench.test", now if i % 2 else None, now, now) for i in ids),
    )
    await insert_many(
        Job,
        ["id", "company", "user", "kind", "status", "created_at", "finished_at"],
        ((i, reseller, user_id, "export", "done", now, now if i % 2 else None) for i in ids),
    )


async def _fix_sequences() -> None:
    """Rows were written with explicit ids: PostgreSQL's sequences must move past them."""
    from core.db.engine import is_postgres
    from tenants.models import Company

    if not is_postgres():
        return
    tables = ("companies", "legal_entities", "agreements", "banks", "bank_accounts", "portals")
    for table in (*tables, "plugin_instances", "payment_systems", "invitations", "users", "jobs"):
        await Company.raw(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )


async def _analyze() -> None:
    """What the application's own statistics refresh does, when it has one."""
    try:
        from core.db.statistics import refresh_statistics
    except ImportError:
        return
    await refresh_statistics()


async def reset_database() -> None:
    """PostgreSQL: an empty public schema, so each scale starts from nothing."""
    import core.db  # noqa: F401  (points piccolo at our configuration)
    from tenants.models import Company

    await Company.raw("DROP SCHEMA public CASCADE")
    await Company.raw("CREATE SCHEMA public")


# BENCH_CLOCK=cpu: this process's CPU time per request (SQLite's work included, it runs in a
# thread of this process; PostgreSQL's server not), steadier than wall time on a loaded machine.
CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


async def timed_get(client, url: str, headers: dict, repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        start = CLOCK()
        response = await client.get(url, headers=headers)
        samples.append(CLOCK() - start)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return percentile50(samples)


def with_query(url: str, extra: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{extra}"


# name: (url, rows a client company adds, sort key, text searched)
LISTS = {
    "companies": ("/api/v1/companies", 1, "name", "Client 00005"),
    "legal-entities": ("/api/v1/legal-entities", 1, "name", "LE 00005"),
    "own-legal-entities": ("/api/v1/own-legal-entities", 0, "name", None),
    "banks": ("/api/v1/banks", 1, "name", "Bank 00005"),
    "bank-accounts": ("/api/v1/bank-accounts", 1, "name", None),
    "own-bank-accounts": ("/api/v1/own-bank-accounts", 1, "name", None),
    "agreements": ("/api/v1/agreements", 1, "code", "A-00005"),
    "portals": ("/api/v1/portals", 1, "name", None),
    "payment-systems": ("/api/v1/payment-systems", 1, "name", None),
    "roles": ("/api/v1/roles", 0, "name", None),
    "invitations": ("/api/v1/invitations?group=backoffice", 1, "email", None),
    "users": ("/api/v1/users?group=backoffice", 2, "email", None),
    "jobs": ("/api/v1/jobs", 1, "created_at", None),
    "audit": ("/api/v1/audit", EVENTS_PER_COMPANY, "action", None),
}
# name search (``core.db.search``): a text matching every row, about 100 rows, and none
SEARCHES = {
    "companies": ("Client", "Client 00005"),
    "legal-entities": ("LE 0", "LE 00005"),
    "agreements": ("A-0", "A-00005"),
    "banks": ("Bank", "Bank 00005"),
}
# the audit log's text filters (``core.audit.labels``): 10 events, 2%, every event, a quarter
AUDIT_FILTERS = {
    "user rare": "user=former",
    "user 2%": "user=user7%40",
    "user broad": "user=%40",
    "user broad sorted": "user=example.test&sort=user&order=asc",
    "user no match": "user=zzzz",
    "action_contains": "action_contains=sign",
    "action_contains sorted": "action_contains=update&sort=action&order=asc",
    "user and action_contains": "user=user1&action_contains=company",
}
# sort keys through a join (copied onto the row: core/db/copies.py) or NULL-able (read as two
# index ranges, values then NULLs: core.web.keyset.ranges); held to the target like the rest
JOINED_OR_NULLABLE = {
    "agreements by company (join)": "/api/v1/agreements?sort=company&order=asc",
    "agreements by balance (ledger copy)": "/api/v1/agreements?sort=balance&order=asc",
    "companies by own legal entity (NULL-able join)": "/api/v1/companies?sort=own_legal_entity",
    "jobs by finished_at (NULL-able)": "/api/v1/jobs?sort=finished_at&order=asc",
    "legal entities by company (join)": "/api/v1/legal-entities?sort=company&order=asc",
    "bank accounts by bank (join)": "/api/v1/bank-accounts?sort=bank&order=asc",
    "users by last active (NULL-able)": "/api/v1/users?group=backoffice&sort=last_active",
}


async def measure(companies: int) -> dict[str, float]:
    from litestar.testing import AsyncTestClient

    from core.web.asgi import app

    info = await seeded(companies)
    auth = {"Authorization": f"Bearer {info['token']}"}
    results: dict[str, float] = {}
    # litestar's client runs the app's lifespan (the PostgreSQL pool, the SQLite pool) the way
    # a server does; a bare httpx ASGI transport skips it and connects for every query.
    async with AsyncTestClient(app=app, base_url="http://bench", timeout=120) as client:
        await client.get("/api/v1/me", headers=auth)
        for name, (url, per_company, sort_key, q) in LISTS.items():
            if ONLY and name not in ONLY:
                continue
            rows = min(info["events"], companies * per_company) if name == "audit" else None
            rows = rows or max(1, companies * per_company)
            results[f"{name} first"] = await timed_get(client, url, auth)
            results[f"{name} last by key"] = await timed_get(
                client, with_query(url, "cursor=last"), auth
            )
            # the naive baseline: the same last page by number (OFFSET)
            results[f"{name} last by OFFSET"] = await timed_get(
                client, with_query(url, f"page={-(-rows // 25)}"), auth, repeat=min(REPEAT, 5)
            )
            results[f"{name} sorted"] = await timed_get(
                client, with_query(url, f"sort={sort_key}&order=asc"), auth
            )
            if q or name == "audit":
                search = with_query(url, f"q={q}" if q else "user=user7%40")
                results[f"{name} searched"] = await timed_get(client, search, auth)
            if name in SEARCHES:
                broad, rare = SEARCHES[name]
                for label, extra in (
                    ("broad", f"q={broad}"),
                    ("broad sorted", f"q={broad}&sort={sort_key}&order=asc"),
                    ("broad last by key", f"q={broad}&sort={sort_key}&cursor=last"),
                    ("rare", f"q={rare}"),
                    ("rare sorted", f"q={rare}&sort={sort_key}&order=asc"),
                    ("no match", "q=zzzz"),
                ):
                    results[f"{name} q {label}"] = await timed_get(
                        client, with_query(url, extra), auth
                    )
            if name == "audit":
                for label, extra in AUDIT_FILTERS.items():
                    results[f"audit {label}"] = await timed_get(
                        client, with_query(url, extra), auth
                    )
                if os.environ.get("AUDIT_FILTER") == "both":
                    with _old_audit_filters():
                        for label, extra in AUDIT_FILTERS.items():
                            results[f"audit {label} (old LIKE)"] = await timed_get(
                                client, with_query(url, extra), auth
                            )
        for name, url in JOINED_OR_NULLABLE.items():
            if ONLY and url.split("?")[0].removeprefix("/api/v1/") not in ONLY:
                continue
            results[f"{name} first"] = await timed_get(client, url, auth)
            results[f"{name} last"] = await timed_get(client, with_query(url, "cursor=last"), auth)
        if ONLY and "details" not in ONLY:
            print(f"  seeded in {info['seed_s']:.1f} s ({info['events']} audit events)")
            return results
        results["company detail"] = await timed_get(
            client, f"/api/v1/companies/{info['company']}", auth
        )
        results["agreement detail"] = await timed_get(
            client, f"/api/v1/agreements/{info['company']}", auth
        )
        create_samples = []
        for n in range(REPEAT):
            body = {
                "company_id": info["company"],
                "legal_entity_id": info["company"],
                "own_legal_entity_id": info["own_le"],
                "code": f"NEW-{n}-{time.time_ns()}",
                "agreement_date": "2026-01-01",
                "currency": "EUR",
                "effective_from": "2026-01-01T00:00:00Z",
            }
            start = CLOCK()
            response = await client.post("/api/v1/agreements", json=body, headers=auth)
            create_samples.append(CLOCK() - start)
            assert response.status_code == 201, response.text[:300]
        results["agreement create"] = percentile50(create_samples)
        if ONLY:
            print(f"  seeded in {info['seed_s']:.1f} s ({info['events']} audit events)")
            return results
        start = time.perf_counter()
        response = await client.get("/api/v1/agreements?format=csv&sort=code", headers=auth)
        elapsed = time.perf_counter() - start
        if response.status_code == 200:
            rows = response.text.count("\r\n") - 1
            results["agreements CSV rows/s"] = rows / elapsed
        else:
            results["agreements CSV rows/s"] = float("nan")  # refused (the old 50,000-row cap)
            print(f"  CSV export refused: {response.status_code} {response.text[:120]}")
    print(f"  seeded in {info['seed_s']:.1f} s ({info['events']} audit events)")
    return results


@contextmanager
def _old_audit_filters():
    """The audit log's text filters as they were: ``LIKE`` over every event in scope."""
    from core.audit import service
    from core.web.listing import contains

    async def old(column, text, lead=True):
        return contains(column, text)

    kept, service.label_filter = service.label_filter, old
    try:
        yield
    finally:
        service.label_filter = kept


def run_child(companies: int) -> dict[str, float]:
    """Each scale in a fresh process: settings, engine and pools are read once per process."""
    env = dict(os.environ, BENCH_CHILD=str(companies))
    if not env.get("BACKOFFICE_DATABASE_URL", "").startswith("post"):
        if kept := env.get("BENCH_SQLITE_DIR"):
            Path(kept).mkdir(parents=True, exist_ok=True)
            env["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{kept}/bench-{companies}.db"
            env["BENCH_SQLITE_INFO"] = f"{kept}/bench-{companies}.json"
            if Path(env["BENCH_SQLITE_INFO"]).exists():
                env["BENCH_SQLITE_KEPT"] = Path(env["BENCH_SQLITE_INFO"]).read_text()
            else:  # never seeded, or a seeding that did not finish
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{kept}/bench-{companies}.db{suffix}").unlink(missing_ok=True)
        else:
            env["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    output = subprocess.run(
        [sys.executable, __file__], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if output.returncode:
        print(output.stdout, output.stderr)
        raise SystemExit(f"scale {companies} failed")
    figures = {}
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            _, key, value = line.split("\t")
            figures[key] = float(value)
        elif line.startswith("  "):
            print(line)
    return figures


async def child(companies: int) -> None:
    os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)
    if os.environ["BACKOFFICE_DATABASE_URL"].startswith("post"):
        await reset_database()
    for key, value in (await measure(companies)).items():
        print(f"RESULT \t{key}\t{value}")


def main() -> None:
    url = os.environ.get("BACKOFFICE_DATABASE_URL", "")
    engine = "PostgreSQL" if url.startswith("post") else "SQLite"
    table: dict[int, dict[str, float]] = {}
    for companies in SCALES:
        print(f"{engine}: {companies} companies …", flush=True)
        table[companies] = run_child(companies)
    keys = list(table[SCALES[0]])
    low, high = SCALES[0], SCALES[-1]
    header = "".join(f"{n:>12,}" for n in SCALES)
    print(f"\n{engine}, p50 ms (CSV: rows/s){' ' * 18}{header}   {high // low}x/1x")
    for key in keys:
        values = [table[n].get(key, float("nan")) for n in SCALES]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        flag = ""
        if "rows/s" in key:
            flag = "" if values[-1] >= 50_000 else "  < 50,000 rows/s"
        elif "OFFSET" in key:
            flag = "  (baseline)"
        elif values[-1] > TARGET_MS or ratio > 1.5:
            flag = "  MISSES TARGET"
        cells = "".join(f"{v:12.1f}" for v in values)
        print(f"{key:48}{cells}   {ratio:6.2f}{flag}")
    print(f"\nLast page by key against by OFFSET (p50 ms) at {high:,} companies")
    for key in keys:
        name = key.removesuffix(" last by key")
        if key.endswith(" last by key") and f"{name} last by OFFSET" in table[high]:
            by_key, by_offset = table[high][key], table[high][f"{name} last by OFFSET"]
            print(f"{name:36}{by_key:10.1f}{by_offset:10.1f}   x{by_offset / by_key:6.1f} faster")


if __name__ == "__main__":
    if "BENCH_CHILD" in os.environ:
        asyncio.run(child(int(os.environ["BENCH_CHILD"])))
    else:
        main()
