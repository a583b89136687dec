"""CSV export of any list: one writer for every API list (``?format=csv``) and UI table.

The export reuses the list's own service function, filters and sort, so a file can never hold a
row the list would not show (the tenant scope lives in the service). Columns are the fields of
the list's output Struct, the same names the JSON API uses; amounts stay the decimal strings the
API gives, never floats.

All matching rows are read in batches by key (``ListQuery.resume``): each batch starts after
the last row read, so the export costs the same per row however many there are, and nothing is
counted. There is no row cap: the file streams as it is read, at most two batches in memory:
the next batch's query is already in flight while the current one is formatted (read-ahead),
so the database and the formatting overlap instead of taking turns. Cells are formatted a
column at a time by a plan made once per export (``core.web.csv_cells``) and written a column
at a time too (``core.web.csv_lines``, the text ``csv.writer`` writes). A wide list may
also read its batches straight into columns (``respond``'s ``columns``: the agreements and
portals do), skipping its output Struct a row; its cells are still the plan's. Issue 9's
target is 50,000 rows/s; ``benchmarks/bench_csv_export.py`` measures every list.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request
from litestar.params import QueryParameter
from litestar.response import Stream

from core.web.csv_cells import Columns, Plan
from core.web.csv_cells import cell as cell  # the export's rules, one value at a time
from core.web.csv_lines import lines
from core.web.listing import ListQuery, Resume

PAGE_SIZE = 5_000
BOM = "\ufeff"
# litestar appends "; charset=utf-8" to every text/* type itself; naming it here doubled it.
MEDIA_TYPE = "text/csv"

ExportFormat = Annotated[
    Literal["json", "csv"],
    QueryParameter(
        description="csv: every matching row as a CSV download (same filters and sort, "
        "paging ignored, every row)"
    ),
]
Fetch = Callable[[ListQuery], Awaitable[tuple[list, int, Any]]]
ColumnFetch = Callable[[ListQuery], Awaitable[tuple[Columns, int, Any]]]


class CsvStream(Stream):
    """A stream that keeps its own media type: litestar's ``Stream`` lets the handler's default
    (JSON) win, which would label the file ``application/json``."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)


def wanted(request: Request) -> bool:
    """UI lists read their query string leniently; ``format=csv`` asks for the file."""
    return request.query_params.get("format") == "csv"


def _encode(rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _settled(task: asyncio.Future) -> None:
    """A read-ahead nobody will wait for: its failure, if any, is no one's to report."""
    if not task.cancelled():
        task.exception()


async def respond(
    name: str,
    row_type: type[msgspec.Struct],
    fetch: Fetch,
    query: ListQuery,
    columns: ColumnFetch | None = None,
) -> CsvStream:
    """All rows ``fetch`` gives under ``query``'s sort, as a CSV download named ``name``.

    The first batch is read before answering, so a bad sort key still gets a proper 422; the
    rest is read while the file streams. A list may give ``columns`` too: its batches read
    straight into columns (``csv_cells.Columns``), the values ``row_type``'s fields would hold,
    without building a Struct a row; the file is then read through it alone, and a hidden
    (UNSET) field is not something such a list may have.
    """
    if columns is not None:
        fetch = columns
    resume = Resume()

    def batch_query(number: int) -> ListQuery:
        return ListQuery(number, PAGE_SIZE, query.sort, query.order, resume=resume)

    items, *_ = await fetch(batch_query(1))
    plan = Plan(row_type, items[0] if items and columns is None else None)
    cells = plan.columns if columns is None else plan.columns_of

    async def body() -> AsyncIterator[bytes]:
        yield BOM.encode("utf-8") + _encode([plan.header])
        batch, number, ahead = items, 1, None
        try:
            while batch:
                if len(batch) == PAGE_SIZE:
                    # ``resume`` already points past this batch: read the next one meanwhile
                    number += 1
                    ahead = asyncio.ensure_future(fetch(batch_query(number)))
                    await asyncio.sleep(0)  # let it send its query before formatting starts
                yield lines(cells(batch)).encode("utf-8")
                if ahead is None:
                    break
                batch, *_ = await ahead
                ahead = None
        finally:
            if ahead is not None:  # the client went away mid-file
                ahead.cancel()
                ahead.add_done_callback(_settled)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return CsvStream(
        body(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
