"""Agreement version rules: no overlaps, protected history, one answer to "in force at t",
concurrent adds, isolation, and a property test over random add/edit/delete sequences."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_agreements_api import AG, body, make, world

from core.accounts.agreements import service as agreements
from core.accounts.agreements import versions
from core.accounts.agreements.models import AgreementVersion
from core.accounts.agreements.schemas import AgreementCreate, VersionCreate, VersionUpdate
from core.audit.recorder import AuditContext
from core.errors import DomainError
from tenants.scope import Scope

FUTURE = {"effective_from": "2090-01-01T00:00:00", "timezone": "UTC"}


async def test_overlaps_are_refused_and_end_previous_closes_the_current_version(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w, effective_from="2025-01-01T00:00:00", timezone="UTC")
    url = f"{AG}/{agreement['id']}/versions"
    first = agreement["current_version"]
    res = await api.post(url, json={**FUTURE, "credit_limit": "99"})
    assert res.status_code == 409 and f"version {first['id']}" in res.json()["detail"]
    res = await api.post(url, json={**FUTURE, "credit_limit": "99", "end_previous": True})
    assert res.status_code == 201, res.text
    second = res.json()
    assert second["status"] == "upcoming" and second["credit_limit"] == "99.000000"
    listed = (await api.get(url)).json()
    assert [v["id"] for v in listed["items"]] == [first["id"], second["id"]]
    assert listed["items"][0]["effective_till"].startswith("2090-01-01T00:00:00")
    # a version inside another, or touching nothing at all, behaves as half-open periods say
    inner = {"effective_from": "2030-01-01T00:00:00", "effective_till": "2031-01-01T00:00:00"}
    assert (await api.post(url, json=inner)).status_code == 409
    await api.patch(f"{url}/{first['id']}", json={"effective_till": "2030-01-01T00:00:00"})
    res = await api.post(url, json=inner)  # starts exactly where the first ends
    assert res.status_code == 201, res.text
    gap = {"effective_from": "2031-01-01T00:00:00", "effective_till": "2090-01-01T00:00:00"}
    assert (await api.post(url, json=gap)).status_code == 201
    assert (await api.get(url)).json()["total"] == 4


async def test_started_versions_keep_their_start_and_cannot_be_deleted(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w, effective_from="2025-01-01T00:00:00", timezone="UTC")
    url = f"{AG}/{agreement['id']}/versions"
    current = agreement["current_version"]
    res = await api.delete(f"{url}/{current['id']}")
    assert res.status_code == 409 and "has started" in res.json()["detail"]
    res = await api.patch(f"{url}/{current['id']}", json={"effective_from": "2025-02-01T00:00:00"})
    assert res.status_code == 409 and "cannot be moved" in res.json()["detail"]
    # other terms of a version in force may change, and its end may be set
    res = await api.patch(
        f"{url}/{current['id']}",
        json={"credit_limit": "5", "effective_till": "2090-01-01T00:00:00", "billing_day": 3},
    )
    assert res.status_code == 200, res.text
    assert res.json()["credit_limit"] == "5.000000" and res.json()["billing_day"] == 3
    upcoming = (await api.post(url, json=FUTURE)).json()
    moved = await api.patch(f"{url}/{upcoming['id']}", json={"effective_from": "2091-01-01T00:00"})
    assert moved.status_code == 400  # minutes without seconds are not an RFC 3339 date-time
    moved = await api.patch(
        f"{url}/{upcoming['id']}", json={"effective_from": "2091-01-01T00:00:00"}
    )
    assert moved.status_code == 200 and moved.json()["effective_from_local"].startswith("2091")
    assert (await api.delete(f"{url}/{upcoming['id']}")).status_code == 204


async def test_the_only_version_cannot_be_deleted_even_if_upcoming(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w, **FUTURE)
    assert agreement["current_version"] is None and agreement["credit_limit"] is None
    only = (await api.get(f"{AG}/{agreement['id']}/versions")).json()["items"][0]
    res = await api.delete(f"{AG}/{agreement['id']}/versions/{only['id']}")
    assert res.status_code == 409 and "only version" in res.json()["detail"]
    assert await AgreementVersion.count() == 1


async def test_version_of_another_agreement_is_not_found_through_this_one(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    a = await make(api, w, code="A")
    b = await make(api, w, code="B")
    foreign = b["current_version"]["id"]
    assert (await api.get(f"{AG}/{a['id']}/versions/{foreign}")).status_code == 404
    assert (await api.delete(f"{AG}/{a['id']}/versions/{foreign}")).status_code == 404


async def test_versions_in_force_answers_many_agreements_in_one_call(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    a = await make(api, w, code="A", effective_from="2025-01-01T00:00:00", timezone="UTC")
    b = await make(api, w, code="B", **FUTURE)
    at = datetime(2026, 6, 1, tzinfo=UTC)
    found = await versions.versions_in_force([a["id"], b["id"], 999_999], at)
    assert set(found) == {a["id"]}
    assert found[a["id"]]["credit_limit"] == 1_500_500_000
    assert found[a["id"]]["invoice_emails"] == ["Billing@client.test"]
    later = await versions.version_in_force(b["id"], datetime(2090, 1, 1, tzinfo=UTC))
    assert later is not None and later["agreement"] == b["id"]
    assert await versions.version_in_force(b["id"], datetime(2089, 12, 31, 23, tzinfo=UTC)) is None
    assert await versions.versions_in_force([], at) == {}


async def _setup(bo_factory):
    w = await world(bo_factory)
    scope = Scope.of(w["r1"])
    ctx = AuditContext(company_id=w["r1"]["id"], user_id=None, user_label="test", ip="")
    terms = {**FUTURE, "effective_till": "2091-01-01T00:00:00"}
    data = msgspec.convert(body(w, **terms), AgreementCreate)
    agreement = await agreements.create_agreement(ctx, scope, data)
    return scope, ctx, agreement.id


async def test_concurrent_adds_cannot_overlap(bo_factory):
    scope, ctx, agreement_id = await _setup(bo_factory)
    starts = [f"21{n:02d}-01-01T00:00:00" for n in range(6)]
    adds = [
        versions.add_version(
            ctx, scope, agreement_id, VersionCreate(effective_from=datetime.fromisoformat(s))
        )
        for s in starts
    ]  # every one is indefinite, so at most one of them can be stored
    results = await asyncio.gather(*adds, return_exceptions=True)
    stored = [r for r in results if not isinstance(r, Exception)]
    assert len(stored) == 1
    assert all(
        isinstance(r, DomainError) and r.status_code == 409 for r in results if r not in stored
    )
    assert await AgreementVersion.count() == 2


# One agreement serves every example of the property test (the database is emptied per test
# function, not per example); each example starts again from a single version.
_STATE: dict = {}
T0 = datetime(2100, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(hours=50)
hours = st.integers(min_value=0, max_value=100)
period = st.tuples(hours, st.one_of(st.none(), st.integers(min_value=1, max_value=40)))
operation = st.one_of(
    st.tuples(st.just("add"), period, st.booleans()),
    st.tuples(st.just("edit"), st.integers(0, 5), period),
    st.tuples(st.just("delete"), st.integers(0, 5), st.none()),
)


def _at(h: int) -> datetime:
    return (T0 + timedelta(hours=h)).replace(tzinfo=None)  # local time in UTC


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=8), probes=st.lists(hours, max_size=6))
async def test_random_version_edits_never_overlap(bo_factory, ops, probes):
    if not await AgreementVersion.count():
        _STATE["setup"] = await _setup(bo_factory)
    scope, ctx, agreement_id = _STATE["setup"]
    await AgreementVersion.delete().where(AgreementVersion.agreement == agreement_id)
    await AgreementVersion(agreement=agreement_id, effective_from=T0 + timedelta(hours=10)).save()
    for kind, target, detail in ops:
        ids = [v.id for v in await versions.list_versions(scope, agreement_id)]
        try:
            if kind == "add":
                (start, length), end_previous = target, detail
                data = VersionCreate(
                    effective_from=_at(start),
                    effective_till=None if length is None else _at(start + length),
                    end_previous=end_previous,
                )
                await versions.add_version(ctx, scope, agreement_id, data)
            elif kind == "edit":
                start, length = detail
                till = None if length is None else _at(start + length)
                data = VersionUpdate(effective_from=_at(start), effective_till=till)
                vid = ids[target % len(ids)]
                await versions.update_version(ctx, scope, agreement_id, vid, data, now=NOW)
            else:
                vid = ids[target % len(ids)]
                await versions.delete_version(ctx, scope, agreement_id, vid, now=NOW)
        except DomainError as exc:
            assert exc.status_code in (409, 422), exc.detail
        stored = await versions.list_versions(scope, agreement_id)
        assert stored, "an agreement never loses its last version"
        for a, b in itertools.pairwise(stored):
            assert a.effective_till is not None and a.effective_till <= b.effective_from
        for h in probes:
            at = T0 + timedelta(hours=h)
            found = await versions.versions_in_force([agreement_id], at)
            containing = [
                v.id
                for v in stored
                if v.effective_from <= at and (v.effective_till is None or at < v.effective_till)
            ]
            assert len(containing) <= 1
            assert [v["id"] for v in found.values()] == containing


async def test_out_of_range_amounts_and_dates_answer_422(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    cases = [
        ({"credit_limit": "1e30"}, "credit_limit"),
        ({"credit_limit": "12345678901234567890123"}, "credit_limit"),
        # local 9999-12-31 23:00 in New York is already past year 9999 in UTC
        (
            {"effective_from": "9999-12-31T23:00:00", "timezone": "America/New_York"},
            "effective_from",
        ),
        ({"effective_from": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"}, "effective_from"),
    ]
    for extra, field in cases:
        res = await api.post(AG, json=body(w, **extra))
        assert res.status_code == 422, (extra, res.text)
        assert res.json()["errors"][0]["field"] == field, (extra, res.text)
    agreement = await make(api, w)
    url = f"{AG}/{agreement['id']}/versions"
    res = await api.post(
        url,
        json={**FUTURE, "effective_till": "9999-12-31T23:00:00", "timezone": "America/New_York"},
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "effective_till"
    res = await api.patch(
        f"{url}/{agreement['current_version']['id']}", json={"credit_limit": "1e30"}
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "credit_limit"
    assert await AgreementVersion.count() == 1
