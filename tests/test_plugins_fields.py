"""The field schema: one declaration validating input, describing it and hiding secrets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Invalid
from core.plugins.fields import DeclarationError, Field, json_schema, redact, validate_values

FIELDS = (
    Field("name", "string", "Name", required=True),
    Field("retries", "integer", "Retries", default=3),
    Field("price", "decimal", "Price"),
    Field("active", "boolean", "Active"),
    Field("mode", "choice", "Mode", choices=(("live", "Live"), "test")),
    Field("api_key", "secret", "API key", required=True),
    Field("url", "url", "Address"),
    Field("email", "email", "Email"),
)


def _errors(data: dict) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        validate_values(FIELDS, data)
    assert caught.value.status_code == 422
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_valid_values_are_typed_and_defaults_filled():
    values = validate_values(
        FIELDS,
        {
            "name": "Acme",
            "price": "12.50",
            "active": "on",
            "mode": "test",
            "api_key": "k",
            "url": "https://api.example.test/v1",
            "email": "ops@example.test",
        },
    )
    assert values["price"] == Decimal("12.50") and isinstance(values["price"], Decimal)
    assert values["retries"] == 3 and values["active"] is True and values["mode"] == "test"


def test_form_strings_are_accepted_for_numbers_and_booleans():
    values = validate_values(
        FIELDS, {"name": "n", "api_key": "k", "retries": "7", "active": "false", "price": 5}
    )
    assert values == {
        "name": "n",
        "api_key": "k",
        "retries": 7,
        "active": False,
        "price": Decimal(5),
    }


def test_every_bad_field_is_reported_at_once():
    errors = _errors(
        {
            "nmae": "typo",
            "retries": True,
            "price": 1.5,
            "active": "maybe",
            "mode": "prod",
            "url": "ftp://x",
            "email": "nope",
            "api_key": "   ",
        }
    )
    assert errors["nmae"] == "unknown field"
    assert errors["name"] == "is required" and errors["api_key"] == "is required"
    assert errors["retries"] == "must be a whole number"
    assert "not a float" in errors["price"]
    assert errors["active"] == "must be true or false"
    assert errors["mode"] == "must be one of: live, test"
    assert "http" in errors["url"] and errors["email"] == "must be an email address"


def test_non_finite_decimals_are_refused():
    assert "finite" in _errors({"name": "n", "api_key": "k", "price": "NaN"})["price"]
    assert _errors({"name": "n", "api_key": "k", "price": "12,5"})["price"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "not an id", "type": "string", "label": "x"}, "identifier"),
        ({"name": "a", "type": "float", "label": "x"}, "type must be one of"),
        ({"name": "a", "type": "string", "label": " "}, "label"),
        ({"name": "a", "type": "choice", "label": "x"}, "needs choices"),
        ({"name": "a", "type": "string", "label": "x", "choices": ("b",)}, "only choice"),
        ({"name": "a", "type": "secret", "label": "x", "default": "s"}, "secret cannot"),
        ({"name": "a", "type": "integer", "label": "x", "default": "ten"}, "whole number"),
    ],
)
def test_bad_field_declarations_fail_early(kwargs, message):
    with pytest.raises(DeclarationError, match=message):
        Field(**kwargs)


def test_json_schema_describes_types_required_and_secrets():
    schema = json_schema(FIELDS)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["name", "api_key"]
    props = schema["properties"]
    assert props["retries"] == {"title": "Retries", "type": "integer", "default": 3}
    assert props["price"]["type"] == "string" and props["price"]["format"] == "decimal"
    assert props["mode"]["enum"] == ["live", "test"]
    assert props["api_key"]["writeOnly"] is True and props["api_key"]["format"] == "password"
    assert props["url"]["format"] == "uri" and props["email"]["format"] == "email"
    assert FIELDS[5].secret is True and FIELDS[5].html_input == "password"
    assert FIELDS[4].html_input == "select" and FIELDS[3].html_input == "checkbox"


def test_redact_never_returns_a_secret_in_full():
    shown = redact(FIELDS, {"name": "Acme", "api_key": "sk_live_0123456789abcd"})
    assert shown == {"name": "Acme", "api_key": "****abcd"}
    assert redact(FIELDS, {"api_key": "short"}) == {"api_key": "****"}


# --- the richer kinds: ranges, lists, key-value pairs, files, groups and conditions ----------

import base64  # noqa: E402
import io  # noqa: E402

import jsonschema_rs  # noqa: E402
from PIL import Image  # noqa: E402

from core.plugins.fields import Upload, check_fields  # noqa: E402


def _png(width: int = 2, height: int = 2) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


def _file(data: bytes, content_type: str = "image/png", filename: str = "logo.png") -> dict:
    return {
        "filename": filename,
        "content_type": content_type,
        "data": base64.b64encode(data).decode(),
    }


FORM = check_fields(
    (
        Field("mode", "choice", "Mode", choices=("test", "live"), default="test"),
        Field("port", "integer", "Port", min=1, max=65535, default=443, group="Connection"),
        Field("rate", "decimal", "Rate", min="0", max="100", group="Connection"),
        Field(
            "login",
            "string",
            "Login",
            min_length=3,
            max_length=12,
            pattern=r"[a-z0-9_]+",
            group="Connection",
        ),
        Field("routes", "multichoice", "Routes", choices=("sms", "viber", "whatsapp"), max_items=2),
        Field("senders", "list", "Sender names", max_length=11, pattern=r"[A-Za-z0-9 ]+"),
        Field("headers", "keyvalue", "Extra headers", max_items=3),
        Field(
            "live_key", "secret", "Live key", required=True, show_if=("mode", "live"), group="Live"
        ),
        Field(
            "logo",
            "file",
            "Logo",
            content_types=("image/png",),
            max_size=4096,
            image_size=(2, 2),
            show_if=("mode", "live"),
            group="Live",
        ),
        Field("viber_id", "string", "Viber ID", required=True, show_if=("routes", "viber")),
    ),
    "test",
)

GOOD = {
    "mode": "live",
    "port": "8443",
    "rate": "2.5",
    "login": "acme_1",
    "routes": ["sms", "viber"],
    "senders": "ACME\n\nAcme Shop\n",
    "headers": "X-Key=1\nX-Env = prod",
    "live_key": "sk_live",
    "logo": _file(_png()),
    "viber_id": "v-1",
}


def _form_errors(data: dict) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        validate_values(FORM, data)
    assert caught.value.status_code == 422
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_every_kind_accepts_good_input_in_its_typed_form():
    values = validate_values(FORM, GOOD)
    assert values["port"] == 8443 and values["rate"] == Decimal("2.5")
    assert values["routes"] == ["sms", "viber"] and values["senders"] == ["ACME", "Acme Shop"]
    assert values["headers"] == {"X-Key": "1", "X-Env": "prod"}
    assert values["logo"]["content_type"] == "image/png" and values["logo"]["size"] > 0
    assert values["live_key"] == "sk_live" and values["viber_id"] == "v-1"
    # the API's JSON shapes give the same values as the form's strings
    api = {**GOOD, "port": 8443, "senders": ["ACME", "Acme Shop"]}
    api["headers"] = {"X-Key": "1", "X-Env": "prod"}
    assert validate_values(FORM, api) == values


def test_every_broken_field_of_every_kind_is_named_at_once():
    errors = _form_errors(
        {
            "mode": "live",
            "port": "0",
            "rate": "100.01",
            "login": "Ab",
            "routes": ["sms", "fax"],
            "senders": ["ok", "far too long a name"],
            "headers": "no equals sign",
            "logo": _file(_png(3, 2)),
            "routes_typo": 1,
        }
    )
    assert errors == {
        "routes_typo": "unknown field",
        "port": "must be at least 1",
        "rate": "must be at most 100",
        "login": "must be at least 3 characters",
        "routes": "item 2: must be one of: sms, viber, whatsapp",
        "senders": "item 2: must be at most 11 characters",
        "headers": 'line 1: write "key=value"',
        "live_key": "is required",
        "logo": "must be exactly 2x2 pixels (this one is 3x2)",
    }
    assert _form_errors({**GOOD, "login": "UPPER"})["login"] == "must match the pattern [a-z0-9_]+"
    assert "at most 2" in _form_errors({**GOOD, "routes": ["sms", "viber", "whatsapp"]})["routes"]
    assert "twice" in _form_errors({**GOOD, "headers": "a=1\na=2"})["headers"]
    assert "at most 3" in _form_errors({**GOOD, "headers": "a=1\nb=2\nc=3\nd=4"})["headers"]


def test_conditional_fields_are_required_only_when_on_and_dropped_when_off():
    off = validate_values(
        FORM, {"mode": "test", "live_key": "", "logo": "junk", "viber_id": "", "routes": "sms"}
    )
    assert "live_key" not in off and "logo" not in off and "viber_id" not in off
    assert off == {"mode": "test", "port": 443, "routes": ["sms"]}
    # sent anyway while off: ignored, even when it would be invalid
    assert "live_key" not in validate_values(FORM, {"mode": "test", "live_key": "x" * 5})
    on = _form_errors({"mode": "live", "routes": ["viber"]})
    assert on == {"live_key": "is required", "viber_id": "is required"}
    # a controller that is itself invalid turns its conditions off rather than guessing
    assert _form_errors({"mode": "prod"}) == {"mode": "must be one of: test, live"}


def test_file_uploads_are_checked_by_type_size_and_content():
    def logo_error(value) -> str:
        return _form_errors({**GOOD, "logo": value})["logo"]

    assert "image/png" in logo_error(_file(_png(), "image/gif"))
    assert logo_error(_file(b"x" * 5000)) == "must be at most 4096 bytes"
    assert logo_error(_file(b"GIF89a not really")) == "is not a readable image"
    gif = io.BytesIO()
    Image.new("RGB", (2, 2)).save(gif, "GIF")
    assert "GIF image" in logo_error(_file(gif.getvalue()))
    assert logo_error({**_file(_png()), "data": "%%%"}) == "data must be base64"
    assert logo_error({**_file(_png()), "path": "/etc/passwd"}) == "unknown file key: path"
    assert "must be a file" in logo_error("logo.png")
    assert logo_error(_file(b"")) == "is an empty file"
    form_upload = Upload(filename="logo.png", content_type="image/png", data=_png())
    assert validate_values(FORM, {**GOOD, "logo": form_upload})["logo"]["filename"] == "logo.png"
    shown = redact(FORM, validate_values(FORM, GOOD))
    assert "data" not in shown["logo"] and shown["logo"]["filename"] == "logo.png"


@pytest.mark.parametrize(
    "value",
    [
        "9" * 5000,
        10**30,
        -(10**30),
        "1e999999",
        "a\x00b",
        ["a\x00"],
        {"k": "v\x00"},
        {"k": 5},
        3.5,
        None,
        [],
        {"a": [1, 2]},
    ],
)
def test_hostile_values_give_invalid_never_a_crash(value):
    for name in ("port", "rate", "login", "routes", "senders", "headers", "logo"):
        data = {**GOOD, name: value}
        try:
            validate_values(FORM, data)
        except Invalid as exc:
            assert exc.status_code == 422 and len(exc.detail) <= 2000


def test_hostile_sizes_are_refused_cheaply():
    assert "at most 1000" in _form_errors({**GOOD, "senders": ["a"] * 5000})["senders"]
    assert "at most 10000" in _form_errors({**GOOD, "viber_id": "v" * 20_000})["viber_id"]
    huge = {**_file(b"x"), "data": "A" * 10_000_000}
    assert _form_errors({**GOOD, "logo": huge})["logo"] == "must be at most 4096 bytes"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"type": "string", "pattern": "(unclosed"}, "pattern does not compile"),
        ({"type": "integer", "min": 5, "max": 1}, "min (5) is greater than max (1)"),
        ({"type": "decimal", "min": "x"}, "min must be a decimal"),
        ({"type": "string", "min_length": 5, "max_length": 2}, "min_length"),
        ({"type": "boolean", "min": 1}, "min and max are for integer"),
        ({"type": "integer", "pattern": "x"}, "length and pattern"),
        ({"type": "string", "max_items": 2}, "min_items and max_items"),
        ({"type": "list", "min_items": -1}, "0 or more"),
        ({"type": "file"}, "needs content_types"),
        ({"type": "file", "content_types": ("image/png",), "max_size": 0}, "max_size"),
        ({"type": "file", "content_types": ("text/csv",), "image_size": (1, 1)}, "image"),
        ({"type": "string", "max_size": 10}, "are for files"),
        ({"type": "multichoice"}, "needs choices"),
        ({"type": "choice", "choices": ("a", "a")}, "must differ"),
        ({"type": "integer", "default": 0, "min": 1}, "default must be at least 1"),
        ({"type": "string", "show_if": "mode"}, "show_if must be"),
    ],
)
def test_bad_declarations_of_the_new_kinds_fail_early(kwargs, message):
    with pytest.raises(DeclarationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Field("a", label="A", **kwargs)


@pytest.mark.parametrize(
    "fields, message",
    [
        ((Field("a", "string", "A", show_if=("nope", "x")),), "not a field declared before"),
        (
            (
                Field("a", "string", "A", show_if=("b", "x")),
                Field("b", "choice", "B", choices=("x",)),
            ),
            "not a field declared before",
        ),
        (
            (
                Field("b", "choice", "B", choices=("x",)),
                Field("a", "string", "A", show_if=("b", "y")),
            ),
            "show_if value must be one of: x",
        ),
        (
            (Field("b", "secret", "B"), Field("a", "string", "A", show_if=("b", "y"))),
            "cannot control",
        ),
        (
            (
                Field("a", "string", "A", group="G"),
                Field("b", "string", "B"),
                Field("c", "string", "C", group="G"),
            ),
            "group 'G' is split",
        ),
        ((Field("a", "string", "A", group="b"), Field("b", "string", "B")), "name of a field"),
    ],
)
def test_declaration_errors_across_fields_are_raised_at_registration(fields, message):
    with pytest.raises(DeclarationError, match=message):
        check_fields(fields, "Plugin.settings_fields")


def test_json_schema_of_every_kind_is_valid_and_agrees_with_the_validator():
    schema = json_schema(FORM)
    assert jsonschema_rs.meta.is_valid(schema)
    props = schema["properties"]
    assert props["port"]["minimum"] == 1 and props["port"]["maximum"] == 65535
    assert props["login"]["pattern"] == "^(?:[a-z0-9_]+)$" and props["login"]["maxLength"] == 12
    assert props["routes"]["items"]["enum"] == ["sms", "viber", "whatsapp"]
    assert props["headers"]["additionalProperties"] == {"type": "string"}
    assert props["logo"]["properties"]["data"]["contentEncoding"] == "base64"
    assert props["live_key"]["x-group"] == "Live"
    assert props["live_key"]["x-show-if"] == {"field": "mode", "value": "live"}
    assert "live_key" not in schema.get("required", [])
    validator = jsonschema_rs.validator_for(schema)
    api = {**GOOD, "port": 8443, "senders": ["ACME"], "headers": {"X-Key": "1"}}
    assert validator.is_valid(api)
    assert not validator.is_valid({**api, "live_key": None} | {"live_key": 5})
    without_key = {k: v for k, v in api.items() if k != "live_key"}
    assert not validator.is_valid(without_key)  # live mode: if/then requires the key
    assert validator.is_valid({**without_key, "mode": "test"})
    assert not validator.is_valid({"routes": ["viber"]})  # viber chosen: viber_id required
    assert not validator.is_valid({"port": 0}) and not validator.is_valid({"login": "UP"})
    assert not validator.is_valid({"nope": 1})
