"""One way to page, sort and count a list, shared by every API list and UI table.

Sort keys are whitelisted per list so a query string can never name an arbitrary column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.table import Table

from core.errors import Invalid

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25
# Offsets are 64-bit integers in both databases; any page past this one is empty anyway.
MAX_OFFSET = 2**63 - 1
MAX_PAGE = MAX_OFFSET // MAX_PAGE_SIZE


class Page(msgspec.Struct):
    items: list[Any]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: str = "id"
    order: str = "desc"

    def validate(self, sortable: dict[str, Column]) -> None:
        if self.page < 1:
            raise Invalid.field("page", "must be 1 or more")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
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


async def fetch_page(
    table: type[Table],
    columns: list,
    where: list[Where],
    query: ListQuery,
    sortable: dict[str, Column],
) -> tuple[list[dict], int]:
    """The rows of one page and the total count, with a stable tie-break on the primary key."""
    query.validate(sortable)
    select = table.select(*columns)
    count = table.count()
    for clause in where:
        select = select.where(clause)
        count = count.where(clause)
    ascending = query.order == "asc"
    select = select.order_by(sortable[query.sort], ascending=ascending)
    if sortable[query.sort] is not table._meta.primary_key:
        select = select.order_by(table._meta.primary_key, ascending=ascending)
    select = select.limit(query.page_size).offset((query.page - 1) * query.page_size)
    rows = await select
    total = await count
    return rows, total


def make_page(items: list, total: int, query: ListQuery, page_class: type = Page):
    """A page of ``page_class`` (any Struct with Page's fields, typed items for OpenAPI)."""
    pages = max(1, -(-total // query.page_size))
    return page_class(
        items=items, total=total, page=query.page, page_size=query.page_size, pages=pages
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


def paging(default_sort: str = "id", sortable: Iterable[str] = ()) -> Provide:
    """A litestar dependency giving handlers a ``ListQuery`` from the standard query params.

    ``sortable`` (the list's sort keys) only describes ``sort`` in the OpenAPI document; the
    list's service still checks the key and answers 422 naming the allowed ones.
    """

    async def list_query(
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        sort: Annotated[str, QueryParameter(max_length=64)] = default_sort,
        order: FromQuery[Literal["asc", "desc"]] = "desc",
    ) -> ListQuery:
        return ListQuery(page=page, page_size=page_size, sort=sort, order=order)

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
