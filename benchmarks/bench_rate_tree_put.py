"""What loading a big rate tree through the API costs: ``PUT /api/v1/scopes/{id}/tree`` of the
100,000-leaf document of ``bench_rate_tree.py`` (target: under 10 s), then ``GET`` of the same
tree and the first and second ``POST …/evaluate`` (the first reads and compiles the tree, the
second is served from the compiled-tree cache).

The PUT pays the JSON decoding, ``document.parse`` against the company's domains, and the
write of every node through the bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
in one transaction, twice over here: the second PUT replaces the rows the first wrote.

Run: .venv/bin/python benchmarks/bench_rate_tree_put.py  (a throw-away SQLite file), or with
BACKOFFICE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_bench (a database you do not
mind being filled; it must exist). LEAVES=… (default 100000).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

if "BACKOFFICE_DATABASE_URL" not in os.environ:
    os.environ["BACKOFFICE_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rate_tree import LEAVES, document, shape

TARGET_SECONDS = 10


async def seed() -> str:
    from core.accounts.bootstrap import create_user, ensure_system_owner
    from core.auth.tokens import issue_token
    from core.db.migrate import migrate

    await migrate()
    owner = await ensure_system_owner()
    user_id = await create_user(
        owner["id"], f"bench{time.time_ns()}@example.test", "Bench-passw0rd!", is_admin=True
    )
    return await issue_token(user_id, kind="api", hours=2)


async def main() -> None:
    import msgspec

    from core.plugins.testing import running_app

    token = await seed()
    headers = {"Authorization": f"Bearer {token}"}
    by_country, senders = shape(LEAVES)
    body = msgspec.json.encode(document(by_country, senders))
    async with running_app() as client:
        service = {"name": f"Bench {time.time_ns()}", "type": "pay_as_you_go", "currency": "EUR"}
        res = await client.post("/api/v1/services", json=service, headers=headers)
        sid = res.json()["id"]
        res = await client.post(
            f"/api/v1/services/{sid}/scopes",
            json={"effective_from": "2020-01-01T00:00:00"},
            headers=headers,
        )
        scope_id = res.json()["id"]
        url = f"/api/v1/scopes/{scope_id}/tree"
        print(f"document: {len(body) / 1e6:.1f} MB, {LEAVES:,} leaves wanted")
        for label in ("PUT (new tree)", "PUT (replacing)"):
            start = time.perf_counter()
            res = await client.put(url, content=body, headers=headers, timeout=120)
            took = time.perf_counter() - start
            assert res.status_code == 200, res.text[:500]
            verdict = "ok" if took < TARGET_SECONDS else "OVER TARGET"
            print(f"{label}: {res.json()['nodes']:,} nodes in {took:.2f} s ({verdict})")
        start = time.perf_counter()
        res = await client.get(url, headers=headers, timeout=120)
        print(f"GET: {len(res.content) / 1e6:.1f} MB in {time.perf_counter() - start:.2f} s")
        event = {
            "domain": "sms",
            "resource": "sms_message",
            "attributes": {"direction": "MT", "country": "ES", "network": "21401"},
        }
        for label in ("evaluate (read + compile)", "evaluate (cached)"):
            start = time.perf_counter()
            res = await client.post(f"/api/v1/services/{sid}/evaluate", json=event, headers=headers)
            assert res.status_code == 200, res.text
            print(f"{label}: {(time.perf_counter() - start) * 1000:.1f} ms  {res.json()['result']}")


if __name__ == "__main__":
    asyncio.run(main())
