"""Banks over the API: validation of country and SWIFT, the ancestor read scope, the owner-only
write scope, the audit trail and untouched data after bad input."""

from __future__ import annotations

import json

import pytest

from core.accounts.banks.models import Bank
from core.audit.models import AuditChange, AuditEvent

VALID = {"name": "Vienna Credit Union", "country": "AT", "address": "Wien, Ring 1"}


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Reseller One", creator_of_resellers=True)
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    sub = await bo_factory.company(r1, "reseller", name="Sub of One")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    return owner, r1, r2, sub, c1


async def _bank(company: dict, name: str, **fields) -> dict:
    values = {"country": "AT", "address": "Somewhere 1", **fields}
    bank = Bank(company=company["id"], name=name, **values)
    await bank.save()
    return {"id": bank.id, "name": name}


async def test_create_read_update_delete_with_audit(bo_factory, bo_api):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    api = await bo_api(admin)
    res = await api.post(
        "/api/v1/banks",
        json={**VALID, "country": "aut", "swift": " vcubatww ", "branch_code": "777"},
    )
    assert res.status_code == 201, res.text
    bank = res.json()
    assert bank["country"] == "AT" and bank["country_name"] == "Austria"
    assert bank["swift"] == "VCUBATWW" and bank["branch_code"] == "777"
    assert bank["owned"] is True and bank["company_id"] == owner["id"]
    assert bank["company_name"] == owner["name"]
    got = (await api.get(f"/api/v1/banks/{bank['id']}")).json()
    assert got["name"] == "Vienna Credit Union"
    res = await api.patch(f"/api/v1/banks/{bank['id']}", json={"swift": "VCUBATWW123"})
    assert res.status_code == 200 and res.json()["swift"] == "VCUBATWW123"
    same = await api.patch(f"/api/v1/banks/{bank['id']}", json={"name": "Vienna Credit Union"})
    assert same.status_code == 200  # nothing changed: no audit event
    assert (await api.delete(f"/api/v1/banks/{bank['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/banks/{bank['id']}")).status_code == 404
    assert not await Bank.exists().where(Bank.id == bank["id"])

    events = (
        await AuditEvent.select(AuditEvent.action, AuditEvent.user)
        .where(AuditEvent.action.like("Bank %"))
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == ["Bank created", "Bank updated", "Bank deleted"]
    assert {e["user"] for e in events} == {admin["id"]}
    changes = await AuditChange.select().where(AuditChange.table_name == "banks")
    by_op = {c["operation"]: c for c in changes}
    assert json.loads(by_op["insert"]["new_values"])["swift"] == "VCUBATWW"
    assert json.loads(by_op["update"]["old_values"]) == {"swift": "VCUBATWW"}
    assert json.loads(by_op["update"]["new_values"]) == {"swift": "VCUBATWW123"}
    assert json.loads(by_op["delete"]["old_values"])["name"] == "Vienna Credit Union"
    assert all(c["object_company_id"] == owner["id"] for c in changes)


@pytest.mark.parametrize(
    ("swift", "stored"),
    [("", ""), ("deutdeff", "DEUTDEFF"), ("DEUTDEFF500", "DEUTDEFF500"), ("ABCDXK22", "ABCDXK22")],
)
async def test_valid_swift_codes(bo_factory, bo_api, swift, stored):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post("/api/v1/banks", json={**VALID, "swift": swift})
    assert res.status_code == 201, res.text
    assert res.json()["swift"] == stored


@pytest.mark.parametrize(
    ("swift", "message"),
    [
        ("APRFUJZ", "must be 8 or 11 characters long, not 7"),
        ("DEUTDEFF5", "must be 8 or 11 characters long, not 9"),
        ("DEUTDEFF5000", "must be 8 or 11 characters long, not 12"),
        ("DEUT DEFF", "use letters and digits only, without spaces or punctuation"),
        ("DEUT-DEF", "use letters and digits only, without spaces or punctuation"),
        ("DEUTÄEFF", "use letters and digits only, without spaces or punctuation"),
        ("DEUTZZFF", "characters 5-6 must be a country code; ZZ is not one"),
        ("DEUT12FF", "characters 5-6 must be a country code; 12 is not one"),
    ],
)
async def test_invalid_swift_codes_are_explained(bo_factory, bo_api, swift, message):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post("/api/v1/banks", json={**VALID, "swift": swift})
    assert res.status_code == 422, res.text
    assert res.json()["errors"] == [{"field": "swift", "message": message}]
    bank = await _bank(owner, "Kept", swift="DEUTDEFF")
    res = await api.patch(f"/api/v1/banks/{bank['id']}", json={"swift": swift})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "swift"
    assert await Bank.count() == 1
    row = await Bank.select(Bank.swift).where(Bank.id == bank["id"]).first()
    assert row["swift"] == "DEUTDEFF"


@pytest.mark.parametrize(
    ("country", "stored", "message"),
    [
        ("cz", "CZ", None),
        ("CZE", "CZ", None),
        ("kor", "KR", None),
        ("ZZ", None, "ZZ is not an ISO 3166-1 country code"),
        ("XYZ", None, "XYZ is not an ISO 3166-1 country code"),
        ("Czechia", None, "use an ISO 3166-1 country code of two or three letters, e.g. DE or DEU"),
        ("C1", None, "use an ISO 3166-1 country code of two or three letters, e.g. DE or DEU"),
        ("  ", None, "must not be blank"),
    ],
)
async def test_country_is_validated_and_stored_as_alpha_2(
    bo_factory, bo_api, country, stored, message
):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    res = await api.post("/api/v1/banks", json={**VALID, "country": country})
    if stored:
        assert res.status_code == 201, res.text
        assert res.json()["country"] == stored
    else:
        assert res.status_code == 422, res.text
        assert res.json()["errors"] == [{"field": "country", "message": message}]
        assert await Bank.count() == 0


async def test_reseller_sees_ancestor_banks_read_only(bo_factory, bo_api):
    owner, r1, r2, sub, c1 = await _tree(bo_factory)
    owner_api = await bo_api(await bo_factory.user(owner))
    created = await owner_api.post("/api/v1/banks", json={**VALID, "name": "Owner Bank"})
    owner_bank = created.json()
    r1_bank = await _bank(r1, "Reseller One Bank")
    r2_bank = await _bank(r2, "Reseller Two Bank")
    sub_bank = await _bank(sub, "Sub Bank")

    sub_api = await bo_api(await bo_factory.user(sub))
    listed = (await sub_api.get("/api/v1/banks?sort=name&order=asc")).json()
    assert [(b["name"], b["owned"]) for b in listed["items"]] == [
        ("Owner Bank", False),
        ("Reseller One Bank", False),
        ("Sub Bank", True),
    ]
    assert listed["items"][0]["company_name"] == owner["name"]
    for bank in (owner_bank, r1_bank):
        read = await sub_api.get(f"/api/v1/banks/{bank['id']}")
        assert read.status_code == 200 and read.json()["owned"] is False
        res = await sub_api.patch(f"/api/v1/banks/{bank['id']}", json={"name": "Hijacked"})
        assert res.status_code == 404
        assert (await sub_api.delete(f"/api/v1/banks/{bank['id']}")).status_code == 404
    assert not await Bank.exists().where(Bank.name == "Hijacked")
    assert await Bank.count() == 4

    r1_api = await bo_api(await bo_factory.user(r1))
    names = {b["name"] for b in (await r1_api.get("/api/v1/banks")).json()["items"]}
    assert names == {"Owner Bank", "Reseller One Bank"}  # never the sub-reseller's or sibling's
    owner_names = {b["name"] for b in (await owner_api.get("/api/v1/banks")).json()["items"]}
    assert owner_names == {"Owner Bank"}
    assert (await owner_api.get(f"/api/v1/banks/{sub_bank['id']}")).status_code == 404
    assert (await r1_api.get(f"/api/v1/banks/{sub_bank['id']}")).status_code == 404
    assert (await r1_api.get(f"/api/v1/banks/{r2_bank['id']}")).status_code == 404


async def test_sibling_and_client_users_get_404_on_every_id_route(bo_factory, bo_api):
    owner, r1, r2, sub, c1 = await _tree(bo_factory)
    bank = await _bank(r1, "Private Bank")
    client_api = await bo_api(await bo_factory.user(c1))
    assert (await client_api.get(f"/api/v1/banks/{bank['id']}")).status_code == 403  # issue 8
    for outsider in (r2, sub):
        api = await bo_api(await bo_factory.user(outsider))
        can_read = outsider is not r2
        read = await api.get(f"/api/v1/banks/{bank['id']}")
        # the sub-reseller of r1 may read r1's bank, the sibling may not
        assert read.status_code == (200 if can_read else 404)
        # a client changes no bank at all (403, issue 8); the others do not see r1's as theirs
        refused = 403 if outsider is c1 else 404
        res = await api.patch(f"/api/v1/banks/{bank['id']}", json={"name": "Hijacked"})
        assert res.status_code == refused
        assert res.headers["content-type"].startswith("application/problem+json")
        assert (await api.delete(f"/api/v1/banks/{bank['id']}")).status_code == refused
    r2_api = await bo_api(await bo_factory.user(r2))
    assert (await r2_api.get("/api/v1/banks")).json()["total"] == 0
    row = await Bank.select(Bank.name).where(Bank.id == bank["id"]).first()
    assert row["name"] == "Private Bank"


async def test_bad_input_is_rejected_and_changes_nothing(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    bank = await _bank(owner, "Stable", swift="DEUTDEFF")
    cases = [
        (b"{not json", 400, None),
        (b'{"name": "A", "country": "AT", "address": "x", "iban": "1"}', 400, "iban"),
        (b'{"name": 12, "country": "AT", "address": "x"}', 400, "name"),
        (b'{"country": "AT", "address": "x"}', 400, "name"),
        (b'{"name": "A", "country": "AT"}', 400, "address"),
        (b'{"name": "A", "address": "x"}', 400, "country"),
        (b'{"name": "", "country": "AT", "address": "x"}', 400, "name"),
        (b'{"name": "   ", "country": "AT", "address": "x"}', 422, "name"),
        (b'{"name": "A", "country": "AT", "address": "  "}', 422, "address"),
        (
            b'{"name": "A", "country": "AT", "address": "x", "bank_code": "' + b"9" * 33 + b'"}',
            400,
            "bank_code",
        ),
    ]
    for body, status, field in cases:
        res = await api.post(
            "/api/v1/banks", content=body, headers={"content-type": "application/json"}
        )
        assert res.status_code == status, (body, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
        problem = res.json()
        assert problem["status"] == status and problem["errors"]
        if field:
            assert any(field in e["field"] or field in e["message"] for e in problem["errors"]), (
                problem
            )
    for patch in ({"name": ""}, {"country": "QQ"}, {"swift": "BAD"}, {"owner": 1}):
        res = await api.patch(f"/api/v1/banks/{bank['id']}", json=patch)
        assert res.status_code in (400, 422), (patch, res.text)
    assert await Bank.count() == 1
    row = await Bank.select(Bank.name, Bank.country, Bank.swift).first()
    assert row == {"name": "Stable", "country": "AT", "swift": "DEUTDEFF"}
    assert not await AuditEvent.exists().where(AuditEvent.action.like("Bank %"))


async def test_list_filters_sorting_and_paging(bo_factory, bo_api):
    owner = await bo_factory.owner()
    countries = ["AT", "CZ", "DE", "AT", "NO", "CZ", "AT"]
    for i, country in enumerate(countries):
        await _bank(owner, f"Bank {i}", country=country, swift=f"BNK{i}{country}22")
    api = await bo_api(await bo_factory.user(owner))
    page = (await api.get("/api/v1/banks?page_size=3&page=3&sort=name&order=asc")).json()
    assert page["total"] == 7 and page["pages"] == 3
    assert [b["name"] for b in page["items"]] == ["Bank 6"]
    austrian = (await api.get("/api/v1/banks?country=aut&sort=name&order=desc")).json()
    assert [b["name"] for b in austrian["items"]] == ["Bank 6", "Bank 3", "Bank 0"]
    assert (await api.get("/api/v1/banks?q=ank 4")).json()["items"][0]["name"] == "Bank 4"
    by_swift = (await api.get("/api/v1/banks?swift=bnk2")).json()
    assert [b["name"] for b in by_swift["items"]] == ["Bank 2"]
    by_country = (await api.get("/api/v1/banks?sort=country&order=asc&page_size=2")).json()
    assert [b["country"] for b in by_country["items"]] == ["AT", "AT"]
    swift_sorted = (await api.get("/api/v1/banks?sort=swift&order=desc")).json()
    assert swift_sorted["items"][0]["swift"] == "BNK6AT22"
    assert (await api.get("/api/v1/banks?sort=created_at")).status_code == 200
    bad = await api.get("/api/v1/banks?sort=address")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"
    bad = await api.get("/api/v1/banks?country=Narnia")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "country"


async def test_requests_without_a_valid_token_are_401(bo_client):
    assert (await bo_client.get("/api/v1/banks")).status_code == 401
    res = await bo_client.post("/api/v1/banks", json=VALID)
    assert res.status_code == 401
    assert await Bank.count() == 0
