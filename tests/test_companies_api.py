"""Companies over the API: scope, rules, validation and the audit trail."""

from __future__ import annotations


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(
        owner, "reseller", name="Reseller One", creator_of_resellers=False
    )
    r2 = await bo_factory.company(owner, "reseller", name="Reseller Two")
    c1 = await bo_factory.company(r1, "client", name="Client of One")
    c2 = await bo_factory.company(r2, "client", name="Client of Two")
    return owner, r1, r2, c1, c2


async def test_reseller_sees_only_the_companies_it_created(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.get("/api/v1/companies")
    assert res.status_code == 200, res.text
    assert [c["id"] for c in res.json()["items"]] == [c1["id"]]
    owner_api = await bo_api(await bo_factory.user(owner))
    names = {c["name"] for c in (await owner_api.get("/api/v1/companies")).json()["items"]}
    assert names == {"Reseller One", "Reseller Two"}  # grandchildren stay with their reseller


async def test_foreign_company_answers_404_for_read_update_and_delete(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    for foreign in (r2, c2, owner, r1):
        assert (await api.get(f"/api/v1/companies/{foreign['id']}")).status_code == 404
        res = await api.patch(f"/api/v1/companies/{foreign['id']}", json={"name": "Hijacked"})
        assert res.status_code == 404
        assert (await api.delete(f"/api/v1/companies/{foreign['id']}")).status_code == 404
    from tenants.models import Company

    assert not await Company.exists().where(Company.name == "Hijacked")
    assert await Company.count().where(Company.id.is_in([r2["id"], c2["id"]])) == 2


async def test_create_update_delete_with_audit(bo_factory, bo_api):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    api = await bo_api(admin)
    res = await api.post("/api/v1/companies", json={"name": "Acme", "type": "reseller"})
    assert res.status_code == 201, res.text
    company = res.json()
    assert company["is_reseller"] is True and company["parent_id"] == owner["id"]
    res = await api.patch(f"/api/v1/companies/{company['id']}", json={"moderation": True})
    assert res.status_code == 200 and res.json()["moderation"] is True
    assert (await api.delete(f"/api/v1/companies/{company['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/companies/{company['id']}")).status_code == 404

    from core.audit.models import AuditChange, AuditEvent

    events = (
        await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.action.like("Company %"))
        .order_by(AuditEvent.id)
    )
    assert [e["action"] for e in events] == [
        "Company created",
        "Company updated",
        "Company deleted",
    ]
    update = await AuditChange.select().where(AuditChange.operation == "update").first()
    assert update["table_name"] == "companies" and update["object_id"] == company["id"]
    import json

    assert json.loads(update["old_values"]) == {"moderation": False}
    assert json.loads(update["new_values"]) == {"moderation": True}


async def test_path_is_materialised(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    created = (await api.post("/api/v1/companies", json={"name": "R", "type": "reseller"})).json()
    from tenants.models import Company

    row = (
        await Company.select(Company.path, Company.depth).where(Company.id == created["id"]).first()
    )
    assert row == {"path": f"{owner['path']}{created['id']}/", "depth": 1}


async def test_rules_on_types(bo_factory, bo_api):
    owner = await bo_factory.owner()
    plain_reseller = await bo_factory.company(owner, "reseller")
    api = await bo_api(await bo_factory.user(plain_reseller))
    res = await api.post("/api/v1/companies", json={"name": "Sub", "type": "reseller"})
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {"field": "type", "message": "your company may not create resellers"}
    ]
    res = await api.post(
        "/api/v1/companies", json={"name": "C", "type": "client", "creator_of_resellers": True}
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "creator_of_resellers"
    assert (
        await api.post("/api/v1/companies", json={"name": "C", "type": "client"})
    ).status_code == 201
    dup = await api.post("/api/v1/companies", json={"name": "c", "type": "client"})
    assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "name"


async def test_client_company_users_cannot_manage_companies(bo_factory, bo_api):
    client = await bo_factory.company(await bo_factory.owner(), "client")
    api = await bo_api(await bo_factory.user(client))
    res = await api.post("/api/v1/companies", json={"name": "X", "type": "client"})
    assert res.status_code == 422


async def test_delete_refused_while_company_has_companies(bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    await bo_factory.company(reseller, "client")
    api = await bo_api(await bo_factory.user(owner))
    res = await api.delete(f"/api/v1/companies/{reseller['id']}")
    assert res.status_code == 409
    res = await api.patch(f"/api/v1/companies/{reseller['id']}", json={"type": "client"})
    assert res.status_code == 422


async def test_bad_input_is_rejected_and_changes_nothing(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    from tenants.models import Company

    before = await Company.count()
    cases = [
        (b"{not json", 400, None),
        (b'{"name": "A", "type": "client", "colour": "red"}', 400, "colour"),
        (b'{"name": 12, "type": "client"}', 400, "name"),
        (b'{"type": "client"}', 400, "name"),
        (b'{"name": "A", "type": "vendor"}', 400, "type"),
        (b'{"name": "", "type": "client"}', 400, "name"),
    ]
    for body, status, field in cases:
        res = await api.post(
            "/api/v1/companies", content=body, headers={"content-type": "application/json"}
        )
        assert res.status_code == status, (body, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
        problem = res.json()
        assert problem["status"] == status and problem["errors"]
        if field:
            assert any(field in e["field"] or field in e["message"] for e in problem["errors"]), (
                problem
            )
    assert await Company.count() == before


async def test_list_filters_sorting_and_paging(bo_factory, bo_api):
    owner = await bo_factory.owner()
    for i in range(7):
        await bo_factory.company(owner, "reseller" if i % 2 else "client", name=f"Firm {i}")
    api = await bo_api(await bo_factory.user(owner))
    page = (await api.get("/api/v1/companies?page_size=3&page=3&sort=name&order=asc")).json()
    assert page["total"] == 7 and page["pages"] == 3
    assert [c["name"] for c in page["items"]] == ["Firm 6"]
    resellers = (await api.get("/api/v1/companies?type=reseller&sort=name&order=desc")).json()
    assert [c["name"] for c in resellers["items"]] == ["Firm 5", "Firm 3", "Firm 1"]
    found = (await api.get("/api/v1/companies?q=irm 4")).json()
    assert [c["name"] for c in found["items"]] == ["Firm 4"]
    bad = await api.get("/api/v1/companies?sort=password")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"


async def test_requests_without_a_valid_token_are_401(bo_client):
    assert (await bo_client.get("/api/v1/companies")).status_code == 401
    res = await bo_client.get("/api/v1/companies", headers={"Authorization": "Bearer nope"})
    assert res.status_code == 401
