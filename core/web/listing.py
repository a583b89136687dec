"""One way to page, sort and count a list, shared by every API list and UI table.

Sort keys are whitelisted per list so a query string can never name an arbitrary column.
Totals are counted up to ``TOTAL_CAP`` rows and no further: an exact ``COUNT(*)`` reads every
matching row on every request, which made pages slow down linearly with the data (issue 9).
Lists that grow without bound (the audit log) also page by key (``cursor``): each page costs
the same however deep it is, where ``OFFSET`` reads and drops every row before it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from piccolo.columns import Column, Date, Timestamp, Timestamptz
from piccolo.columns.combination import Where, WhereRaw
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.table import Table

from core.db import disjoint
from core.errors import Invalid

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25
# Offsets are 64-bit integers in both databases; any page past this one is empty anyway.
MAX_OFFSET = 2**63 - 1
MAX_PAGE = MAX_OFFSET // MAX_PAGE_SIZE
# Totals stop counting here: "10,000+" says enough, and counting further costs every request.
TOTAL_CAP = 10_000
MAX_BATCH_SIZE = 5_000
MAX_CURSOR = 600
CURSOR_DESCRIPTION = (
    "Key-based paging (lists that offer it answer `first`, `previous`, `next` and `last`): "
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


@dataclass
class Resume:
    """Where a batch read (an export) stopped: the next batch starts after this row's key.

    Carried by ``ListQuery.resume`` through a list's own service function, so an export reads
    every list exactly as the list does, by key and without counting.
    """

    last: tuple[Any, Any] | None = None


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
    """How many rows match, counting no further than ``cap + 1`` (more than ``cap``)."""
    if disjoint.found(where):  # hook: counted by arm where that pays (core/db/disjoint.py)
        return await disjoint.capped_count(table, where, cap)
    inner = table.select(table._meta.primary_key)
    for clause in where:
        inner = inner.where(clause)
    inner = inner.limit(cap + 1)
    rows = await table.raw("SELECT COUNT(*) AS n FROM ({}) AS capped", inner.querystrings[0])
    return rows[0]["n"]


def _ordered(select, table: type[Table], key: Column, ascending: bool):
    """Sorted by ``key`` with a stable tie-break on the primary key."""
    select = select.order_by(key, ascending=ascending)
    if key is not table._meta.primary_key:
        select = select.order_by(table._meta.primary_key, ascending=ascending)
    return select


async def fetch_page(
    table: type[Table],
    columns: list,
    where: list[Where],
    query: ListQuery,
    sortable: dict[str, Column],
) -> tuple[list[dict], int]:
    """The rows of one page (by number) and the total, capped (see ``make_page``).

    With ``query.resume`` it is one batch of an export instead: rows after the last one read,
    and no total (0).
    """
    query.validate(sortable)
    if query.cursor is not None:
        raise Invalid.field("cursor", "this list pages by number: use page, not cursor")
    if query.resume is not None:
        return await _next_batch(table, columns, where, query, sortable), 0
    if disjoint.found(where):  # hook: one index range per arm, merged (core/db/disjoint.py)
        offset = (query.page - 1) * query.page_size
        key, ascending = sortable[query.sort], query.order == "asc"
        rows = await disjoint.ordered(
            table, columns, where, key, ascending, query.page_size, offset
        )
        return rows, await capped_count(table, where)
    select = table.select(*columns)
    for clause in where:
        select = select.where(clause)
    select = _ordered(select, table, sortable[query.sort], query.order == "asc")
    select = select.limit(query.page_size).offset((query.page - 1) * query.page_size)
    rows = await select
    return rows, await capped_count(table, where)


SORT_ALIAS, ID_ALIAS = "listing_sort_key", "listing_row_id"


def _keyable(key: Column) -> bool:
    """A key can resume a read when neither it nor a join on the way to it can be NULL
    (NULLs sort first on SQLite and last on PostgreSQL, and ``>`` never matches them)."""
    chain = getattr(key._meta, "call_chain", None) or []
    return not key._meta.null and not any(fk._meta.null for fk in chain)


async def _next_batch(
    table: type[Table], columns: list, where: list[Where], query: ListQuery, sortable: dict
) -> list[dict]:
    """The next ``page_size`` rows after ``query.resume.last``; by OFFSET (``page``) only when
    the sort key may be NULL."""
    key, pk = sortable[query.sort], table._meta.primary_key
    ascending = query.order == "asc"
    resume = query.resume
    assert resume is not None
    if not _keyable(key):
        select = table.select(*columns)
        for clause in where:
            select = select.where(clause)
        select = _ordered(select, table, key, ascending)
        offset = (query.page - 1) * query.page_size
        return await select.limit(query.page_size).offset(offset)
    bound = []
    if resume.last is not None:
        bound = [_beyond(table, key, resume.last[0], resume.last[1], ascending)]
    select = table.select(*columns, key.as_alias(SORT_ALIAS), pk.as_alias(ID_ALIAS))
    for clause in [*where, *bound]:
        select = select.where(clause)
    rows = await _ordered(select, table, key, ascending).limit(query.page_size)
    if rows:
        resume.last = (rows[-1][SORT_ALIAS], rows[-1][ID_ALIAS])
    return rows


@dataclass(frozen=True)
class Cursors:
    """Where the neighbouring pages start; ``None`` when there is no such page."""

    previous: str | None = None
    next: str | None = None


def _encode_cursor(direction: str, query: ListQuery, value: Any, row_id: Any) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    raw = msgspec.json.encode([direction, query.sort, query.order, value, row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(query: ListQuery, key: Column) -> tuple[str, Any, Any]:
    """(direction, sort value, id) of a ``next``/``previous`` cursor; 422 when not ours."""
    bad = Invalid.field("cursor", "not a cursor of this list: use first, last, or a page's value")
    text = query.cursor or ""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        direction, sort, order, value, row_id = msgspec.json.decode(raw)
    except (ValueError, TypeError, msgspec.DecodeError):
        raise bad from None
    if direction not in ("after", "before") or not isinstance(row_id, int):
        raise bad
    if (sort, order) != (query.sort, query.order):
        raise Invalid.field("cursor", "the cursor was made for another sort or order")
    try:
        if isinstance(key, Timestamptz | Timestamp) and value is not None:
            value = datetime.fromisoformat(value)
        elif isinstance(key, Date) and value is not None:
            value = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad from None
    if value is None or isinstance(value, bool | list | dict):
        raise bad
    return direction, value, row_id


def _beyond(table: type[Table], key: Column, value: Any, row_id: Any, forward: bool):
    """Rows after (``forward``) or before the row (value, id) in ascending order.

    Written as a row-value comparison ``(key, id) > (value, id)`` where the key is the list's
    own column: both engines read it as one range of a ``(…, key, id)`` index, where the
    equivalent ``key > v OR (key = v AND id > i)`` made SQLite scan from the start each time.
    """
    pk = table._meta.primary_key
    if key is pk:
        return pk > row_id if forward else pk < row_id
    sign = ">" if forward else "<"
    if not getattr(key._meta, "call_chain", None):
        names = f"{key._meta.get_full_name(with_alias=False)}, " + pk._meta.get_full_name(
            with_alias=False
        )
        return WhereRaw(f"({names}) {sign} ({{}}, {{}})", value, row_id)
    if forward:
        return (key > value) | ((key == value) & (pk > row_id))
    return (key < value) | ((key == value) & (pk < row_id))


async def fetch_keyset_page(
    table: type[Table],
    columns: list,
    where: list[Where],
    query: ListQuery,
    sortable: dict[str, Column],
) -> tuple[list[dict], int, Cursors]:
    """One page by key: ``first`` (no cursor), ``last``, or after / before a cursor's row.

    Every sort key must be a non-null column among ``columns`` (its value makes the cursor).
    Without a cursor, a page number still works (by OFFSET), for existing clients.
    """
    query.validate(sortable)
    if query.cursor in (None, "first") and query.page > 1:
        rows, total = await fetch_page(table, columns, where, replace(query, cursor=None), sortable)
        return rows, total, Cursors()
    if query.cursor is not None and len(query.cursor) > MAX_CURSOR:
        raise Invalid.field(
            "cursor", "not a cursor of this list: use first, last, or a page's value"
        )
    key = sortable[query.sort]
    ascending = query.order == "asc"
    direction, bound = "after", []
    if query.cursor == "last":
        direction = "before"
    elif query.cursor not in (None, "first"):
        direction, value, row_id = _decode_cursor(query, key)
        # "after" in the list's order is "greater" when ascending, "less" when descending
        forward = (direction == "after") == ascending
        bound = [_beyond(table, key, value, row_id, forward)]
    reading_forward = direction == "after"
    if disjoint.found(where):  # hook: one index range per arm, merged (core/db/disjoint.py)
        rows = await disjoint.ordered(
            table,
            columns,
            [*where, *bound],
            key,
            ascending if reading_forward else not ascending,
            query.page_size + 1,
        )
    else:
        select = table.select(*columns)
        for clause in [*where, *bound]:
            select = select.where(clause)
        select = _ordered(select, table, key, ascending if reading_forward else not ascending)
        rows = await select.limit(query.page_size + 1)
    more = len(rows) > query.page_size
    rows = rows[: query.page_size]
    if not reading_forward:
        rows.reverse()
    came_from_cursor = query.cursor not in (None, "first", "last")
    has_next = more if reading_forward else came_from_cursor
    has_previous = came_from_cursor if reading_forward else more
    if query.cursor == "last":
        has_next = False
    name, pk_name = key._meta.name, table._meta.primary_key._meta.name
    cursors = Cursors(
        previous=_encode_cursor("before", query, rows[0][name], rows[0][pk_name])
        if rows and has_previous
        else None,
        next=_encode_cursor("after", query, rows[-1][name], rows[-1][pk_name])
        if rows and has_next
        else None,
    )
    return rows, await capped_count(table, where), cursors


def make_page(
    items: list,
    total: int,
    query: ListQuery,
    page_class: type = Page,
    cursors: Cursors | None = None,
):
    """A page of ``page_class`` (any Struct with Page's fields, typed items for OpenAPI).

    ``total`` above ``TOTAL_CAP`` (as ``capped_count`` answers) is reported as the cap with
    ``total_is_capped``. ``cursors`` fill the ``first/previous/next/last`` fields of lists
    paged by key.
    """
    capped = total > TOTAL_CAP
    total = min(total, TOTAL_CAP)
    pages = max(1, -(-total // query.page_size))
    extra: dict[str, Any] = {}
    fields = {f.name for f in msgspec.structs.fields(page_class)}
    if "total_is_capped" in fields:
        extra["total_is_capped"] = capped
    if cursors is not None:
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
    default_sort: str = "id", sortable: Iterable[str] = (), *, keyset: bool = False
) -> Provide:
    """A litestar dependency giving handlers a ``ListQuery`` from the standard query params.

    ``sortable`` (the list's sort keys) only describes ``sort`` in the OpenAPI document; the
    list's service still checks the key and answers 422 naming the allowed ones. ``keyset``
    lists also take ``cursor`` (see ``fetch_keyset_page``).
    """

    async def list_query(
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        sort: Annotated[str, QueryParameter(max_length=64)] = default_sort,
        order: FromQuery[Literal["asc", "desc"]] = "desc",
    ) -> ListQuery:
        return ListQuery(page=page, page_size=page_size, sort=sort, order=order)

    async def keyset_query(
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        sort: Annotated[str, QueryParameter(max_length=64)] = default_sort,
        order: FromQuery[Literal["asc", "desc"]] = "desc",
        cursor: Annotated[
            str | None, QueryParameter(max_length=MAX_CURSOR, description=CURSOR_DESCRIPTION)
        ] = None,
    ) -> ListQuery:
        return ListQuery(page=page, page_size=page_size, sort=sort, order=order, cursor=cursor)

    dependency = keyset_query if keyset else list_query
    describe_sort(dependency, sortable)
    return Provide(dependency)


def describe_sort(dependency, sortable: Iterable[str]) -> None:
    """Puts the sort keys into the ``sort`` parameter's schema as an enum. Set as an object:
    this module's annotations are strings, resolved without the caller's local variables."""
    if keys := sorted(sortable):
        extra = {"enum": keys}
        dependency.__annotations__["sort"] = Annotated[
            str, QueryParameter(max_length=64, schema_extra=extra)
        ]
