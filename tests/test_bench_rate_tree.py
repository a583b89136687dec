"""The rate-tree benchmark runs end to end at a tiny size and prints its figures (timings are
the benchmark's business, not a test's)."""

from __future__ import annotations

import os
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
    }
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
    assert "compiled:               5,000 evaluations" in out
    assert "SQL, one query:           800 evaluations" in out
    assert "SQL, query a level:       800 evaluations" in out
    assert "ratio " in out
    assert "agree on 800 of 800 events" in out
