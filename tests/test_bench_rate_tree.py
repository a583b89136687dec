"""The rate-tree benchmark runs end to end at a tiny size and prints its figures (timings are
the benchmark's business, not a test's)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_rate_tree_prints_its_figures():
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEAVES": "3000",
        "EVENTS": "5000",
        "BASELINE_EVENTS": "800",
        "EVENTS_SQL": "300",
    }
    # The application's baseline runs on the engine under test: this worker's own PostgreSQL
    # database (the benchmark adds and drops only its table), else a throw-away SQLite file.
    url = os.environ.get("BACKOFFICE_DATABASE_URL", "")
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    if engine == "SQLite":
        env.pop("BACKOFFICE_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_rate_tree.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "leaves" in out and "parse " in out and "compile " in out
    rate = r"\s+[\d,]+/s"
    ratio = r"\s+ratio\s+[\d,]+x"
    assert re.search(r"compiled:\s+5,000 evaluations" + rate + r" \(target 500,000/s\)", out)
    for label in ("sqlite3 in-process, one query:", "sqlite3 in-process, query a level:"):
        assert re.search(re.escape(label) + r"\s+800 evaluations" + rate + ratio, out), label
    for shape in ("one query", "query a level"):
        label = f"app DB layer ({engine}), {shape}:"
        assert re.search(re.escape(label) + r"\s+300 evaluations" + rate + ratio, out), label
    assert re.search(
        rf"ratio [\d,]+x against the faster app DB layer \({engine}\) way \(target 100x\); "
        r"[\d,]+x against raw sqlite3 in-process \(the floor\)",
        out,
    )
    assert "agree on 800 of 800 events" in out
    assert "app DB layer on 300 of 300" in out
    if engine == "PostgreSQL":
        assert asyncio.run(_table_left(url)) is None


async def _table_left(url: str) -> str | None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("select to_regclass('bench_rate_tree_nodes')::text")
    finally:
        await conn.close()


def test_bench_rate_tree_leaves_no_file_behind(tmp_path):
    """The throw-away SQLite database the benchmark makes when none is named is removed."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(tmp_path),
        "LEAVES": "100",
        "EVENTS": "100",
        "BASELINE_EVENTS": "50",
        "EVENTS_SQL": "20",
    }
    env.pop("BACKOFFICE_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_rate_tree.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "app DB layer (SQLite), one query:" in run.stdout
    assert list(tmp_path.iterdir()) == []
