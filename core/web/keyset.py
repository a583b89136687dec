"""Where a row sits in a list's order: as an opaque cursor, as an ORDER BY and as a WHERE bound.

A list's order is (block, sort key, id). Most lists are one block (one table); the users list
is two (invitations, then users). Inside a block rows go by the sort key, ties by id, both in
the list's direction, so every row has exactly one place and a page is "the rows after (or
before) this place": one index range, whatever the depth, where OFFSET reads and drops every
row before the page.

NULL is the largest value on both engines: last ascending, first descending. PostgreSQL does
that by default, SQLite the other way round. A list's own NULL-able column is therefore read
as two runs one after the other (``ranges``): the rows with a value, by ``(key, id)``, then
the rows without, by id; each is one range of the same ``(…, key, id)`` index on both engines.
A key reached through a join that can find no row is sorted by ``(key IS NULL)`` first, then
by the key, in one query: the same order, at the price of a sort no index serves. The rule is
part of the cursor (``NULLS``), so a cursor made under another rule is refused rather than
silently skipping or repeating rows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
from piccolo.columns import (
    Boolean,
    Column,
    Date,
    Numeric,
    Timestamp,
    Timestamptz,
)
from piccolo.columns import (
    Decimal as DecimalColumn,
)
from piccolo.columns.combination import Where, WhereRaw
from piccolo.query import OrderByRaw
from piccolo.table import Table

from core.errors import Invalid

NULLS = "nulls-largest"
NOT_OURS = "not a cursor of this list: use first, last, or a page's value"


@dataclass(frozen=True)
class Block:
    """One table's share of a list: its columns, its (scoped) filters and its sort keys."""

    table: type[Table]
    columns: list
    where: list[Where]
    sortable: dict[str, Column]


@dataclass(frozen=True)
class Position:
    """A row's place: its block, its sort value and its id."""

    block: int
    value: Any
    row_id: Any


def nullable(key: Column) -> bool:
    """A key can be NULL when its column can, or a join on the way to it can find no row."""
    chain = getattr(key._meta, "call_chain", None) or []
    return bool(key._meta.null) or any(fk._meta.null for fk in chain)


def _name(column: Column) -> str:
    return column._meta.get_full_name(with_alias=False)


def apart(key: Column) -> bool:
    """A list's own NULL-able column: its values and its NULLs are read as two runs."""
    return nullable(key) and not getattr(key._meta, "call_chain", None)


def ranges(
    table: type[Table], key: Column, at: Position | None, ascending: bool
) -> list[list[Where]]:
    """The bounds of the reads that give a block's rows after ``at`` (before it, reading
    ``ascending`` False), in read order; no ``at``: the whole block.

    One read, but for a key ``apart``: its values (``(key, id) > (v, i)`` leaves NULL out,
    ``IS NOT NULL`` unbounded), then its NULLs by id, reversed reading descending; a run that
    lies wholly on the other side of ``at`` is not read. Each is one index range where
    ``(key IS NULL), key, id`` in one query sorted the block (an expression index serves
    that order, but neither engine reads a bound on it as a range).
    """
    if not apart(key):
        return [[beyond(table, key, at.value, at.row_id, ascending)] if at else []]
    pk = table._meta.primary_key
    values: list | None = [key.is_not_null()]
    nulls: list | None = [key.is_null()]
    if at is not None and at.value is None:
        nulls.append(pk > at.row_id if ascending else pk < at.row_id)
        values = None if ascending else values
    elif at is not None:
        values = [_row_bound(table, key, at.value, at.row_id, ascending)]
        nulls = nulls if ascending else None
    runs = [values, nulls] if ascending else [nulls, values]
    return [run for run in runs if run is not None]


def _row_bound(table: type[Table], key: Column, value: Any, row_id: Any, greater: bool) -> Where:
    sign = ">" if greater else "<"
    names = f"{_name(key)}, {_name(table._meta.primary_key)}"
    return WhereRaw(f"({names}) {sign} ({{}}, {{}})", value, row_id)


def ordered(
    select,
    table: type[Table],
    key: Column,
    ascending: bool,
    whole: bool = True,
    lead: Column | None = None,
):
    """``select`` sorted by ``key`` (NULL largest) with a stable tie-break on the primary key.

    ``whole`` False: the select is one run of ``ranges`` (all values or all NULLs), sorted by
    ``(key, id)`` alone so the index's order is the run's. ``lead``: a column holding one value
    in every row selected, sorted by first so only its index gives the order
    (``core.db.pinned``).
    """
    pk = table._meta.primary_key
    if lead is not None:
        select = select.order_by(lead, ascending=ascending)
    if key is pk:
        return select.order_by(pk, ascending=ascending)
    if nullable(key) and (whole or not apart(key)):
        # false (a value) before true (NULL) ascending; piccolo adds the direction to each term
        select = select.order_by(OrderByRaw(f"({_name(key)} IS NULL)"), ascending=ascending)
    select = select.order_by(key, ascending=ascending)
    return select.order_by(pk, ascending=ascending)


def beyond(table: type[Table], key: Column, value: Any, row_id: Any, greater: bool) -> Where:
    """The rows greater (``greater``) or smaller than the row (value, id) in ascending order.

    A list's own non-null column is a row-value comparison ``(key, id) > (value, id)``: both
    engines read it as one range of a ``(…, key, id)`` index, where the equivalent ``key > v OR
    (key = v AND id > i)`` made SQLite scan from the start each time. Joined and nullable keys
    spell the order out, NULL being larger than any value.
    """
    pk = table._meta.primary_key
    if key is pk:
        return pk > row_id if greater else pk < row_id
    if not nullable(key) and not getattr(key._meta, "call_chain", None):
        return _row_bound(table, key, value, row_id, greater)
    if value is None:
        if greater:
            return key.is_null() & (pk > row_id)
        return key.is_not_null() | (key.is_null() & (pk < row_id))
    if greater:
        clause = (key > value) | ((key == value) & (pk > row_id))
        return clause | key.is_null() if nullable(key) else clause
    return (key < value) | ((key == value) & (pk < row_id))


def encode(list_name: str, direction: str, sort: str, order: str, at: Position) -> str:
    value = at.value
    if isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = msgspec.json.encode(
        [list_name, direction, sort, order, NULLS, at.block, value, at.row_id]
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(
    text: str, list_name: str, sort: str, order: str, keys: list[Column]
) -> tuple[str, Position]:
    """(direction, position) of a ``next``/``previous`` cursor; 422 when it is not this list's.

    ``keys`` is the sort column of each block: the value must be one that column can hold, so
    a forged cursor never reaches the database as a type error (a 500).
    """
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        name, direction, c_sort, c_order, nulls, block, value, row_id = msgspec.json.decode(raw)
    except (ValueError, TypeError, msgspec.DecodeError):
        raise Invalid.field("cursor", NOT_OURS) from None
    if name != list_name or nulls != NULLS or direction not in ("after", "before"):
        raise Invalid.field("cursor", NOT_OURS)
    if (c_sort, c_order) != (sort, order):
        raise Invalid.field("cursor", "the cursor was made for another sort or order")
    if type(block) is not int or not 0 <= block < len(keys) or type(row_id) is not int:
        raise Invalid.field("cursor", NOT_OURS)
    return direction, Position(block, _value(keys[block], value), row_id)


def _value(key: Column, value: Any) -> Any:
    """The cursor's sort value as the key's column type; 422 when it cannot be one."""
    if value is None:
        if nullable(key):
            return None
        raise Invalid.field("cursor", NOT_OURS)
    try:
        if isinstance(key, Timestamptz | Timestamp):
            parsed = datetime.fromisoformat(value)
            if isinstance(key, Timestamptz) and parsed.tzinfo is None:
                raise ValueError
            return parsed
        if isinstance(key, Date):
            return date.fromisoformat(value)
        if isinstance(key, Numeric | DecimalColumn):
            number = Decimal(value) if isinstance(value, str) else _refuse()
            return number if number.is_finite() else _refuse()
        if isinstance(key, Boolean):
            return value if type(value) is bool else _refuse()
        if key.value_type is int:
            return value if type(value) is int and abs(value) < 2**63 else _refuse()
        if key.value_type is str:
            return value if type(value) is str and "\x00" not in value else _refuse()
    except (TypeError, ValueError, InvalidOperation):
        raise Invalid.field("cursor", NOT_OURS) from None
    return _refuse()


def _refuse() -> Any:
    raise Invalid.field("cursor", NOT_OURS)
