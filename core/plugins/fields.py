"""A field schema, declared once by a plugin and used for API input, OpenAPI and forms.

Plugins describe their settings (vendor connections, sender-ID credentials, payment accounts) as
a tuple of ``Field``. The same tuple validates what an API client or an HTML form sends
(``validate_values``), documents it (``json_schema``), renders it (the ``fields_form`` macro in
``themes/default/templates/fields.html``) and hides secrets on the way out (``redact``), so the
four can never disagree. Mistakes in a declaration raise ``DeclarationError`` when the plugin is
registered, not when a user first opens the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from core.errors import Invalid
from core.plugins import field_values as conv
from core.plugins.field_files import MAX_FILE_SIZE, Upload, as_upload, check_upload, described
from core.plugins.field_schema import field_schema, fields_schema
from core.validation import is_email

__all__ = [
    "FIELD_TYPES",
    "DeclarationError",
    "Field",
    "Upload",
    "check_fields",
    "groups",
    "json_schema",
    "redact",
    "validate_values",
]

FIELD_TYPES = (
    "string",
    "integer",
    "decimal",
    "boolean",
    "choice",
    "secret",
    "url",
    "email",
    "multichoice",
    "list",
    "keyvalue",
    "file",
)
_TEXT_TYPES = ("string", "secret", "url", "email")
_NUMBER_TYPES = ("integer", "decimal")
_LIST_TYPES = ("multichoice", "list", "keyvalue")
_HTML_INPUT = {
    "string": "text",
    "integer": "number",
    "decimal": "text",
    "boolean": "checkbox",
    "choice": "select",
    "secret": "password",
    "url": "url",
    "email": "email",
    "multichoice": "checkboxes",
    "list": "textarea",
    "keyvalue": "textarea",
    "file": "file",
}


class DeclarationError(ValueError):
    """A plugin declared something that cannot work; raised when the plugin is registered."""


@dataclass(frozen=True)
class Field:
    """One input of a plugin's settings; ``choices`` holds values or ``(value, label)`` pairs.

    ``show_if=("other", value)`` makes the field conditional: shown, required and kept only
    while the earlier field ``other`` has ``value`` (for a multichoice: includes it).
    """

    name: str
    type: str
    label: str
    required: bool = False
    secret: bool = False
    choices: tuple = ()
    help: str = ""
    default: Any = None
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    content_types: tuple[str, ...] = ()
    max_size: int | None = None
    image_size: tuple[int, int] | None = None
    group: str = ""
    show_if: tuple[str, Any] | None = None

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
        if self.type in ("choice", "multichoice") and not pairs:
            raise DeclarationError(f"{where}: a {self.type} field needs choices")
        if self.type not in ("choice", "multichoice") and pairs:
            raise DeclarationError(f"{where}: only choice and multichoice fields take choices")
        if len({str(v) for v, _ in pairs}) != len(pairs):
            raise DeclarationError(f"{where}: choice values must differ")
        if self.type == "secret":
            object.__setattr__(self, "secret", True)
        self._check_limits(where)
        self._check_file(where)
        if not isinstance(self.group, str):
            raise DeclarationError(f"{where}: group must be a string")
        if self.show_if is not None and (
            not isinstance(self.show_if, tuple | list)
            or len(self.show_if) != 2
            or not isinstance(self.show_if[0], str)
        ):
            raise DeclarationError(f'{where}: show_if must be ("field_name", value)')
        if self.default is not None:
            if self.secret or self.type == "file":
                raise DeclarationError(f"{where}: a {self.type} cannot have a default")
            try:
                object.__setattr__(self, "default", self.coerce(self.default))
            except ValueError as exc:
                raise DeclarationError(f"{where}: default {exc}") from None

    def _check_limits(self, where: str) -> None:
        if (self.min is not None or self.max is not None) and self.type not in _NUMBER_TYPES:
            raise DeclarationError(f"{where}: min and max are for integer and decimal fields")
        number = conv.integer if self.type == "integer" else conv.decimal
        for key in ("min", "max"):
            if getattr(self, key) is not None:
                try:
                    object.__setattr__(self, key, number(getattr(self, key)))
                except ValueError as exc:
                    raise DeclarationError(f"{where}: {key} {exc}") from None
        self._ordered(where, "min", "max")
        limited = (self.min_length, self.max_length, self.pattern) != (None, None, None)
        if limited and self.type not in (*_TEXT_TYPES, "list"):
            raise DeclarationError(f"{where}: length and pattern are for text and list fields")
        if (self.min_items, self.max_items) != (None, None) and self.type not in _LIST_TYPES:
            raise DeclarationError(f"{where}: min_items and max_items are for list fields")
        for key in ("min_length", "max_length", "min_items", "max_items"):
            value = getattr(self, key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise DeclarationError(f"{where}: {key} must be a whole number, 0 or more")
        self._ordered(where, "min_length", "max_length")
        self._ordered(where, "min_items", "max_items")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except (re.error, TypeError) as exc:
                raise DeclarationError(f"{where}: pattern does not compile: {exc}") from None

    def _ordered(self, where: str, low: str, high: str) -> None:
        a, b = getattr(self, low), getattr(self, high)
        if a is not None and b is not None and a > b:
            raise DeclarationError(f"{where}: {low} ({a}) is greater than {high} ({b})")

    def _check_file(self, where: str) -> None:
        declared = self.content_types or self.max_size is not None or self.image_size
        if self.type != "file":
            if declared:
                raise DeclarationError(
                    f"{where}: content_types, max_size and image_size are for files"
                )
            return
        types = tuple(t.strip().lower() for t in self.content_types)
        if not types or any("/" not in t for t in types):
            raise DeclarationError(f"{where}: a file field needs content_types like 'image/png'")
        object.__setattr__(self, "content_types", types)
        size = self.max_size if self.max_size is not None else 1024 * 1024
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FILE_SIZE:
            raise DeclarationError(f"{where}: max_size must be 1 to {MAX_FILE_SIZE} bytes")
        object.__setattr__(self, "max_size", size)
        if self.image_size is not None:
            dims = tuple(self.image_size)
            if len(dims) != 2 or not all(isinstance(d, int) and d > 0 for d in dims):
                raise DeclarationError(f"{where}: image_size is (width, height) in pixels")
            if not all(t.startswith("image/") for t in types):
                raise DeclarationError(f"{where}: image_size needs image content_types only")
            object.__setattr__(self, "image_size", dims)

    @property
    def choice_values(self) -> tuple:
        return tuple(value for value, _ in self.choices)

    @property
    def html_input(self) -> str:
        """The input the form renders: an ``<input type>``, ``select``, ``textarea`` or
        ``checkboxes`` (one box per choice)."""
        return _HTML_INPUT[self.type]

    @property
    def keeps_stored(self) -> bool:
        """Left blank on an edit form, the stored value stays (a secret or file is never
        sent back to the browser, so blank cannot mean 'remove')."""
        return self.secret or self.type == "file"

    def _choice(self, value: Any) -> Any:
        for known in self.choice_values:
            if value == known or (isinstance(value, str) and value == str(known)):
                return known
        allowed = ", ".join(str(v) for v in self.choice_values)
        raise ValueError(f"must be one of: {allowed}")

    def coerce(self, value: Any) -> Any:
        """The typed value, or ``ValueError`` with a message fit for the person who typed it.

        Floats are refused for decimals because they cannot hold amounts exactly.
        """
        kind = self.type
        if kind in _NUMBER_TYPES:
            number = conv.integer(value) if kind == "integer" else conv.decimal(value)
            if self.min is not None and number < self.min:
                raise ValueError(f"must be at least {self.min}")
            if self.max is not None and number > self.max:
                raise ValueError(f"must be at most {self.max}")
            return number
        if kind == "boolean":
            return conv.boolean(value)
        if kind == "choice":
            return self._choice(value)
        if kind == "file":
            upload = as_upload(value, self.max_size)
            return check_upload(upload, self.content_types, self.max_size, self.image_size)
        if kind in _LIST_TYPES:
            return self._coerce_list(value)
        return self._text(value)

    def _text(self, value: Any) -> str:
        value = conv.text(value, self.max_length or conv.MAX_TEXT)
        if self.min_length is not None and len(value) < self.min_length:
            raise ValueError(f"must be at least {self.min_length} characters")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ValueError(f"must match the pattern {self.pattern}")
        if self.type == "url":
            parsed = urlparse(value)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError("must be an http:// or https:// address")
        if self.type == "email" and not is_email(value):
            raise ValueError("must be an email address")
        return value

    def _coerce_list(self, value: Any) -> Any:
        limit = self.max_items if self.max_items is not None else conv.MAX_ITEMS
        if self.type == "keyvalue":
            result: Any = {}
            for key, item in conv.pairs(value, limit):
                key = conv.text(key, 200) if isinstance(key, str) else None
                if not key:
                    raise ValueError("every entry needs a key (text of up to 200 characters)")
                if key in result:
                    raise ValueError(f"key {key!r} is given twice")
                try:
                    result[key] = conv.text(item, conv.MAX_TEXT)
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        else:
            if self.type == "multichoice" and isinstance(value, str):
                value = [value]
            result = []
            for position, item in enumerate(conv.lines(value, limit), start=1):
                try:
                    item = self._choice(item) if self.type == "multichoice" else self._text(item)
                except ValueError as exc:
                    raise ValueError(f"item {position}: {exc}") from None
                if item not in result:
                    result.append(item)
        if self.min_items is not None and len(result) < self.min_items:
            raise ValueError(f"needs at least {self.min_items} entries")
        return result

    def shown_when(self, controller_value: Any) -> bool:
        """Is this conditional field on, given its controller's validated value?"""
        wanted = self.show_if[1]
        if isinstance(controller_value, list):
            return wanted in controller_value
        return controller_value == wanted

    def as_text(self, value: Any) -> str:
        """The value as a form input shows it: lists one per line, pairs as ``key=value``."""
        if value is None:
            return ""
        if isinstance(value, Mapping):
            return "\n".join(f"{k}={v}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def json_schema(self) -> dict[str, Any]:
        return field_schema(self)


def check_fields(fields: Iterable[Field], where: str) -> tuple[Field, ...]:
    """Validate a declared field list (used when a plugin registers): unique names, conditions
    on earlier fields with a value they can hold, and each group in one piece."""
    fields = tuple(fields)
    seen: dict[str, Field] = {}
    closed: set[str] = set()
    current = ""
    for item in fields:
        if not isinstance(item, Field):
            raise DeclarationError(f"{where}: {item!r} is not a core.plugins.fields.Field")
        if item.name in seen:
            raise DeclarationError(f"{where}: field {item.name!r} is declared twice")
        if item.group != current:
            if item.group and item.group in closed:
                raise DeclarationError(
                    f"{where}: group {item.group!r} is split; declare its fields together"
                )
            closed.add(current)
            current = item.group
        if item.show_if is not None:
            _check_condition(item, seen, where)
        seen[item.name] = item
    names = set(seen)
    clash = sorted(g for g in closed | {current} if g and g in names)
    if clash:
        raise DeclarationError(f"{where}: group {clash[0]!r} has the name of a field")
    return fields


def _check_condition(item: Field, seen: dict[str, Field], where: str) -> None:
    other, wanted = item.show_if
    controller = seen.get(other)
    if controller is None:
        raise DeclarationError(
            f"{where}: field {item.name!r} is shown if {other!r}, "
            "which is not a field declared before it"
        )
    if controller.type in ("secret", "file", "keyvalue", "list"):
        raise DeclarationError(f"{where}: a {controller.type} field cannot control another")
    probe = (
        controller
        if controller.type != "multichoice"
        else Field("probe", "choice", "probe", choices=controller.choices)
    )
    try:
        wanted = probe.coerce(wanted)
    except ValueError as exc:
        raise DeclarationError(f"{where}: field {item.name!r}: show_if value {exc}") from None
    object.__setattr__(item, "show_if", (other, wanted))


def groups(fields: Iterable[Field]) -> list[tuple[str, list[Field]]]:
    """Consecutive fields of one group, for the form's fieldsets ("" = no fieldset)."""
    result: list[tuple[str, list[Field]]] = []
    for item in fields:
        if result and result[-1][0] == item.group:
            result[-1][1].append(item)
        else:
            result.append((item.group, [item]))
    return result


def _missing(value: Any) -> bool:
    if isinstance(value, Upload):
        return not value.filename and not value.data
    return (
        value is None
        or (isinstance(value, str | list | tuple | dict) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def validate_values(fields: Iterable[Field], data: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for ``fields`` from ``data``, or ``Invalid`` listing every bad field.

    Unknown keys are refused so a typo in a setting name is not silently dropped. Missing
    optional fields take their default (and are left out when they have none). A conditional
    field whose condition is false is neither required nor kept, whatever was sent for it.
    """
    fields = tuple(fields)
    if not isinstance(data, Mapping):
        raise Invalid("settings must be an object", [{"field": "body", "message": "not an object"}])
    by_name = {f.name: f for f in fields}
    errors = [{"field": str(key), "message": "unknown field"} for key in data if key not in by_name]
    values: dict[str, Any] = {}
    for item in fields:
        if item.show_if is not None:
            other = item.show_if[0]
            if other not in values or not item.shown_when(values[other]):
                continue
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
        raise Invalid(detail[:2000], errors)
    return values


def json_schema(fields: Iterable[Field]) -> dict[str, Any]:
    """The JSON-schema object for a field list, for OpenAPI and client-side forms."""
    return fields_schema(tuple(fields))


def redact(fields: Iterable[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` safe to show: a secret keeps only its last characters as a hint, a file
    only its name, type and size."""
    fields = tuple(fields)
    secret = {f.name for f in fields if f.secret}
    files = {f.name for f in fields if f.type == "file"}
    shown: dict[str, Any] = {}
    for key, value in values.items():
        if key in secret and value:
            text = str(value)
            shown[key] = "****" + text[-4:] if len(text) >= 12 else "****"
        elif key in files:
            shown[key] = described(value)
        else:
            shown[key] = value
    return shown
