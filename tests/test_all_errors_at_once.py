"""Every invalid field in one answer, in our words, in one problem+json shape (issue 8 item 2)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from test_agreements_api import AG, body, world
from test_agreements_ui import _form as agreement_form
from test_ui_helpers import post_form, sign_in

from core.accounts.agreements.models import Agreement
from core.accounts.legal_entities.models import LegalEntity
from core.portals.schemas import PortalCreate
from core.ui.forms import parse
from core.validation import Problems, struct_errors

OWN = "/api/v1/own-legal-entities"
PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def _fields(res) -> dict[str, str]:
    assert res.headers["content-type"].startswith("application/problem+json"), res.text
    assert set(res.json()) == PROBLEM_KEYS, res.json()
    return {e["field"]: e["message"] for e in res.json()["errors"]}


def _form_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', html)


class Sample(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=5)]
    count: Annotated[int, msgspec.Meta(ge=0, le=10)] = 0
    day: date | None = None
    at: datetime | None = None
    kind: Literal["a", "b"] = "a"
    tags: list[Annotated[str, msgspec.Meta(max_length=3)]] = []


def test_struct_errors_name_every_field_in_our_words():
    data = {
        "count": -1,
        "day": "31.12.2025",
        "at": "tomorrow",
        "kind": "c",
        "tags": ["ok", "toolong"],
        "extra": 1,
    }
    errors = {e["field"]: e["message"] for e in struct_errors(data, Sample)}
    assert errors == {
        "name": "Required",
        "count": "Too small: use 0 or more",
        "day": "Use a date like 2026-03-01",
        "at": "Use a date and time like 2026-03-01T09:30:00",
        "kind": "Choose one of: a, b",
        "tags": "Item 2: Use at most 3 characters",
        "extra": "This field is not accepted here",
    }
    assert struct_errors({"name": "", "count": 11}, Sample) == [
        {"field": "name", "message": "Required"},
        {"field": "count", "message": "Too large: use 10 or less"},
    ]
    assert struct_errors({"name": "x", "count": "many"}, Sample) == [
        {"field": "count", "message": "Use a whole number"}
    ]


def test_a_negative_beyond_64_bits_is_too_small_not_too_large():
    assert struct_errors({"name": "x", "count": -(2**70)}, Sample)[0]["message"].startswith(
        "Too small"
    )
    assert struct_errors({"name": "x", "count": 2**70}, Sample)[0]["message"].startswith(
        "Too large"
    )


def test_a_value_of_the_wrong_shape_says_the_shape():
    _, errors = parse({"name": "P", "fqdn": "p.test", "primary_color": "blue-ish"}, PortalCreate)
    assert errors == [{"field": "primary_color", "message": "Use a colour like #1a73e8"}]


def test_problems_collects_every_broken_rule():
    from core.errors import Invalid
    from core.validation import normalise_country

    problems = Problems()
    problems.add("name", "must not be blank")
    assert problems.attempt(normalise_country, "ZZ", default="??") == "??"
    try:
        problems.raise_if_any()
    except Invalid as exc:
        assert [e["field"] for e in exc.errors] == ["name", "country"]
        assert (
            exc.detail == "name: must not be blank; country: ZZ is not an ISO 3166-1 country code"
        )
    else:
        raise AssertionError("no Invalid raised")


async def test_an_empty_legal_entity_body_names_every_required_field(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post(OWN, json={})
    assert res.status_code == 400
    assert _fields(res) == {"name": "Required", "legal_name": "Required", "country": "Required"}
    res = await api.post(
        OWN,
        json={"name": "", "legal_name": 5, "country": "x", "is_default": "maybe", "nope": 1},
    )
    assert _fields(res) == {
        "name": "Required",
        "legal_name": "Use text",
        "country": "Use a country code like DE or DEU",
        "is_default": "Use true or false",
        "nope": "This field is not accepted here",
    }
    assert await LegalEntity.count() == 0


async def test_legal_entity_rules_are_all_reported_in_the_same_shape(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post(
        OWN,
        json={
            "name": "  ",
            "legal_name": " ",
            "country": "ZZ",
            "notification_emails": ["ok@example.test", "not-an-address", "a@b"],
        },
    )
    assert res.status_code == 422
    fields = _fields(res)
    assert set(fields) == {"name", "legal_name", "country", "notification_emails"}
    emails = [e["message"] for e in res.json()["errors"] if e["field"] == "notification_emails"]
    assert len(emails) == 2  # both bad addresses, not only the first
    assert await LegalEntity.count() == 0


async def test_an_agreement_names_timezone_dates_billing_day_and_emails_at_once(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    bad = body(
        w,
        timezone="Mars/Olympus",
        effective_from="2025-03-01T00:00:00",
        effective_till="2025-02-01T00:00:00",
        billing_period="monthly",
        billing_day=40,
        invoice_emails=["nope"],
    )
    res = await api.post(AG, json=bad)
    assert res.status_code == 422, res.text
    fields = _fields(res)
    assert {"timezone", "effective_till", "billing_day", "invoice_emails"} <= set(fields)
    assert await Agreement.count() == 0
    res = await api.post(AG, json=body(w, legal_entity_id=w["r2_le"], currency="XXQ", code=" "))
    assert {"legal_entity_id", "currency", "code"} <= set(_fields(res))


async def test_a_new_version_names_every_broken_term(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = (await api.post(AG, json=body(w))).json()
    res = await api.post(
        f"{AG}/{agreement['id']}/versions",
        json={
            "effective_from": "2030-01-01T00:00:00",
            "billing_timezone": "Nowhere",
            "days_for_payment": -3,
            "credit_limit": "-5",
            "service_emails": ["x"],
        },
    )
    assert res.status_code == 422, res.text
    fields = _fields(res)
    assert set(fields) == {"billing_timezone", "days_for_payment", "credit_limit", "service_emails"}
    assert fields["days_for_payment"].startswith("too small")


async def test_an_empty_legal_entity_form_shows_every_required_field(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await sign_in(bo_client, await bo_factory.user(reseller))
    res = await post_form(bo_client, "/own-legal-entities/new", {"name": "", "country": ""})
    assert res.status_code == 422
    assert _form_errors(res.text).count("Required") == 3  # name, legal name and country


async def test_an_agreement_form_shows_all_four_problems_at_once(bo_client, bo_factory):
    w = await world(bo_factory)
    await sign_in(bo_client, w["user"])
    form = agreement_form(
        w,
        timezone="Mars/Olympus",
        effective_from="2025-03-01T00:00",
        effective_till="2025-02-01T00:00",
        billing_day="40",
        invoice_emails="nope\nbad@",
    )
    res = await post_form(bo_client, "/agreements/new", form)
    assert res.status_code == 422
    shown = " | ".join(_form_errors(res.text))
    assert "IANA timezone" in shown, shown
    assert "later than the start" in shown
    assert "1 to 31" in shown
    assert "“nope” is not a valid email address" in shown and "“bad@”" in shown
    assert await Agreement.count() == 0


async def test_a_huge_negative_credit_limit_is_too_small(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = (await api.post(AG, json=body(w))).json()
    for raw in ("-1e30", "-9300000000000"):
        res = await api.post(
            f"{AG}/{agreement['id']}/versions",
            json={"effective_from": "2030-01-01T00:00:00", "credit_limit": raw},
        )
        assert res.status_code == 422, res.text
        assert "too small" in _fields(res)["credit_limit"], res.text


async def test_portal_and_bank_rules_are_all_reported_at_once(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post(
        "/api/v1/portals",
        json={
            "name": " ",
            "fqdn": "http://bad host/",
            "theme": "no-such-theme",
            "primary_color": "blueish",
            "support_email": "help@",
        },
    )
    assert res.status_code == 422, res.text
    fields = _fields(res)
    assert set(fields) == {"name", "fqdn", "theme", "primary_color", "support_email"}
    assert fields["primary_color"].startswith("use a colour like #1a73e8")
    res = await api.post(
        "/api/v1/banks",
        json={"name": " ", "address": " ", "country": "ZZ", "swift": "nope"},
    )
    assert res.status_code == 422, res.text
    assert set(_fields(res)) == {"name", "address", "country", "swift"}
    res = await api.post(
        "/api/v1/services",
        json={"name": " ", "type": "unit_pack", "currency": "EUR", "size": "-1"},
    )
    assert res.status_code == 422, res.text
    assert set(_fields(res)) == {"name", "currency", "size"}


async def test_api_answers_shape_and_rule_errors_of_one_body_together(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post(
        OWN,
        json={
            "name": "Acme",
            "legal_name": 5,  # wrong shape
            "country": "ZZ",  # a country code's shape, but no such country: a rule
            "notification_emails": ["not-an-address"],  # a rule
        },
    )
    assert res.status_code == 400, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    fields = _fields(res)
    assert fields["legal_name"] == "Use text"
    assert {"country", "notification_emails"} <= set(fields)
    assert await LegalEntity.count() == 0


async def test_an_agreement_body_with_a_bad_date_still_names_its_broken_rules(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    bad = body(w, agreement_date="yesterday", timezone="Mars/Olympus", invoice_emails=["nope"])
    res = await api.post(AG, json=bad)
    assert res.status_code == 400, res.text
    assert {"agreement_date", "timezone", "invoice_emails"} <= set(_fields(res))
    assert await Agreement.count() == 0
