"""Input checks shared by the API, the UI forms and the services, written once.

* ``struct_errors`` names every broken field of a msgspec Struct: msgspec stops at the first
  error, so after a failed conversion each field is converted on its own against its annotated
  type and constraints. The API (``core.errors``) and the forms (``core.ui.forms``) both use it,
  so a client and a form user read the same messages, in our words rather than the parser's.
* ``Problems`` lets a service check every business rule and raise one ``Invalid`` naming all
  broken fields instead of stopping at the first.
* ``nul_field`` finds NUL characters, which PostgreSQL cannot store in text and which no name or
  code needs; ``core.web.guard`` refuses them wherever text comes in.
* One e-mail syntax and one country normaliser for every service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from core.errors import Invalid

T = TypeVar("T")
INT64 = 2**63 - 1
REQUIRED = "Required"
UNKNOWN = "This field is not accepted here"

# --- one answer with every broken business rule --------------------------------------------


class Problems:
    """Field errors gathered while checking; ``raise_if_any`` turns them into one Invalid."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def failed(self, *fields: str) -> bool:
        """Has one of ``fields`` (any field when none is named) already been refused?"""
        return any(not fields or e["field"] in fields for e in self.errors)

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run a block whose ``Invalid`` is recorded instead of stopping the other checks."""
        try:
            yield
        except Invalid as exc:
            self.errors.extend(exc.errors or [{"field": "form", "message": exc.detail}])

    def attempt(self, check: Callable[..., T], *args: Any, default: Any = None) -> T:
        """``check(*args)``, or ``default`` after recording the Invalid it raised."""
        try:
            return check(*args)
        except Invalid as exc:
            self.errors.extend(exc.errors or [{"field": "form", "message": exc.detail}])
            return default

    def raise_if_any(self) -> None:
        if self.errors:
            raise invalid(self.errors)


def invalid(errors: list[dict[str, str]]) -> Invalid:
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Invalid(detail, list(errors))


# --- every broken field of a Struct ------------------------------------------------------------

_PATH = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`$")
_INDEX = re.compile(r"^\[(\d+)\]")
_SHAPES = {
    "int": "a whole number",
    "float": "a number",
    "decimal": "a decimal number like 12.50",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "an object",
    "datetime": "a date and time like 2026-03-01T09:30:00",
    "date": "a date like 2026-03-01",
    "time": "a time like 09:30:00",
}
_TYPE_SHAPES = ((datetime, "datetime"), (date, "date"), (time, "time"), (Decimal, "decimal"))


def struct_errors(data: Any, struct: type[msgspec.Struct]) -> list[dict[str, str]]:
    """Every field of ``data`` that ``struct`` refuses, with a message a person understands.

    Conversion is lenient (``strict=False``) as it is for litestar's bodies and for forms.
    """
    if not isinstance(data, dict):
        return [{"field": "body", "message": f"Use {_SHAPES['object']} with the fields"}]
    fields = msgspec.structs.fields(struct)
    errors = []
    for field in fields:
        if field.encode_name not in data:
            if field.required:
                errors.append({"field": field.encode_name, "message": REQUIRED})
            continue
        value = data[field.encode_name]
        message = _field_error(value, field.type)
        if message:
            errors.append({"field": field.encode_name, "message": message})
    if struct.__struct_config__.forbid_unknown_fields:
        known = {f.encode_name for f in fields}
        errors += [{"field": str(k), "message": UNKNOWN} for k in data if k not in known]
    return errors


def _field_error(value: Any, annotation: Any) -> str | None:
    if (too := _beyond_int64(value)) is not None:
        return too
    try:
        converted = msgspec.convert(value, annotation, strict=False, str_keys=True)
    except msgspec.ValidationError as exc:
        return describe(str(exc), annotation, value)
    return _beyond_int64(converted)  # a form's "99999999999999999999" converts to a huge int


def beyond_int64(value: Any) -> bool:
    """Does ``value`` hold an int the database cannot store (msgspec takes up to 2**64-1)?"""
    return _beyond_int64(value) is not None


def _beyond_int64(value: Any, where: str = "") -> str | None:
    """msgspec converts any Python int; the database holds 64 bits, so say so before it fails."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -INT64 - 1 <= value <= INT64:
        side = "Too small" if value < 0 else "Too large"
        return f"{where}{side}: use a number between {-INT64 - 1} and {INT64}"
    if isinstance(value, list):
        for position, item in enumerate(value, start=1):
            if found := _beyond_int64(item, f"Item {position}: "):
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if found := _beyond_int64(item, f"{key}: "):
                return found
    return None


_UNKNOWN_VALUE = object()


def describe(message: str, annotation: Any = None, value: Any = _UNKNOWN_VALUE) -> str:
    """A msgspec (or litestar) validation message in our words."""
    prefix = ""
    if match := _PATH.search(message):
        message = message[: match.start()]
        path = match.group("path")
        if index := _INDEX.match(path):
            rest = path[index.end() :].strip(".")
            prefix = f"Item {int(index.group(1)) + 1}{f', {rest}' if rest else ''}: "
        elif path.strip("."):
            prefix = f"{path.strip('.')}: "
    empty = value is not _UNKNOWN_VALUE and (value is None or value == "")
    if not prefix and empty and not _allows_none(annotation):
        return REQUIRED
    if hint := _hint(annotation):
        return f"{prefix}Use {hint}"
    return prefix + _words(message, annotation)


def _words(message: str, annotation: Any) -> str:
    if message.startswith("Expected `str` of length >= 1"):
        return REQUIRED
    if match := re.match(r"Expected `(\w+)` of length ([<>]=) (\d+)", message):
        kind, op, size = match.groups()
        unit = "characters" if kind == "str" else "items"
        return f"Use at {'least' if op == '>=' else 'most'} {size} {unit}"
    if match := re.match(r"Expected `(\w+)` ([<>]=?) (\S+)", message):
        op, bound = match.group(2), match.group(3)
        if op.startswith(">"):
            return (
                f"Too small: use {bound} or more"
                if op == ">="
                else f"Too small: use more than {bound}"
            )
        return (
            f"Too large: use {bound} or less" if op == "<=" else f"Too large: use less than {bound}"
        )
    if message.startswith("Expected `str` matching regex"):
        return "Not in the expected format"
    if message.startswith("Invalid enum value"):
        choices = _choices(annotation)
        return (
            f"Choose one of: {', '.join(choices)}"
            if choices
            else "Choose one of the offered values"
        )
    if message.startswith("Invalid RFC3339") or "got `" in message:
        return f"Use {_shape(annotation, message)}"
    if message.startswith("Object missing required field"):
        return REQUIRED
    if message.startswith("Object contains unknown field"):
        return UNKNOWN
    return message.rstrip(".") if message else "Not a valid value"


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (through Annotated), Annotated metadata dropped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or type(annotation).__name__ == "UnionType":
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _metas(annotation: Any) -> list[msgspec.Meta]:
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return [m for m in extra if isinstance(m, msgspec.Meta)] + _metas(inner)
    if origin is Union or type(annotation).__name__ == "UnionType":
        return [m for arg in get_args(annotation) for m in _metas(arg)]
    return []


def _hint(annotation: Any) -> str | None:
    """What a value of this type looks like, declared as ``Meta(extra={"expect": ...})``."""
    for meta in _metas(annotation):
        if meta.extra and meta.extra.get("expect"):
            return str(meta.extra["expect"])
    return None


def _allows_none(annotation: Any) -> bool:
    return annotation is None or any(m in (None, type(None), Any) for m in _members(annotation))


def _choices(annotation: Any) -> list[str]:
    return [str(c) for m in _members(annotation) if get_origin(m) is Literal for c in get_args(m)]


def _shape(annotation: Any, message: str) -> str:
    members = _members(annotation)
    for kind, name in _TYPE_SHAPES:
        if kind in members:
            return _SHAPES[name]
    if match := re.match(r"Expected `([^`]+)`", message):
        names = [n.strip() for n in match.group(1).split("|") if n.strip() != "null"]
        shapes = [_SHAPES.get(n, n) for n in names]
        return " or ".join(shapes)
    if "datetime" in message:
        return _SHAPES["datetime"]
    if "date" in message:
        return _SHAPES["date"]
    return "another value"


# --- NUL characters --------------------------------------------------------------------------

NUL_MESSAGE = "Must not contain NUL characters (\\u0000)"


def nul_field(value: Any, where: str = "") -> str | None:
    """The name of the first field holding a NUL character, or None (keys count too)."""
    if isinstance(value, str):
        return where or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if "\x00" in str(key):
                return name
            if found := nul_field(item, name):
                return found
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            if found := nul_field(item, f"{where}[{position}]"):
                return found
    return None


# --- e-mail addresses ------------------------------------------------------------------------

MAX_EMAILS = 20
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def is_email(value: str) -> bool:
    """Syntax only (no DNS): a dotted domain, no spaces, no leading/trailing/double dots."""
    return bool(_EMAIL.match(value or ""))


def check_email(value: str, field: str = "email") -> str:
    """The trimmed address, or Invalid naming ``field``."""
    value = (value or "").strip()
    if not is_email(value):
        raise Invalid.field(field, f"“{value}” is not a valid email address" if value else REQUIRED)
    return value


def clean_email_list(field: str, items: list[str], limit: int = MAX_EMAILS) -> list[str]:
    """Trimmed, valid, de-duplicated ignoring case (first spelling kept), ``limit`` at most;
    every bad address is named, not just the first."""
    problems, seen, kept = Problems(), set(), []
    for position, raw in enumerate(items, start=1):
        value = raw.strip()
        if not is_email(value):
            shown = value or "(empty)"
            problems.add(field, f"address {position} “{shown}” is not a valid email address")
            continue
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    if not problems.errors and len(kept) > limit:
        problems.add(field, f"at most {limit} addresses are allowed, got {len(kept)}")
    problems.raise_if_any()
    return kept


# --- countries -------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _country(code: str):
    import pycountry

    if len(code) == 2 and code.isalpha():
        return pycountry.countries.get(alpha_2=code)
    if len(code) == 3 and code.isalpha():
        return pycountry.countries.get(alpha_3=code)
    return None


def normalise_country(raw: str, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 or alpha-3 code (any case) as the alpha-2 code that is stored."""
    code = (raw or "").strip().upper()
    if not code:
        raise Invalid.field(field, "must not be blank")
    if len(code) not in (2, 3) or not code.isalpha():
        raise Invalid.field(
            field, "use an ISO 3166-1 country code of two or three letters, e.g. DE or DEU"
        )
    country = _country(code)
    if country is None:
        raise Invalid.field(field, f"{code} is not an ISO 3166-1 country code")
    return country.alpha_2


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """Cached: lists name a country on every row (pycountry's lookup cost more than the rest of
    a legal entity's row), and there are only a few hundred codes."""
    country = _country(code.strip().upper()) if code else None
    return country.name if country else code


# --- the fields that parsed, for rule checks in the same answer ------------------------------


@lru_cache(maxsize=64)
def partial_of(struct: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """``struct`` with every field optional (``UNSET`` when not sent), like an update shape."""
    fields = [
        (f.name, Union[f.type, msgspec.UnsetType], msgspec.UNSET)  # noqa: UP007
        for f in msgspec.structs.fields(struct)
    ]
    return msgspec.defstruct(f"{struct.__name__}Part", fields, kw_only=True)


def parsed_part(
    data: dict[str, Any],
    errors: list[dict[str, str]],
    struct: type[msgspec.Struct],
) -> tuple[Any, frozenset[str]]:
    """``(partial_instance, broken_fields)``: the fields of ``data`` that ``errors`` does not
    name, converted to ``partial_of(struct)`` (every field optional, unsent ones ``UNSET``).

    A form whose shapes are wrong can then still have its business rules checked on the rest,
    so the person sees both kinds of message at once. None when even the rest does not convert.
    """
    broken = frozenset(e["field"] for e in errors)
    partial = partial_of(struct)
    known = {f.encode_name for f in msgspec.structs.fields(partial)}
    kept = {k: v for k, v in data.items() if k in known and k not in broken}
    try:
        return msgspec.convert(kept, partial, strict=False), broken
    except msgspec.ValidationError:
        return None, broken
