"""What a request costs: latency and throughput of one web process, against ``/health``.

Every page and API call pays the request path (authentication, the caller's scope, the query,
serialisation); Authorize in the rating engine will need single-digit milliseconds. This starts
one ``uvicorn`` process on the configured database, signs a system-owner administrator in, and
measures ``/health`` (no authentication, one trivial query), ``GET /api/v1/me``, a list
(``/api/v1/agreements``) and a detail (``/api/v1/companies/{id}``): sequential latency (p50,
p99) and ten concurrent clients (p50, p99, requests per second). Each figure is also printed as
a ratio to ``/health`` measured in the same run, the baseline of a request that does nothing.

Run: .venv/bin/python benchmarks/bench_api.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist). REQUESTS=… sets the sequential count per route.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)

REQUESTS = int(os.environ.get("REQUESTS", "400"))
CONCURRENCY = 10
ROOT = Path(__file__).resolve().parents[1]


async def seed() -> tuple[str, int]:
    from core.accounts.bootstrap import create_user, ensure_system_owner
    from core.auth.tokens import issue_token
    from core.db.migrate import migrate
    from tenants.models import Company
    from tenants.tree import child_path

    await migrate()
    owner = await ensure_system_owner()
    user_id = await create_user(
        owner["id"], f"bench{time.time_ns()}@example.test", "Bench-passw0rd!", is_admin=True
    )
    client = Company(name=f"Bench client {time.time_ns()}", kind="client", parent=owner["id"])
    client.depth = 1
    await client.save()
    await Company.update({Company.path: child_path(owner["path"], client.id)}).where(
        Company.id == client.id
    )
    return await issue_token(user_id, kind="api", hours=2), client.id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "core.web.asgi:app", "--port", str(port)]
    return subprocess.Popen([*command, "--log-level", "warning", "--no-access-log"], cwd=ROOT)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sequential(client, url: str, headers: dict) -> list[float]:
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = await client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return times


async def concurrent(client, url: str, headers: dict) -> tuple[list[float], float]:
    per_client = max(1, REQUESTS // CONCURRENCY)
    times: list[float] = []

    async def one_client() -> None:
        for _ in range(per_client):
            start = time.perf_counter()
            response = await client.get(url, headers=headers)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)

    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(CONCURRENCY)))
    return times, len(times) / (time.perf_counter() - start)


async def main() -> None:
    import httpx

    token, company_id = await seed()
    engine = "PostgreSQL" if os.environ["BACKOFFICE_DATABASE_URL"].startswith("post") else "SQLite"
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(
            base_url=base, timeout=30, limits=httpx.Limits(max_connections=CONCURRENCY)
        ) as client:
            for _ in range(150):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
            auth = {"Authorization": f"Bearer {token}"}
            routes = [
                ("/health", {}),
                ("/api/v1/me", auth),
                ("/api/v1/agreements", auth),
                (f"/api/v1/companies/{company_id}", auth),
            ]
            for url, headers in routes:  # warm up every route once
                await client.get(url, headers=headers)
            health_p50 = health_rps = None
            print(f"{engine}: {REQUESTS} sequential requests per route, then {CONCURRENCY} clients")
            for url, headers in routes:
                seq = await sequential(client, url, headers)
                conc, rps = await concurrent(client, url, headers)
                p50 = statistics.median(seq) * 1000
                if health_p50 is None:
                    health_p50, health_rps = p50, rps
                print(
                    f"{engine:10} {url:34} seq p50 {p50:6.2f} ms p99 "
                    f"{percentile(seq, 0.99) * 1000:6.2f} ms ({p50 / health_p50:4.1f}x /health) | "
                    f"10-way p50 {statistics.median(conc) * 1000:6.2f} ms p99 "
                    f"{percentile(conc, 0.99) * 1000:6.2f} ms {rps:7.0f} req/s "
                    f"({rps / health_rps:4.2f}x /health)"
                )
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    asyncio.run(main())
