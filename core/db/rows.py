"""The rows of a plain SELECT as piccolo gives them, decoded a column at a time (issue 9).

Piccolo reads SQLite with ``PARSE_DECLTYPES``: every value of a column whose declared type has
a converter goes through a Python function (an ``INTEGER`` as ``int(Decimal(text))``, a flag,
an instant), and every row through a Python dict factory. For an export's batch of 5,000 rows
that was most of the read: the agreements' batch took 207 ms of CPU through the converters and
52 ms as plain tuples (the same statement through ``sqlite3`` both ways, on a loaded machine).

``fetch`` runs the statement piccolo compiled on a connection without converters and decodes
each column once, knowing its declared type from the schema (``PRAGMA table_info``): values
SQLite already hands back as piccolo would (an integer of an ``INTEGER`` column, text) are kept,
flags and instants are converted a column at a time, and any other converted type goes through
SQLite's own registered converter, so the result is the same value piccolo gives
(``tests/test_fast_rows.py`` compares both on every column of every table). A value of a
storage class whose text SQLite renders differently from Python (a REAL in a converted column)
sends the whole batch back to piccolo. So does anything outside the plain case: a transaction
in progress (its connection must read its own writes), JSON loading, objects, nesting,
many-to-many columns, a computed column not declared an ``IntegerExpression``, and every other
engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.columns.m2m import M2MSelect
from piccolo.engine.sqlite import (
    convert_boolean_out,
    convert_date_out,
    convert_int_out,
    convert_timestamptz_out,
)
from piccolo.querystring import QueryString

from core.db.engine import engine

_INTEGER = "INTEGER"  # the declared type ``integer`` gives a computed column
_declared: dict[tuple[str, str], dict[str, str | None]] = {}  # (file, table) -> column -> type


class _Unsure(Exception):
    """A value whose converted form piccolo's path alone can tell: read the batch there."""


class IntegerExpression(QueryString):
    """A computed column (a subquery giving an id) declared an integer, so ``fetch`` can read
    it: SQLite knows a subquery's declared type, Python's driver cannot ask it."""

    __slots__ = ()


async def fetch(select: Any) -> list[dict]:
    """``await select``'s rows (dicts keyed as piccolo keys them), read without converters."""
    db = engine()
    plain = getattr(db, "fetch_plain", None)
    if plain is None or db.current_transaction.get() is not None:
        return await select
    types = await _column_types(db, select)
    if types is None:
        return await select
    sql, args = select.querystrings[0].compile_string(engine_type="sqlite")
    names, tuples = await plain(sql, args)
    if len(names) != len(types) or any("[" in name for name in names):
        return await select  # piccolo's PARSE_COLNAMES would read a "[type]" in a name
    if not tuples:
        return []
    try:
        columns = zip(types, zip(*tuples, strict=True), strict=True)
        decoded = [_decode(kind, values) for kind, values in columns]
    except _Unsure:
        return await select
    # every row has as many values as there are names (checked above): no per-row check
    return [dict(zip(names, row, strict=False)) for row in zip(*decoded, strict=True)]


async def _column_types(db: Any, select: Any) -> list[str | None] | None:
    """The declared type of each selected column as SQLite sees it (first word, upper case),
    or ``None`` when the select is not one ``fetch`` reads."""
    output = select.output_delegate._output
    if output.as_json or output.as_list or output.as_objects or output.load_json or output.nested:
        return None
    selected = select.columns_delegate.selected_columns
    if not selected or len(select.querystrings) != 1:
        return None  # ``SELECT *``: the columns are the table's, in an order not asked here
    types: list[str | None] = []
    for item in selected:
        if isinstance(item, M2MSelect):
            return None
        if isinstance(item, Column):
            table = item._meta.table
            declared = await _table_types(db, table._meta.tablename)
            types.append(declared.get(item._meta.db_column_name))
        elif isinstance(item, IntegerExpression):
            types.append(_INTEGER)
        else:
            return None
    return types


async def _table_types(db: Any, table: str) -> dict[str, str | None]:
    """Each column's declared type, read from the schema once a process and database file."""
    key = (db.path, table)
    if key not in _declared:
        names, rows = await db.fetch_plain(f'PRAGMA table_info("{table}")', [])
        at = {name: n for n, name in enumerate(names)}
        _declared[key] = {row[at["name"]]: _first_word(row[at["type"]]) for row in rows}
    return _declared[key]


def _first_word(declared: str | None) -> str | None:
    """The converter's name as Python's sqlite3 takes it from a declared type."""
    if not declared:
        return None
    word = declared.split(" ", 1)[0].split("(", 1)[0]
    return word.upper() or None


def _decode(kind: str | None, values: tuple) -> Sequence:
    convert = sqlite3.converters.get(kind) if kind else None
    if convert is None:
        return values  # no converter: piccolo gets exactly what SQLite gives
    if convert is convert_int_out:
        return [v if v is None or v.__class__ is int else convert(_text(v)) for v in values]
    if convert is convert_boolean_out:
        return [v == 1 if v.__class__ is int else _one(convert, v) for v in values]
    if convert is convert_timestamptz_out:
        return [_instant(v) if v.__class__ is str else _one(convert, v) for v in values]
    if convert is convert_date_out:
        return [date.fromisoformat(v) if v.__class__ is str else _one(convert, v) for v in values]
    return [_one(convert, v) for v in values]


def _instant(text: str) -> datetime:
    """piccolo's converter (the text's clock time, read as UTC) without its ``replace`` where
    the text is already UTC (``+00:00``, as both the app and piccolo write it): the same
    value, and ``replace`` was a third of the column's cost."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is UTC else value.replace(tzinfo=UTC)


def _one(convert: Any, value: Any) -> Any:
    return None if value is None else convert(_text(value))


def _text(value: Any) -> bytes:
    """The bytes a converter is given: SQLite's text of the value."""
    if value.__class__ is str:
        return value.encode("utf-8")
    if value.__class__ is int:
        return str(value).encode("ascii")
    if value.__class__ is bytes:
        return value
    raise _Unsure  # a REAL: SQLite writes it as "%!.15g", not as Python's repr
