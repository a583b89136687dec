"""What every list page shares: columns the user can hide, sorting, paging, filter parsing.

A hand-edited query string must never produce an error page, so unreadable values fall back to
defaults here instead of reaching the services' strict validation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from core.access.guards import signed_in
from core.errors import Invalid, NotFound
from core.ui.forms import read_form
from core.ui.render import local_path, redirect
from core.web.listing import DEFAULT_PAGE_SIZE, TOTAL_CAP, Cursors, ListQuery

PAGE_SIZES = (10, 25, 50, 100)
COOKIE_PREFIX = "bo_cols_"
COOKIE_DAYS = 365


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # the service's sort key, when the column is sortable
    default: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    default_sort: str = "id"
    default_order: str = "desc"

    @property
    def sort_keys(self) -> set[str]:
        return {c.sort for c in self.columns if c.sort}

    def visible(self, request: Request) -> list[Column]:
        raw = request.cookies.get(COOKIE_PREFIX + self.name)
        if not raw:
            return [c for c in self.columns if c.default]
        chosen = set(raw.split("."))
        shown = [c for c in self.columns if c.key in chosen]
        return shown or [c for c in self.columns if c.default]

    def query(self, request: Request) -> ListQuery:
        params = request.query_params
        sort = params.get("sort") or self.default_sort
        order = params.get("order") or self.default_order
        size = as_int(params.get("page_size"), DEFAULT_PAGE_SIZE)
        return ListQuery(
            page=max(1, as_int(params.get("page"), 1)),
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            sort=sort if sort in self.sort_keys else self.default_sort,
            order=order if order in ("asc", "desc") else self.default_order,
            cursor=params.get("cursor") or None,
        )


TABLES: dict[str, Table] = {}


def register(table: Table) -> Table:
    TABLES[table.name] = table
    return table


def as_int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def as_bool(value: str | None) -> bool | None:
    """The tri-state filters: ``yes``/``no`` filter, anything else means "any"."""
    return {"yes": True, "no": False}.get(value or "")


def pager(
    total: int, query: ListQuery, cursors: Cursors | None = None, notice: str | None = None
) -> dict:
    """``total`` as ``fetch_page`` counts it: above ``TOTAL_CAP`` it shows as "10000+"."""
    capped = total > TOTAL_CAP
    total = min(total, TOTAL_CAP)
    pages = max(1, -(-total // query.page_size))
    first = (query.page - 1) * query.page_size + 1 if total else 0
    return {
        "total": total,
        "capped": capped,
        # every list links first / previous / next / last by key (``cursor``)
        "cursors": cursors or Cursors(),
        "notice": notice,
        # reached by a cursor: where the page sits is not known, only the total
        "keyed": query.cursor not in (None, "first"),
        "page": query.page,
        "pages": pages,
        "page_size": query.page_size,
        "sizes": PAGE_SIZES,
        "first": first,
        "last": min(total, query.page * query.page_size),
        "sort": query.sort,
        "order": query.order,
    }


STALE_LINK = "That page link is out of date: this is the first page."


async def listed(
    fetch: Callable[[ListQuery], Awaitable[tuple[list, int, Cursors]]], query: ListQuery
) -> tuple[list[Any], dict]:
    """One page's items and its ``pager``. A cursor that no longer fits (edited, or made for
    another sort) shows the first page with a notice, never an error page."""
    try:
        items, total, cursors = await fetch(query)
        return items, pager(total, query, cursors)
    except Invalid as exc:
        if not any(e.get("field") == "cursor" for e in exc.errors or []):
            raise
    query = replace(query, cursor=None, page=1)
    items, total, cursors = await fetch(query)
    return items, pager(total, query, cursors, STALE_LINK)


@post("/ui/columns/{table:str}", include_in_schema=False, guards=[signed_in()])
async def choose_columns(request: Request, table: FromPath[str]) -> Response:
    """Remember which columns of a list the user wants to see (a cookie: no server state)."""
    spec = TABLES.get(table)
    if spec is None:
        raise NotFound(f"no list named {table}")
    form = await request.form()
    known = {c.key for c in spec.columns}
    chosen = [key for key in form.getall("col", []) if key in known]
    data = await read_form(request)
    response = redirect(local_path(data.get("back"), "/"))
    response.set_cookie(
        COOKIE_PREFIX + spec.name,
        ".".join(chosen) or ".".join(c.key for c in spec.columns if c.default),
        path="/",
        max_age=COOKIE_DAYS * 86400,
        samesite="lax",
        httponly=True,
    )
    return response
