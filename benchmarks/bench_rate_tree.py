"""What evaluating a rate tree costs: the compiled tree (``core.catalogue.trees.compiled``)
against the naive way, SQL lookups per event on the tree's rows, in the same run.

Rating asks the tree of a scope for every message, so the question is events per second on one
core. The tree is the shape issue 12 names: SMS message → direction (MT, MO) → country → every
network of the networks dictionary (its real MCC-MNC keys, under their country) → sender ID,
with an Others child at each level, and as many sender IDs per network as reach ``LEAVES``
leaves (100,000 by default). The events are random: mostly values the tree names, some it does
not (an unknown country, a foreign network, an unknown sender ID, a missing attribute) that
fall to Others.

Two kinds of naive baseline answer each event with SQL on the same tree's rows, indexed on
(parent, value), each in two shapes: one recursive query that walks level by level to the
named child or else Others, and one query per level from Python. The floor is raw ``sqlite3``
on an in-process, in-memory table, with no framework between the loop and the database. The
baseline a naive rating engine of this application would be is the application's own database
layer: the rows written through ``core.db`` (piccolo, the engine the settings name) and each
event's query awaited through it, on SQLite, or on PostgreSQL when BACKOFFICE_DATABASE_URL
names one (only the benchmark's table, ``bench_rate_tree_nodes``, is created and dropped; by
default a throw-away SQLite file). The ratio to the target is against the faster of its two
shapes; every baseline must agree with the compiled evaluator on every event it answered.
Also timed: ``document.parse`` and ``compile_tree`` of the tree's document, as ``PUT …/tree``
and the first rating after it pay them.

Run: .venv/bin/python benchmarks/bench_rate_tree.py   LEAVES=… (default 100000),
EVENTS=… compiled evaluations (default 1000000), BASELINE_EVENTS=… raw sqlite3 evaluations
(default 100000), EVENTS_SQL=… evaluations through the application's database layer (default
20000; the rates are per event, so smaller samples keep the run short), BENCH_CLOCK=cpu times
this process's CPU time instead of wall time (a PostgreSQL server's own CPU is then not
counted, which flatters that baseline). Targets: 500,000 evaluations/s and 100 times the
application's baseline.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from itertools import cycle, islice

os.environ.setdefault("BACKOFFICE_SECRET_KEY", "bench-secret-key-" + "x" * 32)
# The application's engine reads its database from the settings at import: a throw-away SQLite
# file unless BACKOFFICE_DATABASE_URL names one (PostgreSQL: only the benchmark's table is
# created and dropped).
os.environ["BACKOFFICE_DATABASE_URL"] = (
    os.environ.get("BACKOFFICE_DATABASE_URL")
    or f"sqlite:///{tempfile.mkdtemp(prefix='bench-rate-tree-')}/bench.db"
)

from piccolo.columns import Integer, Text
from piccolo.table import Table

from core.catalogue.domains.service import registered
from core.catalogue.trees import nodes
from core.catalogue.trees.compiled import compile_tree
from core.catalogue.trees.document import parse
from core.plugins import registry

CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter
LEAVES = int(os.environ.get("LEAVES", "100000"))
EVENTS = int(os.environ.get("EVENTS", "1000000"))
BASELINE_EVENTS = int(os.environ.get("BASELINE_EVENTS", "100000"))
EVENTS_SQL = int(os.environ.get("EVENTS_SQL", "20000"))
_URL = os.environ["BACKOFFICE_DATABASE_URL"]
_TEMPORARY = (
    os.path.dirname(_URL.removeprefix("sqlite:///")) if "/bench-rate-tree-" in _URL else None
)
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


class RateNode(Table, tablename="bench_rate_tree_nodes"):
    """The tree's rows as a naive rating engine of this application would keep them."""

    parent = Integer()
    value = Text()
    attribute = Text(null=True, default=None)
    price_type = Text(null=True, default=None)
    price = Text(null=True, default=None)


async def app_tree(doc: dict) -> None:
    """The rows of ``sql_tree`` written through the application's engine, indexed the same."""
    from core.db.bulk import insert_many
    from core.db.engine import is_postgres, prepare_sqlite_file
    from core.settings import get_settings

    if not is_postgres():
        prepare_sqlite_file(get_settings().sqlite_path)
    await RateNode.alter().drop_table(if_exists=True)
    await RateNode.create_table()
    await RateNode.create_index([RateNode.parent, RateNode.value])
    rows = sql_tree(doc).execute("select * from nodes").fetchall()
    await insert_many(RateNode, ["id", "parent", "value", "attribute", "price_type", "price"], rows)
    await RateNode.raw("analyze bench_rate_tree_nodes")


_APP_STEP = (
    "select id, attribute, price_type, price from bench_rate_tree_nodes "
    "where parent = {} and value in ({}, '*') order by value = '*' limit 1"
)
_APP_WALK = """
with recursive walk (id, attribute, price_type, price) as (
  select id, attribute, price_type, price from bench_rate_tree_nodes where parent = 0
  union all
  select n.id, n.attribute, n.price_type, n.price from walk w
  join bench_rate_tree_nodes n on n.id = (
    select c.id from bench_rate_tree_nodes c
    where c.parent = w.id and c.value in (
      case w.attribute when 'direction' then {} when 'country' then {}
        when 'network' then {} when 'sender_id' then {} end,
      '*')
    order by c.value = '*' limit 1)
)
select price_type, price from walk where attribute is null
"""


async def app_query(attributes: dict) -> tuple[str | None, str | None]:
    """One recursive query per event through piccolo, awaited as a request handler would."""
    names = ("direction", "country", "network", "sender_id")
    rows = await RateNode.raw(_APP_WALK, *(attributes.get(name) for name in names))
    return (rows[0]["price_type"], rows[0]["price"]) if rows else (None, None)


async def app_walk(attributes: dict) -> tuple[str | None, str | None]:
    """One query per level through piccolo, the named child else Others."""
    rows = await RateNode.raw(
        "select id, attribute, price_type, price from bench_rate_tree_nodes where parent = 0"
    )
    row = rows[0]
    while row["attribute"] is not None:
        rows = await RateNode.raw(_APP_STEP, row["id"], attributes.get(row["attribute"], "*"))
        if not rows:
            return None, None
        row = rows[0]
    return row["price_type"], row["price"]


async def app_baselines(doc: dict, sample: list) -> tuple[str, list[tuple[str, float, list]]]:
    """Both naive ways through the application's own database layer, on the engine the
    settings name; the benchmark's table is dropped afterwards."""
    from core.db.engine import close_pool, is_postgres, start_pool

    engine = "PostgreSQL" if is_postgres() else "SQLite"
    await start_pool()
    try:
        await app_tree(doc)
        found = []
        for label, work in (("one query", app_query), ("query a level", app_walk)):
            start = CLOCK()
            answers = [await work(attributes) for attributes in sample]
            found.append((label, len(sample) / (CLOCK() - start), answers))
        await RateNode.alter().drop_table(if_exists=True)
    finally:
        await close_pool()
    return engine, found


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
    app_sample = list(islice(cycle(pool), EVENTS_SQL))
    engine, app = asyncio.run(app_baselines(doc, app_sample))

    def mismatches(sample: list, *answers: list) -> int:
        return sum(
            len({_answer(evaluate("sms", "sms_message", a)), *found}) != 1
            for a, *found in zip(sample, *answers, strict=True)
        )

    mismatched = mismatches(sample, answers, walk_answers)
    app_mismatched = mismatches(app_sample, *(found for _, _, found in app))
    others = sum(1 for a in sample if "*" in evaluate("sms", "sms_message", a).path)

    print(
        f"compiled:                                 {EVENTS:>9,} evaluations {rate:>10,.0f}/s "
        f"(target {TARGET_RATE:,}/s)"
    )
    rows = [
        ("sqlite3 in-process, one query:", len(sample), baseline),
        ("sqlite3 in-process, query a level:", len(sample), walked),
        *((f"app DB layer ({engine}), {label}:", len(app_sample), r) for label, r, _ in app),
    ]
    for label, count, per_second in rows:
        print(
            f"{label:42}{count:>9,} evaluations {per_second:>10,.0f}/s "
            f"ratio {rate / per_second:>6,.0f}x"
        )
    best_app = max(r for _, r, _ in app)
    print(
        f"ratio {rate / best_app:,.0f}x against the faster app DB layer ({engine}) way "
        f"(target {TARGET_RATIO}x); {rate / max(baseline, walked):,.0f}x against raw sqlite3 "
        "in-process (the floor)"
    )
    print(
        f"agree on {len(sample) - mismatched:,} of {len(sample):,} events ({others:,} via Others)"
        f"; app DB layer on {len(app_sample) - app_mismatched:,} of {len(app_sample):,}"
    )
    if _TEMPORARY:
        shutil.rmtree(_TEMPORARY, ignore_errors=True)
    if mismatched or app_mismatched:
        raise SystemExit(f"{mismatched + app_mismatched} events evaluated differently")


if __name__ == "__main__":
    main()
