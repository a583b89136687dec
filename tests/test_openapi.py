"""The OpenAPI document says what the server does (errors, strict bodies, CSV, sort keys), and
the docs page needs nothing from the internet."""

from __future__ import annotations

import re

import pytest

from core.web.openapi import COMMON_ERRORS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
async def document(bo_client):
    res = await bo_client.get("/api/schema/openapi.json")
    assert res.status_code == 200
    return res.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


async def test_every_operation_declares_the_problem_answers(document):
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    checked = 0
    for method, path, operation in operations(document):
        if not path.startswith("/api/"):
            continue
        for status in COMMON_ERRORS:
            answer = operation["responses"][str(status)]
            assert answer["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}, (
                method,
                path,
                status,
            )
        checked += 1
    assert checked > 100
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"423", "429"} <= set(token)
    assert token["429"]["content"]["application/problem+json"]["schema"] == PROBLEM_REF


async def test_request_bodies_forbid_unknown_fields_as_the_server_does(document, bo_factory):
    schemas = document["components"]["schemas"]
    assert schemas["BankCreate"]["additionalProperties"] is False
    assert schemas["UserUpdate"]["additionalProperties"] is False
    assert "additionalProperties" not in schemas["BankOut"]  # answers may grow new fields


async def test_lists_declare_their_csv_answer_and_sort_keys(document):
    listing = document["paths"]["/api/v1/banks"]["get"]
    assert set(listing["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv; charset=utf-8",
    }
    sort = next(p for p in listing["parameters"] if p["name"] == "sort")
    assert "name" in sort["schema"]["enum"] and "id" in sort["schema"]["enum"]
    assert sort["schema"]["default"] in sort["schema"]["enum"]


async def test_uploads_declare_their_required_file_part(document):
    body = document["paths"]["/api/v1/me/avatar"]["put"]["requestBody"]
    ref = body["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    form = document["components"]["schemas"][ref]
    assert form["required"] == ["file"]
    assert form["properties"]["file"]["format"] == "binary"


async def test_dates_carry_their_format(document):
    schemas = document["components"]["schemas"]
    assert schemas["AgreementCreate"]["properties"]["agreement_date"]["format"] == "date"
    assert schemas["AgreementCreate"]["properties"]["effective_from"]["format"] == "date-time"


async def test_a_wrong_method_answers_405_with_allow(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.put("/api/v1/banks")
    assert res.status_code == 405
    assert res.headers["content-type"] == "application/problem+json"
    assert set(res.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


async def test_csv_answers_name_their_charset_once(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.get("/api/v1/companies?format=csv")
    assert res.status_code == 200
    assert res.headers["content-type"] == "text/csv; charset=utf-8"


async def test_the_docs_page_loads_its_assets_from_this_server(bo_client):
    page = await bo_client.get("/api/schema")
    assert page.status_code == 200
    assert not re.search(r"""(?:src|href)=["']?https?:""", page.text)
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"/static/swagger-ui/{asset}" in page.text
        res = await bo_client.get(f"/static/swagger-ui/{asset}")
        assert res.status_code == 200 and len(res.content) > 10_000
