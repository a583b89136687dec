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
