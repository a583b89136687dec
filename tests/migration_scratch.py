"""Running a data migration against rows written the old way: a scratch database on the
suite's engine, migrated in a subprocess by a script (the suite's own database is already at
the newest migration, and piccolo migrates a process's one engine)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg


def scratch_url(tmp_path: Path):
    """A scratch database on the engine the suite runs on, and how to drop it."""
    url = os.environ.get("BACKOFFICE_TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'migrated.db'}", lambda: None
    name = f"bo_migration_{uuid.uuid4().hex[:10]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))

    def drop():
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url.rsplit("/", 1)[0] + "/" + name, drop


def run_script(script: str, tmp_path: Path):
    """Run ``script`` on a scratch database; it prints ``RESULT`` and JSON, returned decoded."""
    url, drop = scratch_url(tmp_path)
    env = {**os.environ, "BACKOFFICE_DATABASE_URL": url, "PYTHONPATH": str(Path.cwd())}
    env.pop("BACKOFFICE_REDIS_URL", None)
    try:
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        drop()
    assert run.returncode == 0, run.stderr[-3000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])
