"""Hostile input answers a clear 4xx, never a 500 (issue 8 items 2, 7, 9 and 13)."""

from __future__ import annotations

import pytest
from test_ui_helpers import post_form, sign_in

from core.accounts.legal_entities.models import LegalEntity
from core.errors import Invalid
from tenants.models import Company

HUGE_PAGE = 2**63 // 25 + 10  # (page - 1) * page_size passes 2**63
LISTS = (
    "/api/v1/companies",
    "/api/v1/own-legal-entities",
    "/api/v1/legal-entities",
    "/api/v1/banks",
    "/api/v1/agreements",
    "/api/v1/portals",
    "/api/v1/users",
    "/api/v1/audit",
    "/api/v1/services",
)


def _problem(res, status: int) -> dict:
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    problem = res.json()
    assert {"title", "status", "detail"} <= set(problem) and problem["status"] == status
    return problem


async def test_a_page_past_64_bit_offsets_is_refused_on_every_list(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    for url in LISTS:
        for page in (HUGE_PAGE, 10**30):
            res = await api.get(f"{url}?page={page}")
            problem = _problem(res, 400 if res.status_code == 400 else 422)
            assert problem["errors"][0]["field"] == "page", url
            assert problem["errors"][0]["message"].startswith("Too large"), problem


async def test_ui_lists_refuse_a_page_past_64_bit_offsets(bo_client, bo_factory):
    await sign_in(bo_client, await bo_factory.user(await bo_factory.owner()))
    for url in ("/companies", "/own-legal-entities", "/users"):
        res = await bo_client.get(f"{url}?page={HUGE_PAGE}")
        assert res.status_code == 422, (url, res.status_code)
        assert "Too large" in res.text


async def test_bodies_that_are_not_json_answer_400(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    headers = {"content-type": "application/json"}
    cases = {
        b'{"name": "\xff\xfe"}': "UTF-8",
        b"[" * 10_000 + b"]" * 10_000: "nests too deep",
        b'{"name": ': "not valid JSON",
    }
    for raw, words in cases.items():
        res = await api.post("/api/v1/own-legal-entities", content=raw, headers=headers)
        problem = _problem(res, 400)
        assert words in problem["detail"], problem
    assert await LegalEntity.count() == 0


async def test_nul_characters_are_refused_wherever_text_comes_in(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    api = await bo_api(user)
    entity = {"name": "Bad\u0000Name", "legal_name": "L", "country": "DE"}
    problem = _problem(await api.post("/api/v1/own-legal-entities", json=entity), 400)
    assert problem["errors"] == [
        {"field": "name", "message": "Must not contain NUL characters (\\u0000)"}
    ]
    nested = {**entity, "name": "Ok", "notification_emails": ["a@b.test", "x\u0000@b.test"]}
    problem = _problem(await api.post("/api/v1/own-legal-entities", json=nested), 400)
    assert problem["errors"][0]["field"] == "notification_emails[1]"
    for url in (
        "/api/v1/companies?q=a%00b",
        "/api/v1/companies?sort=name%00",
        "/api/v1/legal-entities?country=D%00",
        "/api/v1/dictionaries/countries%00",
    ):
        _problem(await api.get(url), 400)
    assert await LegalEntity.count() == 0

    await sign_in(bo_client, user)
    res = await post_form(
        bo_client,
        "/own-legal-entities/new",
        {"name": "Form\u0000Name", "legal_name": "L", "country": "DE"},
        page="/own-legal-entities/new",
    )
    assert res.status_code == 400 and "NUL" in res.text
    res = await bo_client.get("/companies?q=x%00")
    assert res.status_code == 400 and "NUL" in res.text
    assert await LegalEntity.count() == 0 and await Company.count() == 1


async def test_a_non_numeric_id_is_a_problem_json_404(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    for url in ("/api/v1/companies/abc", "/api/v1/own-legal-entities/1.5", "/api/v1/nothing"):
        problem = _problem(await api.get(url), 404)
        assert "not found" in problem["detail"]


async def test_not_found_messages_use_the_object_name(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    expected = {
        "/api/v1/companies/99999": "company 99999 not found",
        "/api/v1/own-legal-entities/99999": "own legal entity 99999 not found",
        "/api/v1/legal-entities/99999": "legal entity 99999 not found",
        "/api/v1/audit/99999": "audit event 99999 not found",
    }
    for url, detail in expected.items():
        assert _problem(await api.get(url), 404)["detail"] == detail


async def test_like_wildcards_in_searches_match_only_themselves(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    for name in ("Plain Co", "Half_Off Co", "Fifty% Co", "Back\\slash Co"):
        await bo_factory.company(owner, "client", name=name)

    async def found(q: str) -> list[str]:
        res = await api.get("/api/v1/companies", params={"q": q})
        assert res.status_code == 200, res.text
        return sorted(item["name"] for item in res.json()["items"])

    assert await found("%") == ["Fifty% Co"]
    assert await found("_") == ["Half_Off Co"]
    assert await found("a_f") == []  # "_" would match the "l" of "Half"
    assert await found("\\") == ["Back\\slash Co"]
    assert await found("co") == ["Back\\slash Co", "Fifty% Co", "Half_Off Co", "Plain Co"]


@pytest.mark.parametrize(
    "address,ok",
    [
        ("ada@example.test", True),
        ("Ada.Lovelace+x@mail.example.co", True),
        ("ada@localhost", False),
        ("ada@@example.test", False),
        ("ada example@example.test", False),
        (".ada@example.test", False),
        ("ada..l@example.test", False),
        ("ada@-example.test", False),
    ],
)
def test_one_email_rule_everywhere(address: str, ok: bool):
    from core.plugins.fields import Field
    from core.portals.rules import clean_email
    from core.users.rules import normalize_email
    from core.validation import check_email, is_email

    assert is_email(address) is ok

    def accepted(check) -> bool:
        try:
            check(address)
        except (Invalid, ValueError):
            return False
        return True

    field = Field(name="contact", type="email", label="Contact")
    for check in (check_email, clean_email, normalize_email, field.coerce):
        assert accepted(check) is ok, check


def test_one_country_rule_for_banks_and_legal_entities():
    from core.accounts.banks import service as banks
    from core.accounts.legal_entities import service as legal_entities
    from core.validation import country_name, normalise_country

    assert banks.normalise_country is normalise_country
    assert legal_entities.normalise_country is normalise_country
    assert banks.country_name is legal_entities.country_name is country_name
    assert normalise_country(" deu ") == "DE" and normalise_country("ca") == "CA"
    for raw, message in (("", "must not be blank"), ("D1", "two or three letters"), ("ZZ", "ZZ")):
        with pytest.raises(Invalid) as caught:
            normalise_country(raw)
        assert message in caught.value.errors[0]["message"]


async def test_query_parameter_errors_say_what_would_do(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    problem = _problem(await api.get("/api/v1/companies?order=sideways&page=x&page_size=0"), 400)
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "order": "Choose one of: asc, desc",
        "page": "Use a whole number",
        "page_size": "Too small: use 1 or more",
    }
