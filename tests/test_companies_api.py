"""Companies over the API: scope, rules, validation and the audit trail."""

from __future__ import annotations

from core.plugins import registry


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


async def test_resellers_made_earlier_stay_editable_after_the_right_is_withdrawn(
    bo_factory, bo_api
):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", creator_of_resellers=True)
    sub = await bo_factory.company(reseller, "reseller", name="Sub")
    leaf = await bo_factory.company(reseller, "client", name="Leaf")
    owner_api = await bo_api(await bo_factory.user(owner))
    res = await owner_api.patch(
        f"/api/v1/companies/{reseller['id']}", json={"creator_of_resellers": False}
    )
    assert res.status_code == 200, res.text
    api = await bo_api(await bo_factory.user(reseller))
    res = await api.patch(f"/api/v1/companies/{sub['id']}", json={"description": "Kept"})
    assert res.status_code == 200, res.text
    assert res.json()["type"] == "reseller" and res.json()["description"] == "Kept"
    # making a new reseller, or a new creator of resellers, still needs the right
    res = await api.patch(f"/api/v1/companies/{leaf['id']}", json={"type": "reseller"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "type"
    res = await api.patch(f"/api/v1/companies/{sub['id']}", json={"creator_of_resellers": True})
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "creator_of_resellers"


async def test_client_company_users_cannot_manage_companies(bo_factory, bo_api):
    client = await bo_factory.company(await bo_factory.owner(), "client")
    api = await bo_api(await bo_factory.user(client))
    res = await api.post("/api/v1/companies", json={"name": "X", "type": "client"})
    assert res.status_code == 403  # issue 8: client-portal users are refused every call


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


# --- own legal entity, invoices, two-factor, MNP, block / unblock ---------------------------


async def _legal_entity(company: dict, name: str, is_default: bool = False) -> int:
    from core.accounts.legal_entities.models import LegalEntity

    entity = LegalEntity(
        company=company["id"], name=name, legal_name=name, country="DE", is_default=is_default
    )
    await entity.save()
    return entity.id


async def test_own_legal_entity_must_be_one_of_the_callers_own(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    mine = await _legal_entity(r1, "R1 Sales", is_default=True)
    other = await _legal_entity(r1, "R1 Other")
    siblings = await _legal_entity(r2, "R2 Sales")
    clients = await _legal_entity(c1, "C1 Entity")
    parents = await _legal_entity(owner, "Owner Sales")
    api = await bo_api(await bo_factory.user(r1))
    for foreign in (siblings, clients, parents, 987654):
        res = await api.post(
            "/api/v1/companies",
            json={"name": "Buyer", "type": "client", "own_legal_entity_id": foreign},
        )
        assert res.status_code == 422, res.text
        assert res.json()["errors"] == [
            {"field": "own_legal_entity_id", "message": "no such legal entity among your own"}
        ]
    res = await api.post("/api/v1/companies", json={"name": "Defaulted", "type": "client"})
    assert res.status_code == 201, res.text
    assert res.json()["own_legal_entity_id"] == mine
    assert res.json()["own_legal_entity_name"] == "R1 Sales"
    res = await api.post(
        "/api/v1/companies", json={"name": "Chosen", "type": "client", "own_legal_entity_id": other}
    )
    assert res.json()["own_legal_entity_id"] == other
    res = await api.post(
        "/api/v1/companies", json={"name": "None", "type": "client", "own_legal_entity_id": None}
    )
    assert res.json()["own_legal_entity_id"] is None
    cid = res.json()["id"]
    res = await api.patch(f"/api/v1/companies/{cid}", json={"own_legal_entity_id": siblings})
    assert res.status_code == 422
    res = await api.patch(f"/api/v1/companies/{cid}", json={"own_legal_entity_id": other})
    assert res.status_code == 200 and res.json()["own_legal_entity_name"] == "R1 Other"
    listed = (await api.get(f"/api/v1/companies?own_legal_entity_id={other}")).json()
    assert sorted(c["name"] for c in listed["items"]) == ["Chosen", "None"]
    ordered = (await api.get("/api/v1/companies?sort=own_legal_entity&order=asc")).json()
    assert ordered["total"] == 4


async def test_without_a_default_own_legal_entity_none_is_set(bo_factory, bo_api):
    owner = await bo_factory.owner()
    await _legal_entity(owner, "Not default")
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post("/api/v1/companies", json={"name": "Plain", "type": "client"})
    assert res.status_code == 201 and res.json()["own_legal_entity_id"] is None


async def test_new_flags_are_stored_filtered_and_audited(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    body = {"name": "Flags", "type": "client", "invoices_enabled": True}
    created = (await api.post("/api/v1/companies", json=body)).json()
    assert created["invoices_enabled"] is True and created["two_factor_required"] is False
    await api.post("/api/v1/companies", json={"name": "Plain", "type": "client"})
    res = await api.patch(
        f"/api/v1/companies/{created['id']}",
        json={"two_factor_required": True, "invoices_enabled": False},
    )
    assert res.status_code == 200 and res.json()["two_factor_required"] is True
    found = (await api.get("/api/v1/companies?two_factor_required=true")).json()["items"]
    assert [c["name"] for c in found] == ["Flags"]
    found = (await api.get("/api/v1/companies?invoices_enabled=false")).json()["items"]
    assert sorted(c["name"] for c in found) == ["Flags", "Plain"]

    import json

    from core.audit.models import AuditChange

    companies = AuditChange.select().where(AuditChange.table_name == "companies")
    insert = await companies.where(AuditChange.operation == "insert").first()
    assert json.loads(insert["new_values"])["invoices_enabled"] is True
    assert json.loads(insert["new_values"])["mnp_channels"] == []
    update = await (
        AuditChange.select()
        .where(AuditChange.table_name == "companies", AuditChange.operation == "update")
        .first()
    )
    assert json.loads(update["old_values"]) == {
        "invoices_enabled": True,
        "two_factor_required": False,
    }


async def test_two_factor_required_makes_users_set_up_a_second_factor(
    bo_factory, bo_api, bo_client
):
    from signin_helpers import api_login

    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client")
    user = await bo_factory.user(client)
    api = await bo_api(await bo_factory.user(owner))
    assert (await api_login(bo_client, user)).status_code == 201
    res = await api.patch(f"/api/v1/companies/{client['id']}", json={"two_factor_required": True})
    assert res.status_code == 200
    res = await api_login(bo_client, user)
    assert res.status_code == 403 and "two_factor_enrolment_required" in res.json()["detail"]


async def test_mnp_options_are_for_the_system_owner_only(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    reseller_api = await bo_api(await bo_factory.user(r1))
    listed = (await reseller_api.get("/api/v1/companies")).json()["items"][0]
    assert not {"mnp_requests", "mnp_connection", "mnp_channels"} & set(listed)
    shown = (await reseller_api.get(f"/api/v1/companies/{c1['id']}")).json()
    assert "mnp_requests" not in shown
    for field, value in (("mnp_requests", False), ("mnp_connection", ""), ("mnp_channels", [])):
        res = await reseller_api.post(
            "/api/v1/companies", json={"name": "M", "type": "client", field: value}
        )
        assert res.status_code == 422, res.text
        assert res.json()["errors"] == [
            {
                "field": field,
                "message": "only the system owner sets number-portability (MNP) options",
            }
        ]
        res = await reseller_api.patch(f"/api/v1/companies/{c1['id']}", json={field: value})
        assert res.status_code == 422
    res = await reseller_api.get("/api/v1/companies?mnp_requests=false")
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "mnp_requests"

    owner_api = await bo_api(await bo_factory.user(owner))
    shown = (await owner_api.get(f"/api/v1/companies/{r1['id']}")).json()
    assert shown["mnp_requests"] is False and shown["mnp_channels"] == []
    assert shown["mnp_connection"] == ""
    assert (await owner_api.get("/api/v1/companies?mnp_requests=false")).json()["total"] == 2


async def test_mnp_cannot_be_enabled_without_an_mnp_capable_connection(
    bo_factory, bo_api, bo_register_plugin
):
    from test_plugins_registry import Chat, Plugin, Zones

    bo_register_plugin(Plugin(channels=[Chat], dictionaries=[Zones]), name="mnp-chat")
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    body = {"name": "Ported", "type": "client", "mnp_requests": True, "mnp_channels": ["test-chat"]}
    res = await api.post("/api/v1/companies", json=body)
    assert res.status_code == 422
    assert res.json()["errors"] == [
        {
            "field": "mnp_requests",
            "message": "no MNP-capable connection is available yet, so MNP requests stay off",
        }
    ]
    res = await api.post(
        "/api/v1/companies", json={"name": "P", "type": "client", "mnp_connection": "va"}
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "mnp_connection"
    res = await api.post(
        "/api/v1/companies", json={"name": "P", "type": "client", "mnp_channels": ["fax"]}
    )
    assert res.status_code == 422
    assert res.json()["errors"][0] == {
        "field": "mnp_channels",
        "message": f"unknown channel fax (available: {', '.join(sorted(registry.channels()))})",
    }
    # channels can be chosen ahead of time; they are known channels, kept once each
    res = await api.post(
        "/api/v1/companies",
        json={"name": "P", "type": "client", "mnp_channels": ["test-chat", "test-chat"]},
    )
    assert res.status_code == 201 and res.json()["mnp_channels"] == ["test-chat"]
    assert res.json()["mnp_requests"] is False
    from tenants.models import Company

    assert await Company.count().where(Company.parent == owner["id"]) == 1


async def test_block_ends_sessions_refuses_tokens_and_unblock_restores(
    bo_factory, bo_api, bo_client
):
    from signin_helpers import api_login

    from core.auth.models import AuthToken

    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "reseller")
    user = await bo_factory.user(client)
    bystander = await bo_factory.user(await bo_factory.company(owner, "client"))
    api_token = await bo_factory.token(user)
    await bo_factory.token(user, "session")
    await bo_factory.token(user, "login")
    await bo_factory.token(bystander, "session")
    theirs = await bo_api(user)
    assert (await theirs.get("/api/v1/companies")).status_code == 200

    admin = await bo_api(await bo_factory.user(owner))
    res = await admin.post(f"/api/v1/companies/{client['id']}/block")
    assert res.status_code == 200, res.text
    assert res.json()["enabled"] is False
    kinds = await AuthToken.select(AuthToken.kind).where(AuthToken.user == user["id"])
    assert sorted(k["kind"] for k in kinds) == ["api", "api"]  # sessions gone, API tokens kept
    assert await AuthToken.exists().where(AuthToken.user == bystander["id"])
    headers = {"Authorization": f"Bearer {api_token}"}
    assert (await bo_client.get("/api/v1/companies", headers=headers)).status_code == 401
    assert (await theirs.get("/api/v1/companies")).status_code == 401
    assert (await api_login(bo_client, user)).status_code == 401
    again = await admin.post(f"/api/v1/companies/{client['id']}/block")
    assert again.status_code == 409

    res = await admin.post(f"/api/v1/companies/{client['id']}/unblock")
    assert res.status_code == 200 and res.json()["enabled"] is True
    assert (await bo_client.get("/api/v1/companies", headers=headers)).status_code == 200
    assert (await api_login(bo_client, user)).status_code == 201
    assert (await admin.post(f"/api/v1/companies/{client['id']}/unblock")).status_code == 409

    from core.audit.models import AuditChange, AuditEvent

    events = await AuditEvent.select(AuditEvent.id, AuditEvent.action).where(
        AuditEvent.action.like("Company %blocked")
    )
    assert [e["action"] for e in events] == ["Company blocked", "Company unblocked"]
    changes = await AuditChange.select(AuditChange.table_name).where(
        AuditChange.event == events[0]["id"]
    )
    assert sorted(c["table_name"] for c in changes) == ["auth_tokens", "auth_tokens", "companies"]


async def test_disabling_through_edit_also_ends_sessions(bo_factory, bo_api):
    from core.auth.models import AuthToken

    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client")
    user = await bo_factory.user(client)
    await bo_factory.token(user, "session")
    admin = await bo_api(await bo_factory.user(owner))
    res = await admin.patch(f"/api/v1/companies/{client['id']}", json={"enabled": False})
    assert res.status_code == 200
    assert not await AuthToken.exists().where(AuthToken.user == user["id"])


async def test_block_and_unblock_of_foreign_companies_answer_404(bo_factory, bo_api):
    owner, r1, r2, c1, c2 = await _tree(bo_factory)
    sibling = await bo_api(await bo_factory.user(r2))
    client = await bo_api(await bo_factory.user(c1))
    for api, status in ((sibling, 404), (client, 403)):  # issue 8: a client user gets 403
        for action in ("block", "unblock"):
            res = await api.post(f"/api/v1/companies/{c1['id']}/{action}")
            assert res.status_code == status
    from tenants.models import Company

    assert await Company.count().where(Company.enabled.eq(False)) == 0


async def test_delete_refused_while_company_has_legal_entities(bo_factory, bo_api):
    owner = await bo_factory.owner()
    client = await bo_factory.company(owner, "client")
    await _legal_entity(client, "Kept")
    api = await bo_api(await bo_factory.user(owner))
    res = await api.delete(f"/api/v1/companies/{client['id']}")
    assert res.status_code == 409 and "1 legal entity" in res.json()["detail"]
