"""CSV export of any list: one writer for every API list (``?format=csv``) and UI table.

The export reuses the list's own service function, filters and sort, so a file can never hold a
row the list would not show (the tenant scope lives in the service). Columns are the fields of
the list's output Struct, the same names the JSON API uses; amounts stay the decimal strings the
API gives, never floats.

All matching rows are read in batches by key (``ListQuery.resume``): each batch starts after
the last row read, so the export costs the same per row however many there are, and nothing is
counted. There is no row cap: the file streams as it is read, one batch in memory at a time.
"""

from __future__ import annotations

import csv
import io
import re
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from litestar import Request
from litestar.params import QueryParameter
from litestar.response import Stream

from core.web.listing import ListQuery, Resume

PAGE_SIZE = 2_000
BOM = "\ufeff"
# litestar appends "; charset=utf-8" to every text/* type itself; naming it here doubled it.
MEDIA_TYPE = "text/csv"
# Spreadsheet apps run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")

ExportFormat = Annotated[
    Literal["json", "csv"],
    QueryParameter(
        description="csv: every matching row as a CSV download (same filters and sort, "
        "paging ignored, every row)"
    ),
]
Fetch = Callable[[ListQuery], Awaitable[tuple[list, int, Any]]]


class CsvStream(Stream):
    """A stream that keeps its own media type: litestar's ``Stream`` lets the handler's default
    (JSON) win, which would label the file ``application/json``."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)


def wanted(request: Request) -> bool:
    """UI lists read their query string leniently; ``format=csv`` asks for the file."""
    return request.query_params.get("format") == "csv"


def _struct_type(annotation: Any) -> type[msgspec.Struct] | None:
    """The Struct inside ``X | None``, if the field holds a nested Struct."""
    candidates = get_args(annotation) if _is_union(annotation) else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            return candidate
    return None


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def columns(row_type: type[msgspec.Struct], first: Any = None) -> list[tuple[str, ...]]:
    """Paths of the columns: one per field, a nested Struct's fields flattened as ``a.b``.

    Fields a caller may not see (left UNSET, e.g. system-owner-only ones) are dropped, judged on
    the first row, or on the field's default when there are no rows.
    """
    paths: list[tuple[str, ...]] = []
    for field in msgspec.structs.fields(row_type):
        value = getattr(first, field.name, msgspec.UNSET) if first is not None else None
        hidden = value is msgspec.UNSET if first is not None else field.default is msgspec.UNSET
        if hidden:
            continue
        nested = _struct_type(field.type)
        if nested is not None:
            paths.extend((field.name, *sub) for sub in columns(nested))
        else:
            paths.append((field.name,))
    return paths


def _get(row: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        row = getattr(row, name, None)
        if row is None:
            return None
    return row


def cell(value: Any) -> str:
    """One value as text: yes/no, ISO 8601, ``; ``-joined lists, and no live formulas."""
    if value is None or value is msgspec.UNSET:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return safe("; ".join(cell(v) for v in value))
    if isinstance(value, dict | msgspec.Struct):
        return safe(msgspec.json.encode(value).decode())
    if isinstance(value, int | float):
        return str(value)
    return safe(str(value))


def safe(text: str) -> str:
    """A leading quote defuses a formula; signed plain numbers (amounts) are left alone."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _encode(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def respond(
    name: str, row_type: type[msgspec.Struct], fetch: Fetch, query: ListQuery
) -> CsvStream:
    """All rows ``fetch`` gives under ``query``'s sort, as a CSV download named ``name``.

    The first batch is read before answering, so a bad sort key still gets a proper 422; the
    rest is read while the file streams.
    """
    resume = Resume()

    def batch_query(number: int) -> ListQuery:
        return ListQuery(number, PAGE_SIZE, query.sort, query.order, resume=resume)

    items, *_ = await fetch(batch_query(1))
    paths = columns(row_type, items[0] if items else None)

    async def body() -> AsyncIterator[bytes]:
        yield BOM.encode("utf-8") + _encode([[".".join(p) for p in paths]])
        batch, number = items, 1
        while batch:
            yield _encode([[cell(_get(row, p)) for p in paths] for row in batch])
            if len(batch) < PAGE_SIZE:
                break
            number += 1
            batch, *_ = await fetch(batch_query(number))

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return CsvStream(
        body(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
