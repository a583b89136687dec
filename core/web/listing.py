"""One way to page, sort and count a list, shared by every API list and UI table.

Sort keys are whitelisted per list so a query string can never name an arbitrary column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.table import Table

from core.errors import Invalid

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25


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


def make_page(items: list, total: int, query: ListQuery) -> Page:
    pages = max(1, -(-total // query.page_size))
    return Page(items=items, total=total, page=query.page, page_size=query.page_size, pages=pages)
