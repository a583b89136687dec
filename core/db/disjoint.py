"""A page read from disjoint arms of a WHERE clause, each one index range (issue 9).

A caller's scope is "rows its company owns, or rows of the companies it created": two
conditions no row meets both of (``owner = C`` and ``tenant_id = C``, see ``tenants.scope``).
The banks a company sees are those of each of its ancestors, ``company = A`` for every ``A``
on its path: as many arms as the company is deep, again disjoint.
As one ``OR`` neither engine reads it in the list's order from an index: SQLite unions two
index searches and sorts every matching row, PostgreSQL merges two bitmaps and sorts. Read
apart, each arm is one range of an ``(arm column, sort key, id)`` index that stops after the
page; merging the sorted runs (``heapq.merge``) gives the page. A first page costs one short
index range per arm however many rows the scope holds, and a capped count is the sum of the
arms' capped counts.

Where no arm index serves the sort, or the page lies deep (``MERGE_REACH`` rows skipped by
``OFFSET``; a page by key or an export's batch skips none and is read by arm), the page is one
query on the ``plain`` form of the clause instead (the join ``owner = C OR owner.parent = C``,
``company IN (ancestors)``),
which the planner reads through the sort key's own index, filtering, as before the arms
existed: splitting then would sort each arm whole (1 s at 1,000,000 audit events, measured)
or carry every skipped row of both arms into Python. ``Disjoint`` is that plain ``OR`` to
piccolo, so any query that does not know it (a detail) reads it so too.
"""

from __future__ import annotations

import heapq
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Any

from piccolo.columns import Column, Text, Varchar
from piccolo.columns.combination import Or, Where
from piccolo.custom_types import Combinable
from piccolo.querystring import QueryString
from piccolo.table import Table

from core.db.engine import is_postgres

# Pages ending past this row are one query by OFFSET: the merge would read every skipped row of
# both arms into Python (the 10,000th row of a users list: 114 ms merged, 31 ms by OFFSET).
MERGE_REACH = 1_000
# Collations in which PostgreSQL orders text by code point, as Python compares strings.
_BINARY_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}
_collation: dict[str, bool] = {}


class Disjoint(Or):
    """``arms`` no row matches two of, read apart for the sort keys in ``sorts`` (column names
    with an ``(arm, key, id)`` index on every arm); to SQL it is ``plain``, a clause matching
    the same rows (an ``Or`` of joins, an ``IN``).

    An ``Or`` to piccolo, whose halves are both ``plain``, so the columns (and joins) piccolo
    looks for in a WHERE are ``plain``'s; the SQL written is ``plain`` once."""

    def __init__(self, arms: tuple[Where, ...], plain: Combinable, sorts: frozenset[str]) -> None:
        super().__init__(plain, plain)
        self.plain, self.arms, self.sorts = plain, arms, sorts

    @property
    def querystring(self) -> QueryString:
        return self.plain.querystring

    @property
    def querystring_for_update_and_delete(self) -> QueryString:
        return self.plain.querystring_for_update_and_delete

    def serves(self, key: Column) -> bool:
        return not getattr(key._meta, "call_chain", None) and key._meta.name in self.sorts


def split(where: list) -> tuple[Disjoint | None, list]:
    """The first ``Disjoint`` of a WHERE list, and the other clauses."""
    for n, clause in enumerate(where):
        if isinstance(clause, Disjoint):
            return clause, [*where[:n], *where[n + 1 :]]
    return None, where


def found(where: list) -> bool:
    return any(isinstance(clause, Disjoint) for clause in where)


async def _mergeable(table: type[Table], key: Column) -> bool:
    """Python merges two runs sorted by ``key`` exactly as the database sorted them: always
    for numbers, times and flags; for text when the database compares code points (SQLite's
    BINARY collation always, PostgreSQL under a C-like collation, checked once a process)."""
    if not isinstance(key, Varchar | Text) or not is_postgres():
        return True
    if "postgres" not in _collation:
        rows = await table.raw(
            "SELECT datcollate AS c FROM pg_database WHERE datname = current_database()"
        )
        _collation["postgres"] = rows[0]["c"] in _BINARY_COLLATIONS
    return _collation["postgres"]


def _merge_key(sort_alias: str, id_alias: str):
    """NULL is the largest value (``core.web.keyset`` orders both engines so); the id breaks
    ties."""

    def key(row: dict) -> tuple:
        value = row[sort_alias]
        if value is None:
            return (1, 0, row[id_alias])
        return (0, value, row[id_alias])

    return key


async def ordered(
    table: type[Table],
    where: list,
    key: Column,
    select_for: Callable[[list], Any],
    *,
    ascending: bool,
    limit: int,
    offset: int = 0,
    aliases: tuple[str, str],
    read: Callable[[Any], Awaitable[list[dict]]] | None = None,
) -> list[dict]:
    """``limit`` rows after ``offset`` in (``key``, id) order, each arm of a ``Disjoint`` in
    ``where`` read on its own and merged (NULL largest, as ``core.web.keyset`` orders);
    otherwise (no arms, a key no arm index serves, a page past ``MERGE_REACH``, a text order
    Python cannot repeat) one query.

    ``select_for(clauses)`` is the list's own SELECT over ``clauses``, sorted in the read's
    direction and carrying the sort value and id under ``aliases``; ``read(select)`` runs each
    select (an export's batches: ``core.db.rows.fetch``), piccolo's own ``await`` by default.
    """
    read = read or _piccolo
    disjoint, rest = split(where)
    reach = offset + limit
    if disjoint is None or not await merges(table, disjoint, key, reach, offset):
        return await read(select_for(where).limit(limit).offset(offset))
    runs = [await read(select_for([arm, *rest]).limit(reach)) for arm in disjoint.arms]
    filled = [run for run in runs if len(run)]
    if offset == 0 and len(filled) <= 1:
        # one arm holds the whole page (no more than ``limit`` rows): as read, rows or columns
        return filled[0] if filled else runs[0]
    merged = heapq.merge(*runs, key=_merge_key(*aliases), reverse=not ascending)
    return list(islice(merged, offset, offset + limit))


async def merges(
    table: type[Table], disjoint: Disjoint, key: Column, reach: int, offset: int = 0
) -> bool:
    """Whether ``ordered`` reads the arms apart for a page ending at row ``reach``, ``offset``
    rows skipped: an arm index serves ``key``, Python orders ``key`` as the database does,
    and the page lies within ``MERGE_REACH`` or skips no row. A page by key or an export's
    batch (``offset`` 0, up to 5,000 rows) reads at most its own size from each arm, one
    range of its index each; as one query, SQLite read every row of the scope after the
    bound and sorted them all for each batch (``USE TEMP B-TREE FOR ORDER BY``: the banks'
    export). A caller planning its own read of the arms (``core.db.broad_search``'s prefix
    probe) asks the same question, so the two never disagree."""
    near = reach <= MERGE_REACH or offset == 0
    return near and disjoint.serves(key) and await _mergeable(table, key)


def earliest(rows: list[dict], aliases: tuple[str, str], ascending: bool) -> dict:
    """The row of ``rows`` a read in (sort key, id) order, ``ascending`` or not, comes to
    first (NULL largest, as ``core.web.keyset`` orders and ``ordered`` merges)."""
    pick = min if ascending else max
    return pick(rows, key=_merge_key(*aliases))


async def _piccolo(select: Any) -> list[dict]:
    return await select


def covered(clause: Any) -> bool:
    """Whether an index of each arm holds ``clause``'s columns right after the arm column, so
    an arm's rows matching it are counted from that index alone (``arm_covered``: the audit
    log's text filters, ``core.audit.labels``)."""
    return bool(getattr(clause, "arm_covered", False))


def counted_apart(where: list) -> list[list]:
    """The WHERE lists a count reads one after another, whose counts add up to ``where``'s: a
    ``Disjoint`` whose other filters are all ``covered`` gives one list per arm (each an
    index-only range), else ``where`` itself is one. With other filters, counting an arm
    through its index would fetch each row from the table to test them, where one count of the
    whole clause reads the table in order (a user filter at 1,000,000 audit events: 290 ms by
    arm, 72 ms plain, before the arms' label indexes); a covered filter is read within the
    arm's index (``user=user7@`` there: 80 ms plain on PostgreSQL, a few ms by arm).

    On PostgreSQL that one count reads the arms' ``OR`` (the same rows), not ``plain``: a join
    to ``companies`` for ``owner.parent = C`` that merged 10,000 rows with the companies to
    count the users list's invitations (1.6-4 ms at 100,000, 0.9 ms without the join).
    SQLite keeps ``plain``: there the same invitations count is a scan with a primary-key
    lookup a row (1.0 ms CPU), against 1.6 ms by arm and 1.9 ms for the arms' ``OR``, which
    SQLite reads as a MULTI-INDEX OR (measured at 100,000 companies)."""
    disjoint, rest = split(where)
    if disjoint is None:
        return [where]
    if not all(covered(clause) for clause in rest):
        if is_postgres():
            return [[_either(disjoint.arms), *rest]]
        return [where]
    return [[arm, *rest] for arm in disjoint.arms]


def _either(arms: tuple[Where, ...]) -> Combinable:
    either = arms[0]
    for arm in arms[1:]:
        either = either | arm
    return either


async def budgeted(
    parts: list[list], budget: int, read: Callable[[list, int], Awaitable[tuple[int, int]]]
) -> tuple[int, int]:
    """``read(clauses, rows)`` for each of ``parts`` (rows read, rows found among them), each
    asked only for what the ones before left of ``budget`` rows; the sums. No row is in two
    parts (``counted_apart``), so the sums are those of one read of them all."""
    taken = found = 0
    for clauses in parts:
        rows, hits = await read(clauses, budget - taken)
        taken, found = taken + rows, found + hits
        if taken >= budget:
            break
    return taken, found


async def capped_count(table: type[Table], where: list, cap: int) -> int:
    """Rows matching ``where``, counted no further than ``cap + 1``.

    A ``Disjoint`` alone, or with ``covered`` filters only, is counted by arm, each an
    index-only range, the second counting only what the first left to reach the cap (no row is
    in both). With other filters it is one count of the whole clause (``counted_apart``).
    """

    async def count(clauses: list, rows: int) -> tuple[int, int]:
        inner = table.select(table._meta.primary_key)
        for clause in clauses:
            inner = inner.where(clause)
        inner = inner.limit(rows)
        found = await table.raw("SELECT COUNT(*) AS n FROM ({}) AS capped", inner.querystrings[0])
        return found[0]["n"], found[0]["n"]

    total, _ = await budgeted(counted_apart(where), cap + 1, count)
    return total
