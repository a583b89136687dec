"""What evaluating a rate tree costs: the compiled tree (``core.catalogue.trees.compiled``)
against the naive way, SQL lookups per event on the tree's rows, in the same run.

Rating asks the tree of a scope for every message, so the question is events per second on one
core. The tree is the shape issue 12 names: SMS message → direction (MT, MO) → country → every
network of the networks dictionary (its real MCC-MNC keys, under their country) → sender ID,
with an Others child at each level, and as many sender IDs per network as reach ``LEAVES``
leaves (100,000 by default). The events are random: mostly values the tree names, some it does
not (an unknown country, a foreign network, an unknown sender ID, a missing attribute) that
fall to Others.

The baseline stores the same tree as rows of an in-process SQLite table indexed on
(parent, value) and answers each event with one SQL query: a recursive walk that takes, level
by level, the named child or else Others. It is the faster of the two naive ways measured (the
other, one query per level from Python, is printed too), so the ratio is against the better
one. All three must agree on every event of the baseline's sample. Also timed:
``document.parse`` and ``compile_tree`` of the tree's document, as ``PUT …/tree`` and the
first rating after it pay them.

Run: .venv/bin/python benchmarks/bench_rate_tree.py   LEAVES=… (default 100000),
EVENTS=… compiled evaluations (default 1000000), BASELINE_EVENTS=… SQL evaluations (default
100000; the rate is per event, so a smaller sample keeps the run short), BENCH_CLOCK=cpu times
this process's CPU time instead of wall time. Targets: 500,000 evaluations/s and 100 times the
baseline.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections import defaultdict
from decimal import Decimal
from itertools import cycle, islice

os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)

from core.catalogue.domains.service import registered
from core.catalogue.trees import nodes
from core.catalogue.trees.compiled import compile_tree
from core.catalogue.trees.document import parse
from core.plugins import registry

CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter
LEAVES = int(os.environ.get("LEAVES", "100000"))
EVENTS = int(os.environ.get("EVENTS", "1000000"))
BASELINE_EVENTS = int(os.environ.get("BASELINE_EVENTS", "100000"))
POOL = 100_000  # distinct random events, cycled: a million dicts would cost more than the tree
TARGET_RATE = 500_000
TARGET_RATIO = 100
DIRECTIONS = ("MT", "MO")


def networks_by_country(limit: int | None) -> dict[str, list[str]]:
    """Every network of the dictionary under its country (``limit`` networks for a small run)."""
    found: dict[str, list[str]] = defaultdict(list)
    entries = [e for e in registry.dictionaries()["networks"].load() if e.extra.get("country")]
    for entry in entries[:limit]:
        found[entry.extra["country"]].append(entry.code)
    return dict(found)


def shape(leaves: int) -> tuple[dict[str, list[str]], int]:
    """The networks and the sender IDs per network that reach ``leaves`` leaves."""
    total = len([e for e in registry.dictionaries()["networks"].load() if e.extra.get("country")])
    # each network holds its sender IDs plus Others; MT and MO both go that deep
    limit = None if leaves >= total * 2 * 2 else max(1, leaves // 4)
    by_country = networks_by_country(limit)
    count = sum(len(v) for v in by_country.values())
    senders = 1
    while _leaves(by_country, count, senders) < leaves:
        senders += 1
    return by_country, senders


def _leaves(by_country: dict[str, list[str]], networks: int, senders: int) -> int:
    per_direction = networks * (senders + 1) + len(by_country) + 1  # + network and country Others
    return len(DIRECTIONS) * per_direction + 1  # + direction Others


def price(n: int) -> str:
    return str(Decimal(1 + n % 9000) / 100000)


def document(by_country: dict[str, list[str]], senders: int) -> dict:
    n = 0

    def flat() -> dict:
        nonlocal n
        n += 1
        return {"type": "flat", "price": price(n)}

    directions = []
    for direction in DIRECTIONS:
        countries = []
        for country, codes in by_country.items():
            networks = []
            for code in codes:
                ids = [{"value": f"S{s:03d}", "rate": flat()} for s in range(senders)]
                ids.append({"value": "*", "rate": flat()})
                networks.append(
                    {"value": code, "rate": {"depends_on": "sender_id", "children": ids}}
                )
            networks.append({"value": "*", "rate": flat()})
            countries.append(
                {"value": country, "rate": {"depends_on": "network", "children": networks}}
            )
        countries.append({"value": "*", "rate": flat()})
        directions.append(
            {"value": direction, "rate": {"depends_on": "country", "children": countries}}
        )
    directions.append({"value": "*", "rate": {"type": "blocked"}})
    rate = {"depends_on": "direction", "children": directions}
    return {
        "format": 1,
        "domains": [{"domain": "sms", "resources": [{"resource": "sms_message", "rate": rate}]}],
    }


def events(by_country: dict[str, list[str]], senders: int, count: int, seed: int = 12) -> list:
    """Random events: a value the tree names most of the time, else one it does not."""
    rnd = random.Random(seed)
    countries = list(by_country)
    all_networks = [code for codes in by_country.values() for code in codes]
    found = []
    for _ in range(count):
        country = rnd.choice(countries)
        event = {
            "direction": rnd.choice(DIRECTIONS) if rnd.random() < 0.98 else "XX",
            "country": country if rnd.random() < 0.95 else "ZZ",
            "network": rnd.choice(by_country[country])
            if rnd.random() < 0.9
            else rnd.choice(all_networks),
            "sender_id": f"S{rnd.randrange(senders):03d}" if rnd.random() < 0.8 else "Unknown",
        }
        if rnd.random() < 0.02:
            del event["sender_id"]
        found.append(event)
    return found


def sql_tree(doc: dict) -> sqlite3.Connection:
    """The tree as rows (id, parent, value, attribute, type, price), indexed on (parent, value)."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "create table nodes (id integer primary key, parent integer, value text, "
        "attribute text, type text, price text)"
    )
    db.execute("create index nodes_parent_value on nodes (parent, value)")
    rows = []
    root = doc["domains"][0]["resources"][0]["rate"]
    stack = [(0, "", root)]
    next_id = 1
    while stack:
        parent, value, rate = stack.pop()
        node_id = next_id
        next_id += 1
        rows.append(
            (node_id, parent, value, rate.get("depends_on"), rate.get("type"), rate.get("price"))
        )
        for child in rate.get("children", ()):
            stack.append((node_id, child["value"], child["rate"]))
    db.executemany("insert into nodes values (?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    return db


_STEP = (
    "select id, attribute, type, price from nodes where parent = ? and value in (?, '*') "
    "order by value = '*' limit 1"
)


def sql_walk(db: sqlite3.Connection, attributes: dict) -> tuple[str | None, str | None]:
    """One indexed query per level from Python, the named child else Others."""
    node_id, attribute, type_, amount = db.execute(
        "select id, attribute, type, price from nodes where parent = 0"
    ).fetchone()
    while attribute is not None:
        row = db.execute(_STEP, (node_id, attributes.get(attribute, "*"))).fetchone()
        if row is None:
            return None, None
        node_id, attribute, type_, amount = row
    return type_, amount


_WALK = """
with recursive walk (id, attribute, type, price) as (
  select id, attribute, type, price from nodes where parent = 0
  union all
  select n.id, n.attribute, n.type, n.price from walk w join nodes n on n.id = (
    select c.id from nodes c
    where c.parent = w.id and c.value in (
      case w.attribute when 'direction' then :direction when 'country' then :country
        when 'network' then :network when 'sender_id' then :sender_id end,
      '*')
    order by c.value = '*' limit 1)
)
select type, price from walk where attribute is null
"""


def sql_query(db: sqlite3.Connection, attributes: dict) -> tuple[str | None, str | None]:
    """One recursive query per event: the whole walk inside SQLite."""
    names = ("direction", "country", "network", "sender_id")
    row = db.execute(_WALK, {name: attributes.get(name) for name in names}).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _timed(work, sample: list) -> tuple[float, list]:
    start = CLOCK()
    answers = [work(attributes) for attributes in sample]
    return len(sample) / (CLOCK() - start), answers


def _answer(evaluation: nodes.Evaluation) -> tuple[str | None, str | None]:
    amount = None if evaluation.price is None else format(evaluation.price.normalize(), "f")
    return evaluation.price_type, amount


def main() -> None:
    clock = "CPU" if CLOCK is time.process_time else "wall"
    by_country, senders = shape(LEAVES)
    networks = sum(len(v) for v in by_country.values())
    doc = document(by_country, senders)
    domains = registered()

    start = CLOCK()
    tree = parse(doc, "pay_as_you_go", domains)
    parsed = CLOCK() - start
    start = CLOCK()
    compiled = compile_tree(tree, domains)
    compiled_s = CLOCK() - start
    print(
        f"rate tree ({clock} time): {len(by_country)} countries, {networks} networks, "
        f"{senders} sender IDs per network, {compiled.leaves:,} leaves"
    )
    print(f"parse {parsed:.2f} s   compile {compiled_s:.2f} s   total {parsed + compiled_s:.2f} s")

    pool = events(by_country, senders, min(POOL, max(EVENTS, BASELINE_EVENTS)))
    evaluate = compiled.evaluate
    start = CLOCK()
    for attributes in islice(cycle(pool), EVENTS):
        evaluate("sms", "sms_message", attributes)
    fast = CLOCK() - start
    rate = EVENTS / fast

    db = sql_tree(doc)
    sample = list(islice(cycle(pool), BASELINE_EVENTS))
    baseline, answers = _timed(lambda a: sql_query(db, a), sample)
    walked, walk_answers = _timed(lambda a: sql_walk(db, a), sample)
    mismatched = sum(
        not (_answer(evaluate("sms", "sms_message", a)) == s == w)
        for a, s, w in zip(sample, answers, walk_answers, strict=True)
    )
    others = sum(1 for a in sample if "*" in evaluate("sms", "sms_message", a).path)

    print(
        f"compiled:           {EVENTS:>9,} evaluations {rate:>12,.0f}/s (target {TARGET_RATE:,}/s)"
    )
    print(f"SQL, one query:     {len(sample):>9,} evaluations {baseline:>12,.0f}/s")
    print(f"SQL, query a level: {len(sample):>9,} evaluations {walked:>12,.0f}/s")
    print(
        f"ratio {rate / baseline:,.0f}x (target {TARGET_RATIO}x); "
        f"{rate / walked:,.0f}x a query a level"
    )
    print(
        f"agree on {len(sample) - mismatched:,} of {len(sample):,} events ({others:,} via Others)"
    )
    if mismatched:
        raise SystemExit(f"{mismatched} events evaluated differently")


if __name__ == "__main__":
    main()
