"""What resolving dictionary values costs: the index (a dict by key) against the scan the old
``Dictionary.get`` did (``next(e for e in entries if e.code == code)``).

A rate tree resolves the value of every node it shows or checks; the item-5 benchmark tree has
tens of thousands of network nodes. This resolves every network key of the ``networks``
dictionary (3,406 with mcc-mnc-p1 1.1.0) plus as many unknown keys (missed options, the scan's
worst case), every country key, and a page of search results, and prints lookups per second for
the index and for the scan, and their ratio. No database: dictionaries are in memory.

Run: .venv/bin/python benchmarks/bench_dictionary_lookup.py   BENCH_CLOCK=cpu times this
process's CPU time instead of wall time; REPEAT=… the samples per figure (default 5, median).
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)

from core.catalogue.dictionaries.service import registry as dictionaries
from core.plugins import registry

CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter
REPEAT = int(os.environ.get("REPEAT", "5"))


def scan(entries, code):
    """The old ``Dictionary.get``: a linear scan of the entries."""
    return next((e for e in entries if e.code == code), None)


def timed(work) -> float:
    samples = []
    for _ in range(REPEAT):
        start = CLOCK()
        work()
        samples.append(CLOCK() - start)
    return statistics.median(samples)


def measure(key: str, unknown: int) -> None:
    dictionary = registry.dictionaries()[key]
    entries = dictionary.load()
    index = dictionaries.index_of(dictionary)
    codes = [e.code for e in entries] + [f"zz{n}" for n in range(unknown)]
    indexed = timed(lambda: [index.resolve(c) for c in codes])
    scanned = timed(lambda: [scan(entries, c) for c in codes])
    rate_index, rate_scan = len(codes) / indexed, len(codes) / scanned
    print(
        f"{key:<10} {len(entries):>6} values, {len(codes):>6} lookups: "
        f"index {rate_index:>12,.0f}/s   scan {rate_scan:>10,.0f}/s   "
        f"ratio {scanned / indexed:>8,.0f}x"
    )


def main() -> None:
    clock = "CPU" if CLOCK is time.process_time else "wall"
    print(f"dictionary lookups ({clock} time, median of {REPEAT})")
    measure("countries", 249)
    measure("networks", len(registry.dictionaries()["networks"].load()))
    index = dictionaries.index_of(registry.dictionaries()["networks"])
    searched = timed(lambda: index.select("vodafone", "label", "asc"))
    print(f"networks search q=vodafone: {searched * 1e3:.2f} ms a search")


if __name__ == "__main__":
    main()
