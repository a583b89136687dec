"""What a request costs: latency and throughput of one web process, against ``/health``.

Every page and API call pays the request path (authentication, the caller's scope, the query,
serialisation); Authorize in the rating engine will need single-digit milliseconds. This starts
one ``uvicorn`` process (one worker) on the configured database, signs a system-owner
administrator in, and measures ``/health`` (no authentication, one trivial query),
``GET /api/v1/me``, a list (``/api/v1/agreements``) and a detail (``/api/v1/companies/{id}``):
sequential latency (p50, p99) and ten concurrent clients (p50, p99, requests per second). Each
figure is also printed as a ratio to ``/health`` measured in the same run, the baseline of a
request that does nothing.

The load comes from a lean HTTP/1.1 keep-alive client (raw asyncio streams on uvloop, requests
built once, responses parsed just enough to check the status and read the body), not from a
general-purpose client, whose own cost per request used to cap the figures. Each 10-way line
ends with the CPU the server process and this client used over the run (share of one core): a
server near 100 % and a client well below it means the server was measured, not the client.
The machine this was written on has two cores: the server is one process and the client runs
beside it, so both compete with anything else running.

Run: .venv/bin/python benchmarks/bench_api.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist). REQUESTS=… sets the sequential count per route (400),
CONCURRENT_REQUESTS=… the total of the 10-way run per route (3000).
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
CONCURRENT_REQUESTS = int(os.environ.get("CONCURRENT_REQUESTS", "3000"))
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


class Connection:
    """One keep-alive HTTP/1.1 connection; just enough protocol to time a GET."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def build_request(url: str, headers: dict) -> bytes:
    lines = [f"GET {url} HTTP/1.1", "Host: 127.0.0.1", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def timed(connection: Connection, request: bytes, count: int, times: list[float]) -> None:
    for _ in range(count):
        start = time.perf_counter()
        status, body = await connection.get(request)
        times.append(time.perf_counter() - start)
        assert status == 200, (request[:60], status, body[:200])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def concurrent(connections: list[Connection], request: bytes, server_pid: int):
    per_client = max(1, CONCURRENT_REQUESTS // len(connections))
    times: list[float] = []
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(timed(c, request, per_client, times) for c in connections))
    elapsed = time.perf_counter() - start
    server_share = (cpu_seconds(server_pid) - server_cpu) / elapsed
    client_share = (time.process_time() - client_cpu) / elapsed
    return times, len(times) / elapsed, server_share, client_share


async def wait_until_up(port: int, server: subprocess.Popen) -> None:
    request = build_request("/health", {})
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            connection = await Connection.open(port)
            try:
                if (await connection.get(request))[0] == 200:
                    return
            finally:
                connection.close()
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not answer /health")


async def main() -> None:
    token, company_id = await seed()
    engine = "PostgreSQL" if os.environ["BACKOFFICE_DATABASE_URL"].startswith("post") else "SQLite"
    port = free_port()
    server = start_server(port)
    connections: list[Connection] = []
    try:
        await wait_until_up(port, server)
        connections = [await Connection.open(port) for _ in range(CONCURRENCY)]
        auth = {"Authorization": f"Bearer {token}"}
        routes = [
            ("/health", {}),
            ("/api/v1/me", auth),
            ("/api/v1/agreements", auth),
            (f"/api/v1/companies/{company_id}", auth),
        ]
        for url, headers in routes:  # warm up every route on every connection
            for connection in connections:
                await timed(connection, build_request(url, headers), 5, [])
        health_p50 = health_rps = None
        print(
            f"{engine}: {REQUESTS} sequential requests per route, then {CONCURRENCY} clients "
            f"({CONCURRENT_REQUESTS} requests); one server process"
        )
        for url, headers in routes:
            request = build_request(url, headers)
            seq: list[float] = []
            await timed(connections[0], request, REQUESTS, seq)
            conc, rps, server_share, client_share = await concurrent(
                connections, request, server.pid
            )
            p50 = statistics.median(seq) * 1000
            if health_p50 is None:
                health_p50, health_rps = p50, rps
            print(
                f"{engine:10} {url:34} seq p50 {p50:6.2f} ms p99 "
                f"{percentile(seq, 0.99) * 1000:6.2f} ms ({p50 / health_p50:4.1f}x /health) | "
                f"10-way p50 {statistics.median(conc) * 1000:6.2f} ms p99 "
                f"{percentile(conc, 0.99) * 1000:6.2f} ms {rps:7.0f} req/s "
                f"({rps / health_rps:4.2f}x /health) | CPU server {server_share:4.0%} "
                f"client {client_share:4.0%}"
            )
    finally:
        for connection in connections:
            connection.close()
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
