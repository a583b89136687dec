"""GET /api/v1/agreements/{id}/ledger and the agreement page's Ledger tab: filters, key-based
paging, CSV, scope, and every balance shown read from the ledger's account."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from test_agreements_api import make, world
from test_ui_helpers import sign_in

from core import ledger
from core.ledger import Entry

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _with_entries(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    agreement = await make(api, w, credit_limit="100")
    account = await ledger.main_account(agreement["id"])
    kinds = ["payment", "edr", "edr", "fee", "edr"]
    amounts = [50_000_000, -1_500_000, -2_250_000, -10_000_000, -125]
    await ledger.post(
        [
            Entry(account, a, k, f"ref-{i}", T0 + timedelta(days=i))
            for i, (k, a) in enumerate(zip(kinds, amounts, strict=True))
        ],
        idempotency_key="seed",
        enforce_limit=True,
    )
    return w, api, agreement


async def test_ledger_lists_entries_newest_first_with_exact_amounts(bo_factory, bo_api):
    w, api, agreement = await _with_entries(bo_factory, bo_api)
    url = f"/api/v1/agreements/{agreement['id']}/ledger"
    res = await api.get(url)
    assert res.status_code == 200, res.text
    page = res.json()
    assert [e["cause_ref"] for e in page["items"]] == [f"ref-{i}" for i in (4, 3, 2, 1, 0)]
    assert page["items"][0]["amount"] == "-0.000125"
    assert page["items"][0]["resulting_balance"] == "36.249875"
    assert page["items"][-1]["amount"] == "50.000000" and page["total"] == 5
    # the balance every page shows is the account's, equal to the last resulting balance
    shown = (await api.get(f"/api/v1/agreements/{agreement['id']}")).json()
    assert shown["balance"] == "36.249875"
    listed = (await api.get("/api/v1/agreements")).json()["items"]
    assert listed[0]["balance"] == "36.249875"
    profile = (await api.get(f"/api/v1/companies/{w['c1']['id']}/profile?tab=finance")).json()
    assert "36.249875" in str(profile)


async def test_ledger_filters_and_pages_by_key(bo_factory, bo_api):
    _, api, agreement = await _with_entries(bo_factory, bo_api)
    url = f"/api/v1/agreements/{agreement['id']}/ledger"
    edr = (await api.get(url, params={"cause_kind": "edr"})).json()
    assert [e["cause_ref"] for e in edr["items"]] == ["ref-4", "ref-2", "ref-1"]
    span = (await api.get(url, params={"from": "2026-03-02", "till": "2026-03-04"})).json()
    assert [e["cause_ref"] for e in span["items"]] == ["ref-2", "ref-1"]  # till is exclusive
    first = (await api.get(url, params={"page_size": 2, "order": "asc"})).json()
    assert [e["cause_ref"] for e in first["items"]] == ["ref-0", "ref-1"]
    second = await api.get(url, params={"page_size": 2, "order": "asc", "cursor": first["next"]})
    assert [e["cause_ref"] for e in second.json()["items"]] == ["ref-2", "ref-3"]
    last = (await api.get(url, params={"page_size": 2, "order": "asc", "cursor": "last"})).json()
    assert [e["cause_ref"] for e in last["items"]] == ["ref-3", "ref-4"] and last["next"] is None


async def test_bad_filters_answer_422_naming_each_field(bo_factory, bo_api):
    _, api, agreement = await _with_entries(bo_factory, bo_api)
    url = f"/api/v1/agreements/{agreement['id']}/ledger"
    res = await api.get(url, params={"from": "yesterday", "cause_kind": "gift"})
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} == {"from", "cause_kind"}
    res = await api.get(url, params={"from": "2026-03-04", "till": "2026-03-01"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "till"
    assert (await api.get(url, params={"cursor": "nonsense"})).status_code == 422
    assert (await api.get(url, params={"sort": "amount"})).status_code == 422


async def test_ledger_csv_export_has_every_entry(bo_factory, bo_api):
    _, api, agreement = await _with_entries(bo_factory, bo_api)
    res = await api.get(
        f"/api/v1/agreements/{agreement['id']}/ledger", params={"format": "csv", "order": "asc"}
    )
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.text.lstrip("\ufeff"))))
    header = rows[0]
    assert header[:3] == ["id", "time", "amount"]
    amounts = [r[header.index("amount")] for r in rows[1:]]
    assert amounts == ["50.000000", "-1.500000", "-2.250000", "-10.000000", "-0.000125"]


async def test_another_tenants_ledger_is_not_found(bo_factory, bo_api):
    w, _, agreement = await _with_entries(bo_factory, bo_api)
    for user in ("sibling_user", "client_user", "sub_user"):
        other = await bo_api(w[user])
        res = await other.get(f"/api/v1/agreements/{agreement['id']}/ledger")
        assert res.status_code in (403, 404), (user, res.status_code)
        assert "ref-" not in res.text
    sibling = await bo_api(w["sibling_user"])
    res = await sibling.get(f"/api/v1/agreements/{agreement['id']}/ledger")
    assert res.status_code == 404


async def test_ledger_tab_on_the_agreement_page(bo_factory, bo_api, bo_client):
    w, _, agreement = await _with_entries(bo_factory, bo_api)
    await sign_in(bo_client, w["user"])
    view = await bo_client.get(f"/agreements/{agreement['id']}")
    assert view.status_code == 200 and f"/agreements/{agreement['id']}/ledger" in view.text
    res = await bo_client.get(f"/agreements/{agreement['id']}/ledger")
    assert res.status_code == 200
    assert "ref-4" in res.text and "Balance after" in res.text and "36.249875" in res.text
    res = await bo_client.get(
        f"/agreements/{agreement['id']}/ledger",
        params={"cause_kind": "fee", "till": "2026-03-10T00:00"},
    )
    assert "ref-3" in res.text and "ref-4" not in res.text
    res = await bo_client.get(f"/agreements/{agreement['id']}/ledger", params={"from": "soon"})
    assert res.status_code == 200 and "ISO 8601" in res.text
    res = await bo_client.get(
        f"/agreements/{agreement['id']}/ledger", params={"format": "csv", "cause_kind": "edr"}
    )
    assert res.status_code == 200 and res.text.count("\n") == 4  # header and three entries
    await sign_in(bo_client, w["sibling_user"])
    assert (await bo_client.get(f"/agreements/{agreement['id']}/ledger")).status_code == 404


async def test_hostile_input_on_the_ledger_answers_4xx_and_changes_nothing(bo_factory, bo_api):
    """Wrong types, huge and negative numbers, NUL, invalid UTF-8 and ids that are not ours:
    a clear 4xx every time, never a 500, and the balance stays what the ledger says."""
    _, api, agreement = await _with_entries(bo_factory, bo_api)
    url = f"/api/v1/agreements/{agreement['id']}/ledger"
    for params in (
        {"page_size": "10000000000000000000000"},
        {"page_size": "-1"},
        {"page": "-5"},
        {"page": "abc"},
        {"from": "2026-13-45"},
        {"from": "99999-01-01"},
        {"till": "\x00"},
        {"cause_kind": "edr\x00"},
        {"cause_kind": "x" * 10_000},
        {"cursor": "x" * 10_000},
        {"cursor": "W10"},  # base64 of "[]"
        {"order": "sideways"},
    ):
        res = await api.get(url, params=params)
        assert 400 <= res.status_code < 500, (params, res.status_code, res.text)
    res = await api.get(url + "?cause_kind=%ff%fe")
    assert 400 <= res.status_code < 500, res.text
    for bad in ("0", "-1", "99999999999999999999", "abc", str(2**63)):
        res = await api.get(f"/api/v1/agreements/{bad}/ledger")
        assert res.status_code in (400, 404), (bad, res.status_code)
    for method in (api.post, api.put, api.delete):
        assert (await method(url)).status_code == 405
    shown = (await api.get(f"/api/v1/agreements/{agreement['id']}")).json()
    assert shown["balance"] == "36.249875"
