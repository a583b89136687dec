"""One way to page, sort and count a list, shared by every API list and UI table.

Sort keys are whitelisted per list so a query string can never name an arbitrary column.
Totals are counted up to ``TOTAL_CAP`` rows and no further: an exact ``COUNT(*)`` reads every
matching row on every request, which made pages slow down linearly with the data (issue 9).
Every list pages by key (``cursor``, see ``core.web.keyset``): each page costs the same
however deep it is, where ``OFFSET`` reads and drops every row before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.table import Table

from core.db import broad_search, disjoint, pinned
from core.db.rows import Columnar, fetch_columns
from core.db.rows import fetch as fetch_rows
from core.errors import Invalid
from core.web import keyset
from core.web.keyset import Block

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25
# Offsets are 64-bit integers in both databases; any page past this one is empty anyway.
MAX_OFFSET = 2**63 - 1
MAX_PAGE = MAX_OFFSET // MAX_PAGE_SIZE
# Totals stop counting here: "10,000+" says enough, and counting further costs every request.
TOTAL_CAP = 10_000
MAX_BATCH_SIZE = 5_000
MAX_CURSOR = 2000
CURSOR_DESCRIPTION = (
    "Key-based paging (every page answers `first`, `previous`, `next` and `last`): "
    "`first`, `last`, or a `previous`/`next` value from a page of the same sort and order. "
    "Each page costs the same however deep it is; `page` is then ignored and answered as 0."
)


class Page(msgspec.Struct):
    """``total`` counts at most ``TOTAL_CAP`` rows; ``total_is_capped`` says there are more."""

    items: list[Any]
    total: int
    page: int
    page_size: int
    pages: int
    total_is_capped: bool = False
    first: str | None = None
    previous: str | None = None
    next: str | None = None
    last: str | None = None


@dataclass
class Resume:
    """Where a batch read (an export) stopped: the next batch starts after this row's key.

    Carried by ``ListQuery.resume`` through a list's own service function, so an export reads
    every list exactly as the list does, by key and without counting.
    """

    last: keyset.Position | None = None


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: str = "id"
    order: str = "desc"
    cursor: str | None = None
    resume: Resume | None = field(default=None, compare=False)

    def validate(self, sortable: dict[str, Column]) -> None:
        if self.page < 1:
            raise Invalid.field("page", "must be 1 or more")
        # an export's batches (``resume``) are larger than a page anyone reads
        largest = MAX_BATCH_SIZE if self.resume is not None else MAX_PAGE_SIZE
        if not 1 <= self.page_size <= largest:
            raise Invalid.field("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
        if (self.page - 1) * self.page_size > MAX_OFFSET:
            top = MAX_OFFSET // self.page_size + 1
            raise Invalid.field(
                "page", f"Too large: with {self.page_size} rows a page, use {top} or less"
            )
        if self.sort not in sortable:
            raise Invalid.field("sort", f"must be one of: {', '.join(sorted(sortable))}")
        if self.order not in ("asc", "desc"):
            raise Invalid.field("order", "must be asc or desc")


async def capped_count(table: type[Table], where: list[Where], cap: int = TOTAL_CAP) -> int:
    """How many rows match, counting no further than ``cap + 1`` (more than ``cap``); a name
    search may be counted over a bounded run of rows first (``core.db.broad_search``)."""
    return await broad_search.capped_count(table, where, cap, _capped_count)


async def _capped_count(table: type[Table], where: list[Where], cap: int) -> int:
    if disjoint.found(where):  # a scope of two arms is counted by arm (core/db/disjoint.py)
        return await disjoint.capped_count(table, where, cap)
    inner = table.select(table._meta.primary_key)
    for clause in where:
        inner = inner.where(clause)
    inner = inner.limit(cap + 1)
    rows = await table.raw("SELECT COUNT(*) AS n FROM ({}) AS capped", inner.querystrings[0])
    return rows[0]["n"]


@dataclass(frozen=True)
class Cursors:
    """Where the neighbouring pages start; ``None`` when there is no such page."""

    previous: str | None = None
    next: str | None = None


SORT_ALIAS, ID_ALIAS, BLOCK = "listing_sort_key", "listing_row_id", "listing_block"


async def fetch_page(
    table: type[Table],
    columns: list,
    where: list[Where],
    query: ListQuery,
    sortable: dict[str, Column],
) -> tuple[list[dict], int, Cursors]:
    """One page of a one-table list, its total (capped) and its neighbours' cursors.

    See ``fetch_blocks``; this is the list of one block.
    """
    rows, total, cursors = await fetch_blocks([Block(table, columns, where, sortable)], query)
    for row in rows:
        del row[BLOCK]
    return rows, total, cursors


async def fetch_blocks(
    blocks: list[Block], query: ListQuery, list_name: str = ""
) -> tuple[list[dict], int, Cursors]:
    """One page of a list made of ``blocks`` one after the other, each row tagged ``BLOCK``.

    By key: ``first`` (no cursor), ``last``, or the page after / before a cursor's row, each one
    index range however deep. ``page=N`` without a cursor still works (by OFFSET), for existing
    clients, and its page carries cursors too. With ``query.resume`` it is one batch of an
    export instead: the rows after the last one read, and no total (0). ``list_name`` tells
    lists over the same tables apart in their cursors.
    """
    sortable = blocks[0].sortable
    query.validate(sortable)
    size = query.page_size
    if query.resume is not None:
        rows = await _read(blocks, query, query.resume.last, True, size, read=fetch_rows)
        if rows:
            query.resume.last = _position(rows[-1])
        return _plain(rows), 0, Cursors()
    if query.cursor is not None and len(query.cursor) > MAX_CURSOR:
        raise Invalid.field("cursor", keyset.NOT_OURS)
    sizes: dict[int, int] = {}
    if query.cursor in (None, "first") and query.page > 1:
        rows = await _read_from(blocks, query, (query.page - 1) * size, size + 1)
        has_previous, has_next = True, len(rows) > size
    else:
        forward, start = True, None
        if query.cursor == "last":
            forward = False
        elif query.cursor not in (None, "first"):
            keys = [b.sortable[query.sort] for b in blocks]
            name = _list_name(blocks, list_name)
            direction, start = keyset.decode(query.cursor, name, query.sort, query.order, keys)
            forward = direction == "after"
        rows = await _read(blocks, query, start, forward, size + 1, sizes)
        more = len(rows) > size
        if not forward:
            rows = rows[:size][::-1]
        has_next = more if forward else start is not None
        has_previous = start is not None if forward else more
    rows = rows[:size]
    total = await _count(blocks, sizes)
    name = _list_name(blocks, list_name)
    cursors = Cursors(
        previous=keyset.encode(name, "before", query.sort, query.order, _position(rows[0]))
        if rows and has_previous
        else None,
        next=keyset.encode(name, "after", query.sort, query.order, _position(rows[-1]))
        if rows and has_next
        else None,
    )
    return _plain(rows), total, cursors


async def fetch_batch(
    table: type[Table],
    columns: list,
    where: list[Where],
    query: ListQuery,
    sortable: dict[str, Column],
) -> Columnar:
    """One batch of a one-table list's export (``query.resume``) as columns: the rows
    ``fetch_page`` gives a batch, by the same reads, without a dict a row
    (``core.db.rows.fetch_columns``); ``query.resume`` moves past its last row."""
    if query.resume is None:
        raise ValueError("fetch_batch reads an export's batches: ListQuery.resume is needed")
    query.validate(sortable)
    blocks = [Block(table, columns, where, sortable)]
    runs = await _runs(blocks, query, query.resume.last, True, query.page_size, read=fetch_columns)
    # a run merged from several arms of a disjoint scope (``core.db.disjoint``) came as rows
    parts = [run if isinstance(run, Columnar) else Columnar.of_rows(run) for _, run in runs]
    batch = Columnar.joined(parts)
    if batch.size:
        last = next(index for index, run in reversed(runs) if len(run))
        keys, ids = batch.columns.pop(SORT_ALIAS), batch.columns.pop(ID_ALIAS)
        query.resume.last = keyset.Position(last, keys[-1], ids[-1])
    return batch


def _list_name(blocks: list[Block], prefix: str) -> str:
    """Names the list in its cursors, so another list's cursor is refused (422)."""
    return ":".join([prefix, *(b.table._meta.tablename for b in blocks)])


def _position(row: dict) -> keyset.Position:
    return keyset.Position(row[BLOCK], row[SORT_ALIAS], row[ID_ALIAS])


def _plain(rows: list[dict]) -> list[dict]:
    """The rows as the list's columns give them (the block tag stays for ``fetch_blocks``)."""
    for row in rows:
        del row[SORT_ALIAS], row[ID_ALIAS]
    return rows


def _select(
    block: Block, query: ListQuery, ascending: bool, where: list[Where], whole: bool = True
):
    """The one SELECT of a block's page (or of one run of it, ``whole`` False: see
    ``keyset.ranges``): ``where`` (the block's scoped filters and a bound), the list's order,
    the sort value and id under ``SORT_ALIAS`` and ``ID_ALIAS``."""
    table, key = block.table, block.sortable[query.sort]
    pk = table._meta.primary_key
    select = table.select(*block.columns, key.as_alias(SORT_ALIAS), pk.as_alias(ID_ALIAS))
    # the scope's own index gives the order, never another that walks other scopes' rows
    where, lead = pinned.pin(table, where, key)
    for clause in where:
        select = select.where(clause)
    return keyset.ordered(select, table, key, ascending, whole, lead)


async def _rows(
    block: Block,
    query: ListQuery,
    ascending: bool,
    bound: list[Where],
    limit: int,
    offset: int = 0,
    whole: bool = True,
    read: Callable[[Any], Awaitable[Any]] | None = None,
) -> Any:
    """Every page of every list is read here, so how a block is read is decided once: a scope
    of disjoint arms (``tenants.scope``, the banks' ancestors) as index ranges merged, when
    that pays (``core.db.disjoint``), else one query; a name search from the list's order
    first, when the matches fill a page early in it (``core.db.broad_search``). ``read`` runs
    each select: an export's batches skip piccolo's per-value converters (``core.db.rows``)."""
    key = block.sortable[query.sort]

    def ordered(where: list) -> Any:
        return disjoint.ordered(
            block.table,
            where,
            key,
            lambda clauses: _select(block, query, ascending, clauses, whole),
            ascending=ascending,
            limit=limit,
            offset=offset,
            aliases=(SORT_ALIAS, ID_ALIAS),
            read=read,
        )

    where = [*block.where, *bound]
    return await broad_search.ordered(
        block.table, where, key, ordered, ascending=ascending, limit=limit, offset=offset
    )


async def _read(
    blocks: list[Block],
    query: ListQuery,
    start: keyset.Position | None,
    forward: bool,
    limit: int,
    sizes: dict[int, int] | None = None,
    read: Callable[[Any], Awaitable[list[dict]]] | None = None,
) -> list[dict]:
    """Up to ``limit`` rows after (``forward``) or before ``start``, crossing into the next
    (previous) blocks as one runs out; backwards reads come nearest first (``_runs``), each
    row tagged with its block."""
    rows: list[dict] = []
    for index, run in await _runs(blocks, query, start, forward, limit, sizes, read):
        for row in run:
            row[BLOCK] = index
        rows += run
    return rows


async def _runs(
    blocks: list[Block],
    query: ListQuery,
    start: keyset.Position | None,
    forward: bool,
    limit: int,
    sizes: dict[int, int] | None = None,
    read: Callable[[Any], Awaitable[Any]] | None = None,
) -> list[tuple[int, Any]]:
    """The reads giving up to ``limit`` rows after (``forward``) or before ``start``, each with
    its block's index, crossing into the next (previous) blocks as one runs out.

    A block read unbounded that gave fewer rows than asked was read whole: its size goes into
    ``sizes``, and its total needs no count (a short list's first page is one query).
    """
    ascending = query.order == "asc"
    first = start.block if start is not None else 0 if forward else len(blocks) - 1
    indices = range(first, len(blocks)) if forward else range(first, -1, -1)
    runs: list[tuple[int, Any]] = []
    count = 0
    for index in indices:
        block = blocks[index]
        at = start if start is not None and index == start.block else None
        direction = ascending if forward else not ascending
        found = 0
        # one bound, or a NULL-able key's values and NULLs as two runs (keyset.ranges)
        for bound in keyset.ranges(block.table, block.sortable[query.sort], at, direction):
            want = limit - count - found
            run = await _rows(block, query, direction, bound, want, whole=False, read=read)
            runs.append((index, run))
            found += len(run)
            if count + found >= limit:
                break
        if sizes is not None and at is None and found < limit - count:
            sizes[index] = found
        count += found
        if count >= limit:
            break
    return runs


async def _read_from(blocks: list[Block], query: ListQuery, offset: int, limit: int) -> list[dict]:
    """Up to ``limit`` rows from the ``offset``-th on (OFFSET paging, kept for ``page=N``);
    a block that may lie wholly before the offset is counted, no further than the offset (the
    last block never is: the offset runs on in it)."""
    rows: list[dict] = []
    for index, block in enumerate(blocks):
        if offset > 0 and index < len(blocks) - 1:
            # one below the largest offset: the count's LIMIT (cap + 1) stays a 64-bit integer
            cap = min(offset, MAX_OFFSET - 1)
            before = await capped_count(block.table, block.where, cap=cap)
            if before <= offset:
                offset -= before
                continue
        found = await _rows(block, query, query.order == "asc", [], limit - len(rows), offset)
        offset = 0
        for row in found:
            row[BLOCK] = index
        rows += found
        if len(rows) >= limit:
            break
    return rows


async def _count(blocks: list[Block], sizes: dict[int, int]) -> int:
    """The rows of every block, counted no further than ``TOTAL_CAP + 1`` in all; a block whose
    size the page's read already knows (``sizes``) is not counted again."""
    total = 0
    for index, block in enumerate(blocks):
        if total > TOTAL_CAP:
            break
        if index in sizes:
            total += sizes[index]
        else:
            total += await capped_count(block.table, block.where, cap=TOTAL_CAP - total)
    return min(total, TOTAL_CAP + 1)


def make_page(
    items: list,
    total: int,
    query: ListQuery,
    page_class: type = Page,
    cursors: Cursors | None = None,
):
    """A page of ``page_class`` (any Struct with Page's fields, typed items for OpenAPI).

    ``total`` above ``TOTAL_CAP`` (as ``capped_count`` answers) is reported as the cap with
    ``total_is_capped``. ``cursors`` fill the ``first/previous/next/last`` fields (the same
    names and meaning on every list).
    """
    capped = total > TOTAL_CAP
    total = min(total, TOTAL_CAP)
    pages = max(1, -(-total // query.page_size))
    extra: dict[str, Any] = {}
    fields = {f.name for f in msgspec.structs.fields(page_class)}
    if "total_is_capped" in fields:
        extra["total_is_capped"] = capped
    if cursors is not None and "first" in fields:
        extra.update(first="first", last="last", previous=cursors.previous, next=cursors.next)
    page = 0 if query.cursor not in (None, "first") else query.page
    return page_class(
        items=items, total=total, page=page, page_size=query.page_size, pages=pages, **extra
    )


ListQueryParam = NamedDependency[ListQuery]


class _LikeEscaped(ComparisonOperator):
    template = "{name} LIKE {value} ESCAPE '\\'"


class _ILikeEscaped(ComparisonOperator):
    template = "{name} ILIKE {value} ESCAPE '\\'"


def like_pattern(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern: ``%`` and ``_`` match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Column, text: str) -> Where:
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE on SQLite (already
    case-insensitive there for ASCII, and piccolo warns on every ILIKE it rewrites). The
    ESCAPE clause is spelled out because SQLite has no default escape character."""
    from core.db.engine import is_postgres

    operator = _ILikeEscaped if is_postgres() else _LikeEscaped
    return Where(column=column, value=like_pattern(text), operator=operator)


def paging(
    default_sort: str = "id", sortable: Iterable[str] = (), default_order: str = "desc"
) -> Provide:
    """A litestar dependency giving handlers a ``ListQuery`` from the standard query params.

    ``sortable`` (the list's sort keys) only describes ``sort`` in the OpenAPI document; the
    list's service still checks the key and answers 422 naming the allowed ones.
    """

    async def list_query(
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        sort: Annotated[str, QueryParameter(max_length=64)] = default_sort,
        order: FromQuery[Literal["asc", "desc"]] = default_order,
        cursor: Annotated[
            str | None, QueryParameter(max_length=MAX_CURSOR, description=CURSOR_DESCRIPTION)
        ] = None,
    ) -> ListQuery:
        return ListQuery(page=page, page_size=page_size, sort=sort, order=order, cursor=cursor)

    describe_sort(list_query, sortable)
    return Provide(list_query)


def describe_sort(dependency, sortable: Iterable[str]) -> None:
    """Puts the sort keys into the ``sort`` parameter's schema as an enum. Set as an object:
    this module's annotations are strings, resolved without the caller's local variables."""
    if keys := sorted(sortable):
        extra = {"enum": keys}
        dependency.__annotations__["sort"] = Annotated[
            str, QueryParameter(max_length=64, schema_extra=extra)
        ]
