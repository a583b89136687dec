"""A searched list read the cheapest exact way: rare texts through their few FTS5 rowids,
broad ones from the list's own order (issue 9, SQLite).

On SQLite a search reads its candidates from the FTS5 trigram index (``core.db.search``): all
of them, before a single row is returned. A text matching every one of 100,000 companies took
36 ms for a page the old ``LIKE`` scan found in 3 ms, by reading the list in order and
stopping after a page; and a page and its count each read the postings again. So:

- **Rare or broad.** FTS5 reads a phrase's postings lazily: ``LIMIT FEW + 1`` rowids cost
  about a millisecond even for a text matching every row. A text with no more than ``FEW``
  candidates in each searched table is rare: the search becomes ``id IN (those rowids)`` and
  the ``LIKE`` re-check, the same rows, and the page and its count use it (the postings read
  once a request instead of once a query). A text with more is broad.
- **A broad page** reads the first ``span`` rows of the list (its other filters and cursor
  bound, in its order) with the plain ``LIKE`` re-check. When they hold the whole page, that
  page is exact: the list's first matches in order lie in that prefix. Otherwise it is read
  through the trigram index, as before. ``span`` is ``SPAN_PER_ROW`` rows per row wanted, so
  a text matching more than one row in 40 fills it. Only an order an index gives is tried:
  where SQLite would sort the list's rows (a joined or NULL-able key, a scope no index holds
  in order, as EXPLAIN QUERY PLAN says once a query shape), the prefix is the whole list.
  A scope of disjoint arms that ``core.db.disjoint`` reads apart is probed by arm, each one
  range of its index (``_edge``): through its plain ``OR`` with a join SQLite sorted it whole.
- **A broad capped count** counts the matches among a sample of the list's rows (any order);
  its density says how many rows hold ``cap + 1`` matches, and when that is few enough
  (``COUNT_SCAN``) those are counted with ``LIKE``: more than ``cap`` matches, or fewer rows
  than asked (the whole list was read), is the exact capped count. Otherwise the count goes
  through the trigram index, as before. A scope of disjoint arms alone is read arm after arm,
  and each row is checked in the read's select list, from a covering index where there is
  one (``_bounded_count``).

Every path gives exactly the rows, totals and cursors of the trigram read alone
(tests/test_broad_search.py compares them). PostgreSQL needs none of this: its planner tells
a common text from a rare one from its statistics, so ``matches`` hands it no ``Searched``.
Its capped total of a common text is counted with a cheap sure test instead of ``ILIKE``
when that test proves more than the cap (``_sure_first_count``).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable
from piccolo.querystring import QueryString
from piccolo.table import Table

from core.db import disjoint
from core.web import keyset

# A text with no more FTS5 candidates than this is rare: read through them (``narrowed``).
FEW = 1_000
# Rows of the list's prefix read for each row a page wants (offset and the one past the page).
SPAN_PER_ROW = 40
MIN_SPAN, MAX_SPAN = 1_000, 10_000
# Rows a count reads to learn the density, and the most it reads to count with LIKE.
SAMPLE = 1_000
COUNT_SCAN = 30_000
# A prefix read is planned once a query shape: SQL text -> whether an index gives the order.
_in_order: dict[str, bool] = {}
_MAX_PLANS = 512


class Searched(WhereRaw):
    """A text search as the trigram index serves it (its SQL), with what a list needs to read
    it cheaper: ``plain``, the same rows as a check of each row alone (``LIKE``, a correlated
    ``EXISTS`` for a foreign key's columns), and ``probes``, the FTS5 table and query of each
    searched table, which ``narrowed`` asks for a few candidates."""

    __slots__ = ("_narrowed", "_rebuild", "density", "plain", "probes", "refine")

    def __init__(
        self,
        indexed: Combinable,
        plain: Combinable,
        probes: list[tuple[str, str]],
        rebuild: Callable[[dict[tuple[str, str], str]], Combinable],
    ) -> None:
        super().__init__("{}", indexed.querystring)
        self.plain, self.probes, self._rebuild = plain, probes, rebuild
        self._narrowed: list[Combinable | None] = []
        # ``core.db.search.Refine``: the clause rebuilt on its texts' most selective words
        self.refine = None
        # the share of the table's sampled rows holding the text (``core.db.search.refined``)
        self.density = 0.0

    async def narrowed(self, table: type[Table]) -> Combinable | None:
        """The search with each FTS5 subquery replaced by its rowids (a JSON array, made and
        read by SQLite), when every one matches no more than ``FEW`` rows; else ``None`` (a
        broad text). The same rows either way, the postings read once for the page and its
        count. Asked once per clause, so once a request (a list builds its clauses for each),
        or once an export."""
        if not self._narrowed:
            known: dict[tuple[str, str], str] | None = {}
            for fts, query in self.probes:
                rows = await table.raw(
                    "SELECT COUNT(*) AS n, json_group_array(id) AS ids FROM (SELECT rowid AS id "
                    f'FROM "{fts}" WHERE "{fts}" MATCH {{}} LIMIT {FEW + 1})',
                    query,
                )
                if rows[0]["n"] > FEW:
                    known = None
                    break
                known[(fts, query)] = rows[0]["ids"]
            self._narrowed.append(self._rebuild(known) if known is not None else None)
        return self._narrowed[0]


def split(where: list) -> tuple[Searched | None, list]:
    """The first ``Searched`` of a WHERE list, and the other clauses."""
    for n, clause in enumerate(where):
        if isinstance(clause, Searched):
            return clause, [*where[:n], *where[n + 1 :]]
    return None, where


def found(where: list) -> bool:
    return any(isinstance(clause, Searched) for clause in where)


def span_for(rows: int) -> int:
    return min(MAX_SPAN, max(MIN_SPAN, SPAN_PER_ROW * rows))


async def ordered(
    table: type[Table],
    where: list,
    key: Column,
    read: Callable[[list], Awaitable[list[dict]]],
    *,
    ascending: bool,
    limit: int,
    offset: int = 0,
) -> list[dict]:
    """``read(where)``: ``limit`` rows after ``offset`` of the list in (``key``, id) order,
    ``ascending`` or not; when ``where`` holds a ``Searched`` clause, read from the list's
    bounded prefix if that prefix holds them all (see the module's docstring)."""
    from core.db.search import refined

    where = await refined(where)
    searched, rest = split(where)
    if searched is None:
        return await read(where)
    if (narrowed := await searched.narrowed(table)) is not None:
        return await read([*rest, narrowed])
    span = span_for(offset + limit)
    edge = await _edge(table, rest, key, ascending, span, offset + limit, offset)
    if edge is _UNORDERED:
        return await read(where)
    plain = [*rest, searched.plain]
    if edge is None:  # the list holds no more than ``span`` rows: read them all with LIKE
        return await read(plain)
    before = keyset.beyond(table, key, edge["key"], edge["id"], greater=not ascending)
    rows = await read([*plain, before])
    if len(rows) == limit:
        return rows
    return await read(where)


# ``_edge``'s answer when some part of the list would be sorted whole to find its prefix
_UNORDERED: dict = {}


async def _edge(
    table: type[Table],
    where: list,
    key: Column,
    ascending: bool,
    span: int,
    reach: int,
    offset: int = 0,
) -> dict | None:
    """The row ending the list's prefix of ``span`` rows (``key`` and ``id``), ``None`` when
    the list holds no more; ``_UNORDERED`` when no index gives the order.

    A scope of disjoint arms that ``disjoint.ordered`` reads apart is probed by arm, each one
    range of its ``(arm, key, id)`` index (its plain ``OR`` with a join is sorted whole): the
    edge is the earliest arm's. Every row before it lies within its own arm's first ``span``
    rows, so the prefix read before it is still bounded, and exact for the same reason."""
    arms, rest = disjoint.split(where)
    parts = [where]
    if arms is not None and await disjoint.merges(table, arms, key, reach, offset):
        parts = [[arm, *rest] for arm in arms.arms]
    edges = []
    for part in parts:
        probe = keyset.ordered(_probe_select(table, key, part), table, key, ascending=ascending)
        probe = probe.offset(span)
        if not await _index_order(table, probe):
            return _UNORDERED
        if (edge := await probe.limit(1).first()) is not None:
            edges.append(edge)
    return disjoint.earliest(edges, ("key", "id"), ascending) if edges else None


def _probe_select(table: type[Table], key: Column, where: list):
    pk = table._meta.primary_key
    select = table.select(key.as_alias("key"), pk.as_alias("id"))
    for clause in where:
        select = select.where(clause)
    return select


async def _index_order(table: type[Table], probe) -> bool:
    """Whether SQLite reads ``probe`` in order from an index (no sort of its rows), asked once
    a query shape (parameters aside) a process."""
    from core.db.engine import engine

    querystring = probe.limit(1).querystrings[0]
    sql, _ = querystring.compile_string(engine_type=engine().engine_type)
    if sql not in _in_order:
        rows = await table.raw("EXPLAIN QUERY PLAN {}", querystring)
        if len(_in_order) >= _MAX_PLANS:
            _in_order.clear()
        _in_order[sql] = not any("TEMP B-TREE" in str(row["detail"]) for row in rows)
    return _in_order[sql]


async def capped_count(
    table: type[Table],
    where: list,
    cap: int,
    count: Callable[[type[Table], list, int], Awaitable[int]],
) -> int:
    """``count(table, where, cap)`` (rows matching, no further than ``cap + 1``); a
    ``Searched`` clause in ``where`` is first counted with ``LIKE`` over a bounded number of
    the list's rows, when its density says that reaches an exact answer."""
    from core.db.search import refined

    where = await refined(where)
    searched, rest = split(where)
    if searched is None:
        return await _sure_first_count(table, where, cap, count)
    if (narrowed := await searched.narrowed(table)) is not None:
        return await count(table, [*rest, narrowed], cap)
    if searched.density:  # the table's sample stands for the list's first rows
        return await _dense_count(
            table, where, rest, searched.plain, cap, count, 1, 0, searched.density
        )
    scanned, hits = await _bounded_count(table, rest, searched.plain, SAMPLE)
    if hits > cap or scanned < SAMPLE:
        return min(hits, cap + 1)
    return await _dense_count(table, where, rest, searched.plain, cap, count, scanned, hits)


async def _dense_count(
    table: type[Table],
    where: list,
    rest: list,
    plain: Combinable,
    cap: int,
    count: Callable[[type[Table], list, int], Awaitable[int]],
    scanned: int,
    hits: int,
    density: float = 0.0,
) -> int:
    """``count(table, where, cap)``, or, when ``hits`` among ``scanned`` rows (or the
    table's sampled ``density``) say that ``COUNT_SCAN`` rows hold more than ``cap`` matches,
    the matches of ``plain`` among as many rows of ``rest`` as should hold them: exact when
    more than ``cap``, or all rows read."""
    density = density or hits / scanned
    if density:
        # rows holding ``cap + 1`` matches at the sample's density, with a margin
        needed = math.ceil((cap + 1) / density * 1.25)
        if needed <= COUNT_SCAN:
            needed = max(needed, 2 * SAMPLE)
            scanned, hits = await _bounded_count(table, rest, plain, needed)
            if hits > cap or scanned < needed:
                return min(hits, cap + 1)
    return await count(table, where, cap)


async def _sure_first_count(
    table: type[Table],
    where: list,
    cap: int,
    count: Callable[[type[Table], list, int], Awaitable[int]],
) -> int:
    """PostgreSQL: a search's capped total, when more than ``cap`` of a bounded run of the
    list's rows pass its cheap sure test (``core.db.search.Refinable``: each of them matches,
    so the total is capped); with the exact test (``Refinable.exact``, the sure test first)
    the run's count is also the total when it read the whole list. The run is tried when the
    table's sample (``Refinable.density``) says it holds that many matches; otherwise, and on
    SQLite, ``count`` as it was. A wrong guess costs the run, never the answer."""
    found, rest = _refinable(where)
    if found is None or not found.density:
        return await count(table, where, cap)
    needed = max(math.ceil((cap + 1) / found.density * 1.25), 2 * SAMPLE)
    if needed <= COUNT_SCAN:
        test = found.exact if found.exact is not None else found.sure
        scanned, hits = await _bounded_count(table, rest, test, needed)
        if hits > cap or (scanned < needed and found.exact is not None):
            return min(hits, cap + 1)
    return await count(table, where, cap)


def _refinable(where: list) -> tuple[Any, list]:
    """The first PostgreSQL search clause of ``where`` with a sure test, and the others."""
    for n, clause in enumerate(where):
        if getattr(clause, "sure", None) is not None:
            return clause, [*where[:n], *where[n + 1 :]]
    return None, where


async def _bounded_count(
    table: type[Table], where: list, plain: Combinable, rows: int
) -> tuple[int, int]:
    """(rows read, matches among them): the first ``rows`` rows of ``where``, in whatever
    order its index gives, each checked with ``plain``.

    The check is in the bounded read's own select list, so SQLite can answer it from a
    covering index (the audit log's ``(company, user_label, created_at, id)``), where checking
    ``id IN (the bounded ids)`` fetched every row from the table by rowid: 12,500 audit
    events, 15.4 ms against 4.0. A scope of disjoint arms alone is read arm after arm, each
    through its own index, as ``disjoint.capped_count`` counts it (its plain ``OR`` joins the
    owner's company)."""
    check = QueryString("CASE WHEN {} THEN 1 ELSE 0 END", plain.querystring).as_alias("hit")

    async def count(clauses: list, limit: int) -> tuple[int, int]:
        inner = table.select(check)
        for clause in clauses:
            inner = inner.where(clause)
        found: list[dict[str, Any]] = await table.raw(
            "SELECT COUNT(*) AS scanned, COALESCE(SUM(hit), 0) AS hits FROM ({}) AS bounded",
            inner.limit(limit).querystrings[0],
        )
        return found[0]["scanned"], found[0]["hits"]

    return await disjoint.budgeted(disjoint.counted_apart(where), rows, count)
