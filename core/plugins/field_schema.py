"""The JSON schema (draft 2020-12, as OpenAPI 3.1 uses) of a declared field list.

Conditional fields become ``allOf`` entries of ``if``/``then``: the ``then`` makes a required
conditional field required only while its controller holds the value. A conditional field's
value is accepted by the schema when the condition is false, because the server ignores it
then (the same form can be posted with hidden fields still filled in). ``x-group`` names the
fieldset a field is shown in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _text_limits(field: Any, schema: dict[str, Any]) -> dict[str, Any]:
    if field.min_length is not None:
        schema["minLength"] = field.min_length
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.pattern is not None:
        schema["pattern"] = f"^(?:{field.pattern})$"
    return schema


def _items(field: Any, schema: dict[str, Any]) -> None:
    if field.min_items is not None:
        schema["minItems" if field.type != "keyvalue" else "minProperties"] = field.min_items
    if field.max_items is not None:
        schema["maxItems" if field.type != "keyvalue" else "maxProperties"] = field.max_items


def _typed(field: Any) -> dict[str, Any]:
    kind = field.type
    if kind == "integer":
        schema: dict[str, Any] = {"type": "integer"}
        if field.min is not None:
            schema["minimum"] = field.min
        if field.max is not None:
            schema["maximum"] = field.max
        return schema
    if kind == "decimal":
        schema = {"type": "string", "format": "decimal", "pattern": _DECIMAL_PATTERN}
        if field.min is not None:
            schema["x-minimum"] = str(field.min)
        if field.max is not None:
            schema["x-maximum"] = str(field.max)
        return schema
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "choice":
        return {"enum": list(field.choice_values)}
    if kind == "multichoice":
        schema = {
            "type": "array",
            "items": {"enum": list(field.choice_values)},
            "uniqueItems": True,
        }
        _items(field, schema)
        return schema
    if kind == "list":
        schema = {"type": "array", "items": _text_limits(field, {"type": "string"})}
        _items(field, schema)
        return schema
    if kind == "keyvalue":
        schema = {"type": "object", "additionalProperties": {"type": "string"}}
        _items(field, schema)
        return schema
    if kind == "file":
        schema = {
            "type": "object",
            "properties": {
                "filename": {"type": "string", "maxLength": 255},
                "content_type": {"enum": list(field.content_types)},
                "data": {
                    "type": "string",
                    "contentEncoding": "base64",
                    "maxLength": (field.max_size + 2) // 3 * 4,
                },
            },
            "required": ["content_type", "data"],
            "additionalProperties": False,
            "x-max-size": field.max_size,
        }
        if field.image_size:
            schema["x-image-size"] = list(field.image_size)
        return schema
    schema = _text_limits(field, {"type": "string"})
    fmt = {"url": "uri", "email": "email"}.get(kind)
    if fmt:
        schema["format"] = fmt
    return schema


def field_schema(field: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": field.label}
    if field.help:
        schema["description"] = field.help
    schema.update(_typed(field))
    if field.secret:
        schema.update(format="password", writeOnly=True)
    if field.default is not None:
        schema["default"] = _jsonable(field.default)
    if field.group:
        schema["x-group"] = field.group
    if field.show_if is not None:
        schema["x-show-if"] = {"field": field.show_if[0], "value": _jsonable(field.show_if[1])}
    return schema


def _condition(controller: Any, value: Any) -> dict[str, Any]:
    value = _jsonable(value)
    test = {"contains": {"const": value}} if controller.type == "multichoice" else {"const": value}
    return {"properties": {controller.name: test}, "required": [controller.name]}


def fields_schema(fields: tuple[Any, ...]) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: f.json_schema() for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required and f.show_if is None]
    if required:
        schema["required"] = required
    rules = [
        {
            "if": _condition(by_name[f.show_if[0]], f.show_if[1]),
            "then": {"required": [f.name]},
        }
        for f in fields
        if f.required and f.show_if is not None and f.show_if[0] in by_name
    ]
    if rules:
        schema["allOf"] = rules
    return schema
