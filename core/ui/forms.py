"""HTML form posts into msgspec Structs, and every failure into per-field messages.

Browsers send strings and omit unchecked boxes, so each form declares which fields are
checkboxes; the Struct then validates exactly like the JSON API does, every field at once.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from core.errors import DomainError
from core.validation import beyond_int64, describe, struct_errors

CSRF_FIELD = "_csrf_token"


async def read_form(request: Request, checkboxes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted fields (last value wins), minus the CSRF token, with checkboxes as booleans."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if k != CSRF_FIELD}
    for name in checkboxes:
        data[name] = name in form and form.get(name) not in ("", "0", "false", "off")
    return data


def parse(data: dict[str, Any], struct: type) -> tuple[Any, list[dict[str, str]]]:
    """``(struct_instance, [])`` or ``(None, field_errors)`` naming every broken field, in the
    same words the API uses (``core.validation.struct_errors``)."""
    try:
        result = msgspec.convert(data, struct, strict=False)
    except msgspec.ValidationError as exc:
        return None, struct_errors(data, struct) or [
            {"field": "form", "message": describe(str(exc))}
        ]
    if beyond_int64(msgspec.to_builtins(result)):  # would fail in the database, unnamed
        return None, struct_errors(data, struct)
    return result, []


def domain_errors(exc: DomainError) -> list[dict[str, str]]:
    """A service error as field errors; one without fields becomes a form-level message."""
    return list(exc.errors) or [{"field": "form", "message": exc.detail}]


def by_field(errors: list[dict[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for error in errors:
        grouped.setdefault(error.get("field") or "form", []).append(error["message"])
    return grouped
