"""The column plan of an export formats every value as ``cell`` does, one at a time: its fast
paths (chosen from the declared type) may only ever be shortcuts, never other rules. And the
export reads the next batch while the current one is written, and stops reading when the
client leaves."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import msgspec

from core.web import csv_export
from core.web.csv_cells import Plan, cell
from core.web.listing import ListQuery


class Inner(msgspec.Struct):
    label: str
    amount: str | None
    at: datetime | None


class Row(msgspec.Struct):
    id: int
    name: str
    note: str | None
    flag: bool
    day: date
    at: datetime
    maybe_at: datetime | None
    emails: list[str]
    settings: dict[str, Any]
    anything: Any
    hidden: str | msgspec.UnsetType = msgspec.UNSET
    inner: Inner | None = None


TEXTS = ["plain", "", "=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx", "-5.00", "+12", "Zürich 東京"]
INSTANTS = [
    datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone(timedelta(hours=9))),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(1900, 1, 1, tzinfo=timezone(timedelta(seconds=3208))),  # an offset with seconds
    datetime(2025, 6, 1, 12, 30),  # no zone at all
]
LISTS = [[], ["a@b.test"], ["=x"], ["-5"], ["a", "=b"], ["-1", "x"]]
ODD = [None, 7, -7, 1.5, True, time(1, 2), {"k": "=v"}, ["x", 1], "=odd"]


def rows() -> list[Row]:
    made = []
    combos = itertools.zip_longest(TEXTS, INSTANTS, LISTS, ODD, fillvalue=None)
    for n, (text, at, emails, odd) in enumerate(combos):
        text = text if text is not None else "t"
        at = at or INSTANTS[0]
        inner = None if n % 3 == 0 else Inner(text, None if n % 2 else "-1.500000", at)
        made.append(
            Row(
                id=-n,
                name=text,
                note=None if n % 2 else text,
                flag=bool(n % 2),
                day=date(2026, 1, 1) + timedelta(days=n),
                at=at,
                maybe_at=None if n % 2 else at,
                emails=emails if emails is not None else ["p@q.test"],
                settings={"mode": text, "n": n},
                anything=odd,
                inner=inner,
            )
        )
    return made


def one_at_a_time(row: Row, header: list[str]) -> list[str]:
    values = []
    for name in header:
        value: Any = row
        for part in name.split("."):
            value = getattr(value, part, None) if value is not None else None
        values.append(cell(value))
    return values


def written(rows) -> str:
    """Rows as the CSV writer writes them (it turns an int into its digits itself)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def test_the_plan_formats_every_value_as_cell_does():
    batch = rows()
    plan = Plan(Row, batch[0])
    assert "hidden" not in plan.header  # UNSET on the first row: not the caller's to see
    assert plan.header[-3:] == ["inner.label", "inner.amount", "inner.at"]
    one_by_one = [one_at_a_time(r, plan.header) for r in batch]
    assert written(plan.rows(batch)) == written(one_by_one)


def test_the_columns_of_an_empty_export_come_from_the_defaults():
    plan = Plan(Row)
    assert "hidden" not in plan.header and "name" in plan.header
    assert list(plan.rows([])) == []


def test_cells_follow_the_rules():
    row = rows()[2]  # name "=1+1", emails ["=x"]
    plan = Plan(Row, row)
    line = written(plan.rows([row]))
    formatted = dict(zip(plan.header, next(csv.reader(io.StringIO(line))), strict=True))
    assert formatted["name"] == "'=1+1" and formatted["emails"] == "'=x"
    assert formatted["flag"] == "no" and formatted["id"] == "-2"
    assert formatted["at"] == "0001-01-01T00:00:00+00:00" and formatted["day"] == "2026-01-03"
    assert formatted["inner.amount"] == "-1.500000"  # an amount is not a formula
    assert formatted["settings"] == '{"mode":"=1+1","n":2}'  # JSON text, not a formula


class Item(msgspec.Struct):
    id: int


def _fetcher(total: int, events: list):
    """A list of ``total`` rows read in batches, noting when each batch is asked and done."""

    async def fetch(query) -> tuple[list, int]:
        events.append(("asked", query.page))
        await asyncio.sleep(0.01)
        start = (query.page - 1) * query.page_size
        events.append(("read", query.page))
        return [Item(n) for n in range(start, min(total, start + query.page_size))], 0

    return fetch


async def test_the_next_batch_is_read_while_the_current_one_is_written(monkeypatch):
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    events: list = []
    response = await csv_export.respond("items", Item, _fetcher(5, events), ListQuery())
    body = response.iterator
    assert await anext(body) == "\ufeffid\r\n".encode()
    assert await anext(body) == b"0\r\n1\r\n"
    assert ("asked", 2) in events  # asked before the first batch was handed on
    assert ("read", 2) not in events
    rest = [chunk async for chunk in body]
    assert rest == [b"2\r\n3\r\n", b"4\r\n"]
    assert [e for e in events if e[0] == "asked"] == [("asked", 1), ("asked", 2), ("asked", 3)]


async def test_a_client_leaving_mid_file_cancels_the_read_ahead(monkeypatch):
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    events: list = []
    response = await csv_export.respond("items", Item, _fetcher(100, events), ListQuery())
    body = response.iterator
    await anext(body)
    await anext(body)
    await body.aclose()
    await asyncio.sleep(0.05)
    assert ("asked", 2) in events and ("read", 2) not in events
