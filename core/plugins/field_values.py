"""Turning what an API client or an HTML form sent into one declared field's typed value.

Each function raises ``ValueError`` with words fit for the person who typed the value; the
caller (``core.plugins.fields.validate_values``) collects them so every broken field is named
in one answer. Strings are accepted for numbers, booleans and lists because HTML forms send
nothing else; sizes are capped before parsing so hostile input costs little.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

INT64 = 2**63 - 1
MAX_TEXT = 10_000  # characters in one string unless the field declares max_length
MAX_ITEMS = 1_000  # entries in one list or key-value field unless it declares max_items
_NUMBER_TEXT = 64  # characters in a written number; far beyond any real setting

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if (
        isinstance(value, str)
        and len(value) <= _NUMBER_TEXT
        and re.fullmatch(r"-?\d+", value.strip())
    ):
        value = int(value)
    if not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not -INT64 - 1 <= value <= INT64:
        raise ValueError(f"must be between {-INT64 - 1} and {INT64}")
    return value


def decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('must be a decimal written as a string (e.g. "12.50"), not a float')
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError("must be a decimal number")
    if isinstance(value, Decimal):
        result = value
    else:
        text = str(value).strip()
        if len(text) > _NUMBER_TEXT:
            raise ValueError(f"must be a decimal number of at most {_NUMBER_TEXT} characters")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError("must be a decimal number") from None
    if not result.is_finite():
        raise ValueError("must be a finite decimal number")
    if abs(result.adjusted()) > _NUMBER_TEXT:
        raise ValueError("is too large or too small")
    return result


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def text(value: Any, limit: int) -> str:
    """A string without NUL characters, no longer than ``limit``."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\u0000)")
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")
    return value


def lines(value: Any, limit: int) -> list[Any]:
    """A list from JSON, or a form's textarea split into its non-blank lines."""
    if isinstance(value, str):
        text(value, limit * 200)
        value = [line.strip() for line in value.splitlines() if line.strip()]
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list")
    if len(value) > limit:
        raise ValueError(f"must have at most {limit} entries")
    return list(value)


def pairs(value: Any, limit: int) -> list[tuple[Any, Any]]:
    """Key-value entries from a JSON object, a list of ``[key, value]`` or ``key=value`` lines."""
    if isinstance(value, Mapping):
        entries = list(value.items())
    else:
        entries = []
        for position, line in enumerate(lines(value, limit), start=1):
            if isinstance(line, str):
                if "=" not in line:
                    raise ValueError(f'line {position}: write "key=value"')
                key, _, item = line.partition("=")
                entries.append((key.strip(), item.strip()))
            elif isinstance(line, list | tuple) and len(line) == 2:
                entries.append((line[0], line[1]))
            else:
                raise ValueError(f"entry {position}: must be a [key, value] pair")
    if len(entries) > limit:
        raise ValueError(f"must have at most {limit} entries")
    return entries
