"""A small field schema, declared once by a plugin and used for API input, OpenAPI and forms.

Plugins describe their settings (vendor connections, sender-ID credentials, payment accounts) as
a tuple of ``Field``. The same tuple validates what an API client or an HTML form sends
(``validate_values``), documents it (``json_schema``) and hides secrets on the way out
(``redact``), so the three can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from core.errors import Invalid
from core.validation import is_email

FIELD_TYPES = ("string", "integer", "decimal", "boolean", "choice", "secret", "url", "email")

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}
_DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
_HTML_INPUT = {
    "string": "text",
    "integer": "number",
    "decimal": "text",
    "boolean": "checkbox",
    "choice": "select",
    "secret": "password",
    "url": "url",
    "email": "email",
}


class DeclarationError(ValueError):
    """A plugin declared something that cannot work; raised when the plugin is registered."""


@dataclass(frozen=True)
class Field:
    """One input of a plugin's settings; ``choices`` holds values or ``(value, label)`` pairs."""

    name: str
    type: str
    label: str
    required: bool = False
    secret: bool = False
    choices: tuple = ()
    help: str = ""
    default: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise DeclarationError(f"field name {self.name!r} must be a Python identifier")
        where = f"field {self.name!r}"
        if self.type not in FIELD_TYPES:
            raise DeclarationError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
        if not isinstance(self.label, str) or not self.label.strip():
            raise DeclarationError(f"{where}: a label is required")
        pairs = tuple(c if isinstance(c, tuple) else (c, str(c)) for c in self.choices)
        if any(len(pair) != 2 for pair in pairs):
            raise DeclarationError(f"{where}: choices are values or (value, label) pairs")
        object.__setattr__(self, "choices", pairs)
        if self.type == "choice" and not pairs:
            raise DeclarationError(f"{where}: a choice field needs choices")
        if self.type != "choice" and pairs:
            raise DeclarationError(f"{where}: only choice fields take choices")
        if self.type == "secret":
            object.__setattr__(self, "secret", True)
        if self.default is not None:
            if self.secret:
                raise DeclarationError(f"{where}: a secret cannot have a default")
            try:
                object.__setattr__(self, "default", self.coerce(self.default))
            except ValueError as exc:
                raise DeclarationError(f"{where}: default {exc}") from None

    @property
    def choice_values(self) -> tuple:
        return tuple(value for value, _ in self.choices)

    @property
    def html_input(self) -> str:
        """The ``<input type>`` (or ``select``) a form renders for this field."""
        return _HTML_INPUT[self.type]

    def coerce(self, value: Any) -> Any:
        """The typed value, or ``ValueError`` with a message fit for the person who typed it.

        Strings are accepted for numbers and booleans because HTML forms send nothing else;
        floats are refused for decimals because they cannot hold amounts exactly.
        """
        kind = self.type
        if kind == "integer":
            return _integer(value)
        if kind == "decimal":
            return _decimal(value)
        if kind == "boolean":
            return _boolean(value)
        if kind == "choice":
            if value not in self.choice_values:
                allowed = ", ".join(str(v) for v in self.choice_values)
                raise ValueError(f"must be one of: {allowed}")
            return value
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if kind == "url":
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError("must be an http:// or https:// address")
        if kind == "email" and not is_email(value):
            raise ValueError("must be an email address")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"title": self.label}
        if self.help:
            schema["description"] = self.help
        if self.type == "integer":
            schema["type"] = "integer"
        elif self.type == "decimal":
            schema.update(type="string", format="decimal", pattern=_DECIMAL_PATTERN)
        elif self.type == "boolean":
            schema["type"] = "boolean"
        elif self.type == "choice":
            schema["enum"] = list(self.choice_values)
        else:
            schema["type"] = "string"
            fmt = {"url": "uri", "email": "email"}.get(self.type)
            if fmt:
                schema["format"] = fmt
        if self.secret:
            schema.update(format="password", writeOnly=True)
        if self.default is not None:
            schema["default"] = str(self.default) if self.type == "decimal" else self.default
        return schema


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise ValueError("must be a whole number")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('must be a decimal written as a string (e.g. "12.50"), not a float')
    if isinstance(value, bool):
        raise ValueError("must be a decimal number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("must be a decimal number") from None
    else:
        raise ValueError("must be a decimal number")
    if not result.is_finite():
        raise ValueError("must be a finite decimal number")
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("must be true or false")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_fields(fields: Iterable[Field], where: str) -> tuple[Field, ...]:
    """Validate a declared field list (used when a plugin registers)."""
    fields = tuple(fields)
    seen: set[str] = set()
    for item in fields:
        if not isinstance(item, Field):
            raise DeclarationError(f"{where}: {item!r} is not a core.plugins.fields.Field")
        if item.name in seen:
            raise DeclarationError(f"{where}: field {item.name!r} is declared twice")
        seen.add(item.name)
    return fields


def validate_values(fields: Iterable[Field], data: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for ``fields`` from ``data``, or ``Invalid`` listing every bad field.

    Unknown keys are refused so a typo in a setting name is not silently dropped. Missing
    optional fields take their default (and are left out when they have none).
    """
    fields = tuple(fields)
    if not isinstance(data, Mapping):
        raise Invalid("settings must be an object", [{"field": "body", "message": "not an object"}])
    by_name = {f.name: f for f in fields}
    errors = [{"field": str(key), "message": "unknown field"} for key in data if key not in by_name]
    values: dict[str, Any] = {}
    for item in fields:
        raw = data.get(item.name)
        if _missing(raw):
            if item.required:
                errors.append({"field": item.name, "message": "is required"})
            elif item.default is not None:
                values[item.name] = item.default
            continue
        try:
            values[item.name] = item.coerce(raw)
        except ValueError as exc:
            errors.append({"field": item.name, "message": str(exc)})
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise Invalid(detail, errors)
    return values


def json_schema(fields: Iterable[Field]) -> dict[str, Any]:
    """The JSON-schema object for a field list, for OpenAPI and client-side forms."""
    fields = tuple(fields)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: f.json_schema() for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def redact(fields: Iterable[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` safe to show: a secret keeps only its last characters as a hint."""
    secret = {f.name for f in fields if f.secret}
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if key in secret and value:
            text = str(value)
            shown[key] = "****" + text[-4:] if len(text) >= 12 else "****"
        else:
            shown[key] = value
    return shown
