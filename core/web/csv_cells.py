"""The cells of a CSV export, formatted a column at a time by a plan made once per export.

An export writes millions of cells; asking every cell what it is (an ``isinstance`` chain per
value) cost more than reading the rows. The plan picks one converter per column from the
field's declared type, and each converter formats a whole column of a batch in one
comprehension whose fast path is the declared type itself. Anything else the column may hold
(``None``, ``UNSET``, a formula to defuse, a value of another type) falls back to ``cell``, the
one definition of the export's rules, so the fast paths can only ever agree with it.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from operator import attrgetter, itemgetter
from typing import Any, Union, get_args, get_origin

import msgspec

# Spreadsheet apps run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_STARTS = frozenset(FORMULA_START)
_SIGNS = frozenset("+-")

Converter = Callable[[list], list]
Path = tuple[str, ...]


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


def _text(values: list) -> list:
    # a set lookup of the first character: four times faster than ``startswith`` of a tuple
    # NULLs are answered inline: a call each cost as much as the rest of the column
    return [
        v if v.__class__ is str and v[:1] not in _STARTS else "" if v is None else _signed(v)
        for v in values
    ]


def _signed(value: Any) -> str:
    """A text starting like a formula: a signed plain number (an amount) is ``cell``'s answer
    as it is; anything else is asked of ``cell``."""
    if value.__class__ is str and value[:1] in _SIGNS and PLAIN_NUMBER.fullmatch(value):
        return value
    return _other(value)


def _integer(values: list) -> list:
    # csv.writer writes an int as str() does, which is what ``cell`` answers
    return [v if v.__class__ is int else "" if v is None else cell(v) for v in values]


def _flag(values: list) -> list:
    return [("yes" if v else "no") if v.__class__ is bool else _other(v) for v in values]


def _instant(values: list) -> list:
    """UTC instants (what both databases hand back) go through msgspec's encoder, a C loop
    over the column five times faster than ``isoformat`` one by one, and the same text once
    its ``Z`` is written ``+00:00``; any other value is left to ``cell``."""
    utc = [v if v.__class__ is datetime and v.tzinfo is UTC else None for v in values]
    encoded = msgspec.json.decode(msgspec.json.encode(utc))
    return [
        text[:-1] + "+00:00" if text is not None else "" if v is None else cell(v)
        for text, v in zip(encoded, values, strict=True)
    ]


def _day(values: list) -> list:
    return [v.isoformat() if v.__class__ is date else "" if v is None else cell(v) for v in values]


def _texts(values: list) -> list:
    """A list of texts: most are empty or hold one plain text, which is its own cell."""
    return [
        ""
        if v is None or v == []
        else v[0]
        if v.__class__ is list and len(v) == 1 and v[0].__class__ is str and v[0][:1] not in _STARTS
        else cell(v)
        for v in values
    ]


def _other(value: Any) -> str:
    return "" if value is None else cell(value)


def _any(values: list) -> list:
    return [cell(v) for v in values]


CONVERTERS: dict[Any, Converter] = {
    str: _text,
    int: _integer,
    bool: _flag,
    datetime: _instant,
    date: _day,
    list[str]: _texts,
}


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _concrete(annotation: Any) -> Any:
    """``X`` from ``X | None`` or ``X | UnsetType``; the annotation itself otherwise."""
    if not _is_union(annotation):
        return annotation
    left = [a for a in get_args(annotation) if a not in (type(None), msgspec.UnsetType)]
    return left[0] if len(left) == 1 else annotation


def converter(annotation: Any) -> Converter:
    """The converter of a column declared as ``annotation``; ``cell`` for anything unusual."""
    return CONVERTERS.get(_concrete(annotation), _any)


def nested_struct(annotation: Any) -> type[msgspec.Struct] | None:
    """The Struct inside ``X | None``, if the field holds a nested Struct."""
    candidates = get_args(annotation) if _is_union(annotation) else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            return candidate
    return None


def columns(row_type: type[msgspec.Struct], first: Any = None) -> list[tuple[Path, Any]]:
    """(path, declared type) of each column: one per field, a nested Struct's fields
    flattened as ``a.b``.

    Fields a caller may not see (left UNSET, e.g. system-owner-only ones) are dropped, judged on
    the first row, or on the field's default when there are no rows.
    """
    found: list[tuple[Path, Any]] = []
    for field in msgspec.structs.fields(row_type):
        value = getattr(first, field.name, msgspec.UNSET) if first is not None else None
        hidden = value is msgspec.UNSET if first is not None else field.default is msgspec.UNSET
        if hidden:
            continue
        nested = nested_struct(field.type)
        if nested is not None:
            found.extend(((field.name, *sub), kind) for sub, kind in columns(nested))
        else:
            found.append(((field.name,), field.type))
    return found


class Plan:
    """How one export turns a batch of rows (Structs) into CSV rows, decided once."""

    def __init__(self, row_type: type[msgspec.Struct], first: Any = None) -> None:
        found = columns(row_type, first)
        self.header = [".".join(path) for path, _ in found]
        self._steps = [(path, converter(kind)) for path, kind in found]

    def rows(self, batch: list) -> Iterable[tuple]:
        """The batch's CSV rows: each column read and formatted whole, then zipped."""
        return zip(*self.columns(batch), strict=True)

    def columns(self, batch: list) -> list[list]:
        """The batch's cells a column at a time (``csv_lines.lines`` writes them)."""
        parents: dict[str, list] = {}
        formatted = []
        for path, convert in self._steps:
            if len(path) == 1:
                values = list(map(attrgetter(path[0]), batch))
            else:
                if path[0] not in parents:
                    parents[path[0]] = list(map(attrgetter(path[0]), batch))
                values = _below(parents[path[0]], path[1:])
            formatted.append(convert(values))
        return formatted

    def rows_of(self, batch: Columns) -> Iterable[tuple]:
        """The CSV rows of a batch given as columns: each path's values, as its Struct's field
        would hold them, formatted by the same converter ``rows`` picks for it."""
        return zip(*self.columns_of(batch), strict=True)

    def columns_of(self, batch: Columns) -> list[list]:
        """``rows_of``'s cells a column at a time."""
        return [convert(batch.values[path]) for path, convert in self._steps]


class Columns:
    """A batch of an export read straight into columns (no output Struct a row): each
    column's values under its path (``("current_version", "id")``), every column as long."""

    __slots__ = ("size", "values")

    def __init__(self, size: int, values: dict[Path, list]) -> None:
        self.size, self.values = size, values

    def __len__(self) -> int:
        return self.size


def _below(parents: list, path: Path) -> list:
    """``parent.a.b`` of each parent, ``None`` where a step on the way is missing."""
    values = parents
    for name in path:
        values = [getattr(v, name, None) if v is not None else None for v in values]
    return values


def once(function: Callable, *columns: list) -> list:
    """``function`` of each row's arguments, called once per distinct arguments; the results
    are shared between rows, and only read (formatted into cells), never changed."""
    memo: dict[tuple, Any] = {}
    out = []
    for args in zip(*columns, strict=True):
        try:
            out.append(memo[args])
        except KeyError:
            memo[args] = result = function(*args)
            out.append(result)
        except TypeError:  # unhashable (a list a driver decoded): no memo for it
            out.append(function(*args))
    return out


def transposed(rows: list[dict], keys: list[str]) -> list[tuple]:
    """Each key's values over ``rows``: the rows are read once each, in order (a column at a
    time over thousands of wide row dicts missed the CPU's cache: three times slower)."""
    if not rows:
        return [() for _ in keys]
    if len(keys) == 1:
        return [tuple(row[keys[0]] for row in rows)]
    return list(zip(*map(itemgetter(*keys), rows), strict=True))
