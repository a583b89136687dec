"""Domain events: delivered after COMMIT to ``on_event`` and to subscriber jobs, with their
payloads; never for a rolled-back write; one failing subscriber breaks nothing else; a plugin
switched off for a company hears nothing about it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from test_agreements_api import make, world

from core.accounts.agreements.models import AgreementVersion
from core.accounts.companies.schemas import CompanyCreate
from core.accounts.companies.service import create_company
from core.audit.recorder import AuditContext
from core.db.engine import after_commit, engine, transaction
from core.events import CompanyCreated, decode, emit, subscribe
from core.events.starts import announce_starts
from core.jobs import job
from core.plugins.hookspecs import hookimpl
from core.plugins.models import CompanyPlugin
from tenants.models import Company
from tenants.scope import Scope

WAIT_SECONDS = 20
HEARD: dict[str, list] = {"hook": [], "job": [], "off": []}


@job("default", name="tests.domain_events.record", max_retries=0)
async def record_job(payload: dict) -> None:
    HEARD["job"].append(payload)


@job("default", name="tests.domain_events.explode", max_retries=0)
async def exploding_job(payload: dict) -> None:
    raise RuntimeError("subscriber job down")


class Recorder:
    @hookimpl
    async def on_event(self, event):
        await asyncio.sleep(0)
        HEARD["hook"].append(event)

    @hookimpl
    def register_event_subscribers(self):
        names = ("company.created", "company.blocked", "company.unblocked", "user.invited")
        return [subscribe(n, exploding_job) for n in names] + [
            subscribe(n, record_job) for n in (*names, "agreement.version_started")
        ]


class Failing:
    @hookimpl
    def on_event(self, event):
        raise RuntimeError("subscriber down")


class SwitchedOff:
    @hookimpl
    def on_event(self, event):
        HEARD["off"].append(event)


@pytest.fixture
def plugins(bo_register_plugin):
    for key in HEARD:
        HEARD[key] = []
    bo_register_plugin(Failing(), name="test-events-failing")  # called before the recorder
    bo_register_plugin(Recorder(), name="test-events-recorder")
    bo_register_plugin(SwitchedOff(), name="test-events-off")
    return HEARD


async def heard(kind: str, name: str, company_id: int) -> dict:
    """The payload of the first ``name`` event about ``company_id`` (waits for the jobs)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for item in HEARD[kind]:  # the hooks got typed events, the jobs JSON payloads
            event = decode(item) if isinstance(item, dict) else item
            if event.name == name and event.company_id == company_id:
                return item
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {name} for company {company_id} in {kind}: {HEARD[kind]}")


async def tenant(bo_factory, bo_api, name: str = "Events Tenant"):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name=name)
    api = await bo_api(await bo_factory.user(reseller))
    return reseller, api


async def test_company_created_blocked_unblocked_reach_hook_and_job(bo_factory, bo_api, plugins):
    reseller, api = await tenant(bo_factory, bo_api)
    res = await api.post("/api/v1/companies", json={"name": "Fresh Client", "type": "client"})
    assert res.status_code == 201, res.text
    company_id = res.json()["id"]
    path = await Company.select(Company.path).where(Company.id == company_id).first()

    event = await heard("hook", "company.created", company_id)
    assert isinstance(event, CompanyCreated)
    assert event.company_path == path["path"] == f"{reseller['path']}{company_id}/"
    assert event.parent_id == reseller["id"] and event.company_name == "Fresh Client"
    assert event.kind == "client" and event.actor_user_id is not None
    payload = await heard("job", "company.created", company_id)
    assert payload["name"] == "company.created" and payload["event_id"] == event.event_id
    assert payload["occurred_at"].endswith("Z") and payload["company_path"] == path["path"]

    assert (await api.post(f"/api/v1/companies/{company_id}/block")).status_code == 200
    blocked = await heard("job", "company.blocked", company_id)
    assert blocked["company_name"] == "Fresh Client"
    assert (await api.post(f"/api/v1/companies/{company_id}/unblock")).status_code == 200
    await heard("hook", "company.unblocked", company_id)
    # blocking through PATCH enabled=false is the same fact, so it announces the same event
    res = await api.patch(f"/api/v1/companies/{company_id}", json={"enabled": False})
    assert res.status_code == 200, res.text
    deadline = time.monotonic() + WAIT_SECONDS
    while sum(e["name"] == "company.blocked" for e in HEARD["job"]) < 2:
        assert time.monotonic() < deadline, HEARD["job"]
        await asyncio.sleep(0.05)


async def test_user_invited_carries_the_invitation(bo_factory, bo_api, plugins):
    reseller, api = await tenant(bo_factory, bo_api)
    body = {"email": "New.Person@example.test", "company_id": reseller["id"], "is_admin": True}
    res = await api.post("/api/v1/invitations", json=body)
    assert res.status_code == 201, res.text
    payload = await heard("job", "user.invited", reseller["id"])
    assert payload["invitation_id"] == res.json()["id"]
    assert payload["email"] == "new.person@example.test" and payload["is_admin"] is True
    assert payload["company_path"] == reseller["path"] and payload["group"] == "backoffice"
    event = await heard("hook", "user.invited", reseller["id"])
    assert event.expires_at.tzinfo is not None


async def test_agreement_versions_are_announced(bo_factory, bo_api, plugins):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w)
    first = await heard("job", "agreement.version_started", w["c1"]["id"])
    assert first["agreement_id"] == agreement["id"] and first["agreement_code"] == "AG-1"
    assert first["version_id"] == agreement["current_version"]["id"]
    assert first["first_version"] is True and first["effective_till"] is None
    assert first["effective_from"].startswith("2025-01-31T23:00:00")
    assert first["company_path"] == w["c1"]["path"]

    url = f"/api/v1/agreements/{agreement['id']}/versions"
    later = {"effective_from": "2090-01-01T00:00:00", "timezone": "UTC", "end_previous": True}
    res = await api.post(url, json=later)
    assert res.status_code == 201, res.text
    version_id = res.json()["id"]
    # recorded for 2090: nothing comes into force now, so nothing is announced yet
    await asyncio.sleep(0.5)
    assert not any(p.get("version_id") == version_id for p in HEARD["job"])
    stored = await AgreementVersion.select(AgreementVersion.start_announced_at).where(
        AgreementVersion.id == version_id
    )
    assert stored == [{"start_announced_at": None}]

    # the minute job, run as if in 2090, announces it once
    in_2090 = datetime(2090, 1, 1, 0, 1, tzinfo=UTC)
    assert await announce_starts(now=datetime(2089, 12, 31, 23, 59, tzinfo=UTC)) == 0
    assert await announce_starts(now=in_2090) == 1
    assert await announce_starts(now=in_2090 + timedelta(days=1)) == 0
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(p.get("version_id") == version_id for p in HEARD["job"]):
        assert time.monotonic() < deadline, HEARD["job"]
        await asyncio.sleep(0.05)
    second = next(p for p in HEARD["job"] if p.get("version_id") == version_id)
    assert second["first_version"] is False and second["effective_from"].startswith("2090-01-01")
    assert second["actor_user_id"] is None and second["effective_till"] is None
    assert sum(p.get("version_id") == version_id for p in HEARD["job"]) == 1


async def test_the_minute_job_is_scheduled_and_catches_up_oldest_first(bo_factory, bo_api):
    from core.events.starts import SCHEDULES, announce_started_versions

    assert [(s.job, s.interval) for s in SCHEDULES] == [
        (announce_started_versions, timedelta(minutes=1))
    ]
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w)
    url = f"/api/v1/agreements/{agreement['id']}/versions"
    ids = []
    for year in (2091, 2090):
        body = {"effective_from": f"{year}-01-01T00:00:00", "timezone": "UTC", "end_previous": True}
        if year == 2090:
            body["effective_till"] = "2091-01-01T00:00:00"
        res = await api.post(url, json=body)
        assert res.status_code == 201, res.text
        ids.append(res.json()["id"])
    later, earlier = ids
    assert await announce_starts(now=datetime(2092, 1, 1, tzinfo=UTC), limit=1) == 1
    rows = await AgreementVersion.select(
        AgreementVersion.id, AgreementVersion.start_announced_at
    ).where(AgreementVersion.id.is_in(ids))
    announced = {r["id"] for r in rows if r["start_announced_at"] is not None}
    assert announced == {earlier}
    assert await announce_starts(now=datetime(2092, 1, 1, tzinfo=UTC)) == 1


async def test_nothing_is_delivered_for_a_rolled_back_write(bo_factory, bo_api, plugins):
    reseller, api = await tenant(bo_factory, bo_api)
    owner_user = await bo_factory.user(reseller)
    ctx = AuditContext(reseller["id"], owner_user["id"], "test", "")
    with pytest.raises(RuntimeError, match="after the write"):
        async with transaction():
            await create_company(
                ctx, Scope.of(reseller), CompanyCreate(name="Ghost", type="client")
            )
            raise RuntimeError("after the write")
    assert not await Company.exists().where(Company.name == "Ghost")
    # a later committed write is announced; by then the ghost would have been too
    res = await api.post("/api/v1/companies", json={"name": "Real", "type": "client"})
    real = res.json()["id"]
    await heard("job", "company.created", real)
    await heard("hook", "company.created", real)
    await asyncio.sleep(0.3)
    # filtered by tenant: a late job of an earlier test may still land in HEARD
    mine = reseller["path"]
    names = [e.company_name for e in HEARD["hook"] if e.company_path.startswith(mine)]
    assert names == ["Real"]
    assert [p["company_name"] for p in HEARD["job"] if p["company_path"].startswith(mine)] == [
        "Real"
    ]


async def test_a_switched_off_plugin_hears_nothing_about_that_subtree(bo_factory, bo_api, plugins):
    reseller, api = await tenant(bo_factory, bo_api)
    await CompanyPlugin(company=reseller["id"], plugin="test-events-off", enabled=False).save()
    other, other_api = await tenant(bo_factory, bo_api, "Other Tenant")
    res = await api.post("/api/v1/companies", json={"name": "Below Off", "type": "client"})
    below_off = res.json()["id"]
    res = await other_api.post("/api/v1/companies", json={"name": "Elsewhere", "type": "client"})
    elsewhere = res.json()["id"]
    await heard("hook", "company.created", below_off)
    await heard("off", "company.created", elsewhere)  # the switch is per company
    await heard("job", "company.created", below_off)
    assert not [e for e in HEARD["off"] if e.company_id == below_off]


async def test_switched_off_plugin_gets_no_subscriber_jobs(bo_factory, bo_api, plugins):
    reseller, api = await tenant(bo_factory, bo_api)
    await CompanyPlugin(company=reseller["id"], plugin="test-events-recorder", enabled=False).save()
    res = await api.post("/api/v1/companies", json={"name": "Quiet", "type": "client"})
    quiet = res.json()["id"]
    await heard("off", "company.created", quiet)  # delivered to the plugins still on
    await asyncio.sleep(0.5)
    assert not [p for p in HEARD["job"] if p["company_id"] == quiet]
    assert not [e for e in HEARD["hook"] if e.company_id == quiet]


async def test_emit_outside_a_transaction_delivers_at_once_and_raw_transactions_are_refused(
    bo_factory, bo_api, plugins
):
    reseller, _ = await tenant(bo_factory, bo_api)
    await emit(
        CompanyCreated(
            company_id=reseller["id"],
            company_path=reseller["path"],
            parent_id=1,
            company_name="Direct",
            kind="reseller",
        )
    )
    assert (await heard("hook", "company.created", reseller["id"])).company_name == "Direct"

    async def nothing() -> None:
        return None

    async with engine().transaction():
        with pytest.raises(RuntimeError, match="not a raw one"):
            after_commit(nothing)


async def test_no_job_is_queued_when_no_plugin_listens(bo_factory, bo_api, monkeypatch):
    from core.events import delivery

    queued: list = []

    async def record(payload):
        queued.append(payload)

    monkeypatch.setattr(delivery.deliver, "enqueue", record)
    reseller, api = await tenant(bo_factory, bo_api)
    res = await api.post("/api/v1/companies", json={"name": "Unheard", "type": "client"})
    assert res.status_code == 201 and queued == []


async def test_after_commit_waits_for_the_outermost_transaction(bo_db):
    ran: list[str] = []

    def note(label: str):
        async def callback() -> None:
            ran.append(label)

        return callback

    async def broken() -> None:
        raise RuntimeError("follow-up down")

    async with transaction():
        async with transaction():  # joins the outer one
            assert after_commit(note("inner")) is True
        assert ran == []
        after_commit(broken)  # logged; neither the commit nor the next callback suffers
        after_commit(note("outer"))
    assert ran == ["inner", "outer"]

    with pytest.raises(RuntimeError, match="rolled back"):
        async with transaction():
            async with transaction():
                after_commit(note("lost"))
            raise RuntimeError("rolled back")
    assert after_commit(note("now")) is False  # no transaction: the caller runs it itself
    assert ran == ["inner", "outer"]


SYNCED = """
[owner]

[[companies]]
name = "Synced Co"
type = "client"

[[companies.admins]]
email = "admin@synced.test"
first_name = "Sy"
last_name = "Nced"
role = "admin"
"""


async def test_tenants_sync_announces_only_what_it_commits(bo_client, tmp_path, plugins):
    from tenants.sync import sync_path

    (tmp_path / "tenant.toml").write_text(SYNCED)
    await sync_path(tmp_path / "tenant.toml", dry_run=True, env={})
    await sync_path(tmp_path / "tenant.toml", env={})
    company = await Company.select().where(Company.name == "Synced Co").first()
    created = await heard("job", "company.created", company["id"])
    invited = await heard("job", "user.invited", company["id"])
    assert created["actor_user_id"] is None and invited["email"] == "admin@synced.test"
    await asyncio.sleep(0.3)
    ours = [p["name"] for p in HEARD["job"] if p["company_id"] == company["id"]]
    assert sorted(ours) == ["company.created", "user.invited"]


async def test_the_plugins_list_shows_event_subscriptions(bo_factory, bo_api, plugins):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.get("/api/v1/plugins/test-events-recorder")
    assert res.status_code == 200, res.text
    events = res.json()["contributes"]["events"]
    assert "user.invited → tests.domain_events.record" in events
    res = await api.get("/api/v1/plugins", params={"contributes": "events"})
    assert res.status_code == 200, res.text
    assert [p["name"] for p in res.json()["items"]] == ["test-events-recorder"]


async def test_the_migration_counts_versions_in_force_as_announced(bo_factory, bo_api):
    """Versions that started before events existed are not announced late; later ones wait."""
    import importlib

    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w)
    url = f"/api/v1/agreements/{agreement['id']}/versions"
    body = {"effective_from": "2090-01-01T00:00:00", "timezone": "UTC", "end_previous": True}
    future = (await api.post(url, json=body)).json()["id"]
    await AgreementVersion.update({AgreementVersion.start_announced_at: None}, force=True)
    migration = importlib.import_module("core.db.migrations.backoffice_2026_12_01t18_20_01_000000")
    manager = await migration.forwards()
    for step in manager.raw:
        await step()
    rows = {
        r["id"]: r
        for r in await AgreementVersion.select(
            AgreementVersion.id,
            AgreementVersion.effective_from,
            AgreementVersion.start_announced_at,
        )
    }
    first = agreement["current_version"]["id"]
    assert rows[first]["start_announced_at"] == rows[first]["effective_from"]
    assert rows[future]["start_announced_at"] is None
    assert await announce_starts(now=datetime(2090, 1, 2, tzinfo=UTC)) == 1
