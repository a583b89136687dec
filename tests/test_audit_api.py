"""The audit log API: scope, filters, sorting, paging, detail, CSV and the export job."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import UTC, datetime

import pytest

from core.audit.models import AuditEvent
from core.audit.recorder import AuditContext, Change, record_event
from core.plugins.testing import serve_in_loop

WAIT_SECONDS = 20


async def _event(company: dict, email: str, action: str, when: str, ip="10.0.0.1", changes=()):
    ctx = AuditContext(company_id=company["id"], user_id=None, user_label=email, ip=ip)
    event_id = await record_event(ctx, action, list(changes))
    stamp = datetime.fromisoformat(when).replace(tzinfo=UTC)
    await AuditEvent.update({AuditEvent.created_at: stamp}).where(AuditEvent.id == event_id)
    return event_id


async def _world(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    r2 = await bo_factory.company(owner, "reseller", name="R2")
    c1 = await bo_factory.company(r1, "client", name="C1")
    g1 = await bo_factory.company(c1, "client", name="G1")  # c1's child: invisible to r1
    users = {"r1": await bo_factory.user(r1), "r2": await bo_factory.user(r2)}
    await AuditEvent.delete(force=True)  # only the events below ("User created" is gone)
    ids = {
        "r1_login": await _event(r1, "alice@r1.test", "User signed in", "2026-01-05T10:00:00"),
        "r1_update": await _event(
            r1,
            "bob@r1.test",
            "Company updated",
            "2026-01-10T12:00:00",
            ip="10.0.0.2",
            changes=[
                Change("companies", "update", c1["id"], {"name": "Old"}, {"name": "New"}, c1["id"])
            ],
        ),
        "c1_create": await _event(
            c1,
            "carol@c1.test",
            "=Company created",
            "2026-02-01T08:30:00",
            changes=[
                Change("companies", "insert", 901, {}, {"name": "X"}, c1["id"]),
                Change("users", "insert", 77, {}, {"email": "z@c1.test"}, c1["id"]),
            ],
        ),
        "r2_secret": await _event(r2, "eve@r2.test", "Company updated", "2026-01-11T00:00:00"),
        "owner_event": await _event(owner, "root@o.test", "User signed in", "2026-01-12T00:00"),
        "g1_event": await _event(g1, "gina@g1.test", "Company updated", "2026-01-13T00:00"),
    }
    return {"owner": owner, "r1": r1, "r2": r2, "c1": c1, "users": users}, ids


async def _ids(api, **params) -> list[int]:
    res = await api.get("/api/v1/audit", params=params)
    assert res.status_code == 200, res.text
    return [e["id"] for e in res.json()["items"]]


async def test_list_shows_own_and_created_companies_only(bo_factory, bo_api):
    companies, ids = await _world(bo_factory)
    api = await bo_api(companies["users"]["r1"])
    seen = await _ids(api)
    assert seen == [ids["c1_create"], ids["r1_update"], ids["r1_login"]]  # newest first
    body = (await api.get("/api/v1/audit")).json()
    assert body["total"] == 3 and body["pages"] == 1
    first = body["items"][0]
    assert first["user"] == "carol@c1.test" and first["company_id"] == companies["c1"]["id"]
    assert first["action"] == "=Company created" and first["ip"] == "10.0.0.1"


async def test_filters(bo_factory, bo_api):
    companies, ids = await _world(bo_factory)
    api = await bo_api(companies["users"]["r1"])
    assert await _ids(api, action="Company updated") == [ids["r1_update"]]
    assert await _ids(api, action="company") == []  # exact
    assert await _ids(api, action_contains="company") == [ids["c1_create"], ids["r1_update"]]
    assert await _ids(api, user="R1.TEST") == [ids["r1_update"], ids["r1_login"]]
    assert await _ids(api, ip="10.0.0.2") == [ids["r1_update"]]
    assert await _ids(api, table_name="users") == [ids["c1_create"]]
    assert await _ids(api, object_id=companies["c1"]["id"]) == [ids["r1_update"]]
    assert await _ids(api, table_name="companies", object_id=901) == [ids["c1_create"]]
    assert await _ids(api, date_from="2026-01-10", date_to="2026-01-10") == [ids["r1_update"]]
    assert await _ids(api, date_from="2026-01-10T12:00:01+00:00") == [ids["c1_create"]]
    assert await _ids(api, date_to="2026-01-10T13:00:00+01:00") == [
        ids["r1_update"],
        ids["r1_login"],
    ]


async def test_sorting_paging_and_validation(bo_factory, bo_api):
    companies, ids = await _world(bo_factory)
    api = await bo_api(companies["users"]["r1"])
    assert await _ids(api, sort="user", order="asc") == [
        ids["r1_login"],
        ids["r1_update"],
        ids["c1_create"],
    ]
    assert (await _ids(api, sort="action", order="asc"))[:1] == [ids["c1_create"]]
    assert (await _ids(api, sort="ip", order="desc"))[:1] == [ids["r1_update"]]
    page2 = (await api.get("/api/v1/audit", params={"page_size": 2, "page": 2})).json()
    assert [e["id"] for e in page2["items"]] == [ids["r1_login"]]
    assert page2["total"] == 3 and page2["pages"] == 2
    res = await api.get("/api/v1/audit", params={"sort": "user_id"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "sort"
    res = await api.get("/api/v1/audit", params={"date_from": "yesterday"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "date_from"
    assert (await api.get("/api/v1/audit", params={"object_id": "x"})).status_code == 400


async def test_detail_and_csv_and_foreign_404(bo_factory, bo_api):
    companies, ids = await _world(bo_factory)
    api = await bo_api(companies["users"]["r1"])
    res = await api.get(f"/api/v1/audit/{ids['c1_create']}")
    assert res.status_code == 200, res.text
    detail = res.json()
    assert detail["action"] == "=Company created"
    assert [(c["table"], c["operation"], c["object_id"]) for c in detail["changes"]] == [
        ("companies", "insert", 901),
        ("users", "insert", 77),
    ]
    assert detail["changes"][1]["new_values"] == {"email": "z@c1.test"}
    assert detail["changes"][1]["old_values"] == {}
    assert detail["changes"][0]["company_id"] == companies["c1"]["id"]

    res = await api.get(f"/api/v1/audit/{ids['r1_update']}/csv")
    assert res.status_code == 200
    assert res.headers["content-type"] == "text/csv; charset=utf-8"  # the charset only once
    assert f"audit-event-{ids['r1_update']}.csv" in res.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(res.text)))
    assert rows[0] == ["table", "operation", "object_id", "old_values", "new_values", "company_id"]
    assert rows[1][:3] == ["companies", "update", str(companies["c1"]["id"])]
    assert json.loads(rows[1][3]) == {"name": "Old"} and json.loads(rows[1][4]) == {"name": "New"}

    for foreign in ("r2_secret", "owner_event", "g1_event"):
        assert (await api.get(f"/api/v1/audit/{ids[foreign]}")).status_code == 404
        assert (await api.get(f"/api/v1/audit/{ids[foreign]}/csv")).status_code == 404
    assert (await api.get("/api/v1/audit/999999")).status_code == 404


@pytest.fixture
async def jobs_client(bo_db):
    from core.web.app import create_app

    async with serve_in_loop(create_app(run_jobs=True)) as client:
        yield client


async def wait_done(client, headers, job_id: int) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        body = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        if body["status"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"export job {job_id} not finished within {WAIT_SECONDS}s: {body}")


async def test_export_job_writes_only_in_scope_events(jobs_client, bo_factory, monkeypatch):
    import core.audit.export as export

    monkeypatch.setattr(export, "BATCH_SIZE", 1)  # several batches, progress updates
    companies, ids = await _world(bo_factory)
    user = companies["users"]["r1"]
    headers = {"Authorization": f"Bearer {await bo_factory.token(user)}"}
    res = await jobs_client.post(
        "/api/v1/audit/exports", json={"date_to": "2026-06-30T00:00:00Z"}, headers=headers
    )
    assert res.status_code == 202, res.text
    started = res.json()
    assert started["kind"] == "audit_export" and started["status"] in ("queued", "running", "done")
    body = await wait_done(jobs_client, headers, started["id"])
    assert body["status"] == "done", body
    assert body["progress"] == 100 and body["processed"] == 3 and body["total"] == 3
    assert body["result_name"].startswith("audit-") and body["result_name"].endswith(".csv")
    datetime.strptime(body["result_name"], "audit-%Y%m%d-%H%M%S.csv")

    res = await jobs_client.get(body["download_url"], headers=headers)
    assert res.status_code == 200
    assert body["result_name"] in res.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert list(rows[0]) == [
        "event_id",
        "created_at",
        "user",
        "ip",
        "action",
        "event_company_id",
        "table",
        "operation",
        "object_id",
        "old_values",
        "new_values",
        "company_id",
    ]
    assert [int(r["event_id"]) for r in rows] == [
        ids["c1_create"],
        ids["c1_create"],
        ids["r1_update"],
        ids["r1_login"],
    ]
    first = rows[0]
    assert first["action"] == "'=Company created"  # a spreadsheet will not run it
    assert first["user"] == "carol@c1.test" and first["created_at"].startswith("2026-02-01T08:30")
    assert (first["table"], first["operation"], first["object_id"]) == (
        "companies",
        "insert",
        "901",
    )
    assert json.loads(first["new_values"]) == {"name": "X"}
    assert rows[3]["table"] == "" and rows[3]["action"] == "User signed in"
    for foreign in ("@r2.test", "eve@", "root@", "gina@"):
        assert foreign not in res.text

    other = companies["users"]["r2"]
    other_headers = {"Authorization": f"Bearer {await bo_factory.token(other)}"}
    for url in (f"/api/v1/jobs/{started['id']}", body["download_url"]):
        assert (await jobs_client.get(url, headers=other_headers)).status_code == 404
    requested = await AuditEvent.select().where(AuditEvent.action == "Audit log export requested")
    assert len(requested) == 1 and requested[0]["company"] == companies["r1"]["id"]


async def test_export_filters_and_validation(jobs_client, bo_factory):
    companies, ids = await _world(bo_factory)
    user = companies["users"]["r1"]
    headers = {"Authorization": f"Bearer {await bo_factory.token(user)}"}
    res = await jobs_client.post(
        "/api/v1/audit/exports", json={"action": "Company updated"}, headers=headers
    )
    assert res.status_code == 202, res.text
    body = await wait_done(jobs_client, headers, res.json()["id"])
    assert body["status"] == "done" and body["processed"] == 1
    text = (await jobs_client.get(body["download_url"], headers=headers)).text
    assert [int(r["event_id"]) for r in csv.DictReader(io.StringIO(text))] == [ids["r1_update"]]

    bad = await jobs_client.post("/api/v1/audit/exports", json={"colour": "red"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "colour"
    bad = await jobs_client.post("/api/v1/audit/exports", json={"object_id": "x"}, headers=headers)
    assert bad.status_code == 400
