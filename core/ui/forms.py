"""HTML form posts into msgspec Structs, and every failure into per-field messages.

Browsers send strings and omit unchecked boxes, so each form declares which fields are
checkboxes; the Struct then validates exactly like the JSON API does.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request

from core.errors import DomainError

CSRF_FIELD = "_csrf_token"
_AT = re.compile(r"\s*-\s*at `\$\.?([A-Za-z0-9_]*)[^`]*`$")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")
_FRIENDLY = (
    (re.compile(r"Expected `str` of length >= 1"), "This field is required."),
    (re.compile(r"Expected `str` of length <= (\d+)"), "Use at most {0} characters."),
    (re.compile(r"Invalid enum value '(.*)'"), "Choose one of the offered values."),
    (re.compile(r"Object missing required field `([^`]+)`"), "This field is required."),
    (re.compile(r"Expected `int`"), "Enter a whole number."),
)


async def read_form(request: Request, checkboxes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted fields (last value wins), minus the CSRF token, with checkboxes as booleans."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if k != CSRF_FIELD}
    for name in checkboxes:
        data[name] = name in form and form.get(name) not in ("", "0", "false", "off")
    return data


def _friendly(message: str) -> str:
    for pattern, text in _FRIENDLY:
        if match := pattern.search(message):
            return text.format(*match.groups())
    return message


def validation_errors(exc: msgspec.ValidationError) -> list[dict[str, str]]:
    message = str(exc)
    if match := _UNKNOWN.search(message):
        return [{"field": match.group(1), "message": "This field is not accepted here."}]
    field = "form"
    if match := _AT.search(message):
        field = match.group(1) or "form"
        message = message[: match.start()]
    elif missing := re.search(r"required field `([^`]+)`", message):
        field = missing.group(1)
    return [{"field": field, "message": _friendly(message)}]


def parse(data: dict[str, Any], struct: type) -> tuple[Any, list[dict[str, str]]]:
    """``(struct_instance, [])`` or ``(None, field_errors)``."""
    try:
        return msgspec.convert(data, struct, strict=False), []
    except msgspec.ValidationError as exc:
        return None, validation_errors(exc)


def domain_errors(exc: DomainError) -> list[dict[str, str]]:
    """A service error as field errors; one without fields becomes a form-level message."""
    return list(exc.errors) or [{"field": "form", "message": exc.detail}]


def by_field(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for error in errors:
        grouped.setdefault(error.get("field") or "form", []).append(error["message"])
    return grouped
