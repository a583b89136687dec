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

``fetch_columns`` gives the same values as columns (``Columnar``), for an export that formats
them a column at a time, without the dict a row it took apart again (the agreements' reads,
batches in turn on PostgreSQL: 2.5 → 1.4 s of CPU per 100,000 rows). On PostgreSQL it reads
asyncpg's records itself (piccolo only makes dicts of them for a plain select) and transposes
them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from operator import attrgetter
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


class Columnar:
    """A statement's rows as columns: each name's values, in the rows' order, every column as
    long (``size``). What an export formats a column at a time, read without a dict a row."""

    __slots__ = ("columns", "size")

    def __init__(self, columns: dict[str, Sequence], size: int) -> None:
        self.columns, self.size = columns, size

    @classmethod
    def of_rows(cls, rows: list[dict]) -> Columnar:
        """Rows read another way (piccolo's dicts) as columns, keyed as their dicts are."""
        if not rows:
            return cls({}, 0)
        names = list(rows[0])
        values = zip(*(row.values() for row in rows), strict=True)
        return cls(dict(zip(names, values, strict=True)), len(rows))

    @classmethod
    def joined(cls, parts: list[Columnar]) -> Columnar:
        """Parts read one after the other (runs of a batch) as one, in that order."""
        parts = [part for part in parts if part.size]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls({}, 0)
        names = list(parts[0].columns)
        columns = {name: [v for part in parts for v in part.columns[name]] for name in names}
        return cls(columns, sum(part.size for part in parts))

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, name: str) -> Sequence:
        # a read of no rows may not know its names (asyncpg gives none): each column is empty
        return self.columns[name] if self.size else self.columns.get(name, ())

    def rows(self) -> list[dict]:
        """The rows as piccolo gives them (dicts): for the rare read that merges runs."""
        names = list(self.columns)
        return [
            dict(zip(names, row, strict=True)) for row in zip(*self.columns.values(), strict=True)
        ]

    def __iter__(self):
        return iter(self.rows())


async def fetch(select: Any) -> list[dict]:
    """``await select``'s rows (dicts keyed as piccolo keys them), read without converters."""
    read = await _plain_columns(select)
    if read is None:
        return await select
    names, decoded = read
    if not decoded or not decoded[0]:
        return []
    # every row has as many values as there are names (checked): no per-row check
    return [dict(zip(names, row, strict=False)) for row in zip(*decoded, strict=True)]


async def fetch_columns(select: Any) -> Columnar:
    """``await select``'s rows as columns, the very values ``fetch`` (and piccolo) give, with
    no dict a row: SQLite's decoded columns as they are, asyncpg's records (which it decodes in
    C) transposed; anything else is piccolo's rows, transposed."""
    db = engine()
    if getattr(db, "fetch_plain", None) is None:
        records = await _records(db, select)
        if records is None:
            return Columnar.of_rows(await select)
        if not records:
            return Columnar({}, 0)
        names = list(records[0].keys())
        return Columnar(dict(zip(names, zip(*records, strict=True), strict=True)), len(records))
    read = await _plain_columns(select)
    if read is None:
        return Columnar.of_rows(await select)
    names, decoded = read
    size = len(decoded[0]) if decoded else 0
    return Columnar(dict(zip(names, decoded, strict=True)) if size else {}, size)


async def _records(db: Any, select: Any) -> list | None:
    """asyncpg's records of a plain select (its own connection or the transaction's), or
    ``None`` when piccolo would change them on the way (JSON loading, objects, nesting, many-
    to-many): ``transform_response_to_dicts`` is then all piccolo does to them."""
    run = getattr(db, "run_querystring", None)
    if run is None or getattr(db, "engine_type", "") != "postgres" or not _plain(select):
        return None
    return await run(select.querystrings[0])


async def _plain_columns(select: Any) -> tuple[list[str], list[Sequence]] | None:
    """SQLite: the names and decoded columns of ``select`` read without converters, or
    ``None`` when piccolo must read it (see the module's docstring)."""
    db = engine()
    plain = getattr(db, "fetch_plain", None)
    if plain is None or db.current_transaction.get() is not None:
        return None
    types = await _column_types(db, select)
    if types is None:
        return None
    sql, args = select.querystrings[0].compile_string(engine_type="sqlite")
    names, tuples = await plain(sql, args)
    if len(names) != len(types) or any("[" in name for name in names):
        return None  # piccolo's PARSE_COLNAMES would read a "[type]" in a name
    if not tuples:
        return names, []
    try:
        columns = zip(types, zip(*tuples, strict=True), strict=True)
        return names, [_decode(kind, values) for kind, values in columns]
    except _Unsure:
        return None


def _plain(select: Any) -> bool:
    """A select whose rows piccolo hands back as the driver read them (keyed dicts)."""
    output = select.output_delegate._output
    if output.as_json or output.as_list or output.as_objects or output.load_json or output.nested:
        return False
    selected = select.columns_delegate.selected_columns
    if not selected or len(select.querystrings) != 1:
        return False  # ``SELECT *``: the columns are the table's, in an order not asked here
    return not any(isinstance(item, M2MSelect) for item in selected)


async def _column_types(db: Any, select: Any) -> list[str | None] | None:
    """The declared type of each selected column as SQLite sees it (first word, upper case),
    or ``None`` when the select is not one ``fetch`` reads."""
    if not _plain(select):
        return None
    types: list[str | None] = []
    for item in select.columns_delegate.selected_columns:
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
    """A column's values as piccolo's converter gives them. A column whose values are all of
    the storage class the fast path expects (what the app writes) is decoded by ``map``, in C,
    its kinds told by one ``set(map(type, …))``: a comprehension a value cost several times
    more (issue 9); any other column goes value by value as before."""
    convert = sqlite3.converters.get(kind) if kind else None
    if convert is None:
        return values  # no converter: piccolo gets exactly what SQLite gives
    kinds = set(map(type, values))
    if convert is convert_int_out:
        if kinds <= _INTEGERS:
            return values
        return [v if v is None or v.__class__ is int else convert(_text(v)) for v in values]
    if convert is convert_boolean_out:
        if kinds == _INT:
            return list(map(_ONE, values))
        return [v == 1 if v.__class__ is int else _one(convert, v) for v in values]
    if convert is convert_timestamptz_out:
        if kinds == _STR:
            return _instants(values)
        return [_instant(v) if v.__class__ is str else _one(convert, v) for v in values]
    if convert is convert_date_out:
        if kinds == _STR:
            return list(map(date.fromisoformat, values))
        return [date.fromisoformat(v) if v.__class__ is str else _one(convert, v) for v in values]
    return [_one(convert, v) for v in values]


_INT, _STR, _INTEGERS = {int}, {str}, {int, type(None)}
_ONE = (1).__eq__  # piccolo's flag: the stored integer equals 1


def _instants(texts: tuple[str, ...]) -> list[datetime]:
    """``_instant`` of every text: parsed by ``map``; only values not already UTC are
    given UTC afterwards (piccolo's ``replace``), found by one ``set`` of the zones."""
    values = list(map(datetime.fromisoformat, texts))
    if set(map(_ZONE, values)) == {UTC}:
        return values
    return [v if v.tzinfo is UTC else v.replace(tzinfo=UTC) for v in values]


_ZONE = attrgetter("tzinfo")


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
