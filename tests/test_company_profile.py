"""The company profile: overview, finance and assets over the API and as a page, and its scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ledger_helpers import set_balance
from test_plugins_registry import Chat, Plugin, Zones
from test_ui_helpers import sign_in

from core.plugins import registry


async def _world(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Home reseller")
    c1 = await bo_factory.company(r1, "client", name="Home client")
    r2 = await bo_factory.company(owner, "reseller", name="Other reseller")
    return owner, r1, c1, r2


async def _agreement(buyer: dict, seller: dict, code: str, balance: int, limits) -> int:
    """An agreement with one version per ``(from, till, credit_limit)`` in ``limits``."""
    from core.accounts.agreements.models import Agreement, AgreementVersion
    from core.accounts.legal_entities.models import LegalEntity

    theirs = LegalEntity(company=buyer["id"], name=f"{code} buyer", legal_name="B", country="DE")
    ours = LegalEntity(company=seller["id"], name=f"{code} seller", legal_name="S", country="DE")
    await theirs.save()
    await ours.save()
    agreement = Agreement(
        company=buyer["id"],
        legal_entity=theirs.id,
        own_legal_entity=ours.id,
        code=code,
        agreement_date=date(2024, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    await set_balance(agreement.id, balance)
    for start, end, limit in limits:
        await AgreementVersion(
            agreement=agreement.id, effective_from=start, effective_till=end, credit_limit=limit
        ).save()
    return agreement.id


async def test_profile_shows_agreements_with_the_terms_in_force_now(bo_factory, bo_api):
    owner, r1, c1, r2 = await _world(bo_factory)
    now = datetime.now(UTC)
    past, future = now - timedelta(days=30), now + timedelta(days=30)
    limited = await _agreement(
        c1,
        r1,
        "A-1",
        -19_906_670_000,
        [(past - timedelta(days=60), past, 5), (past, None, 1_500_250_000)],
    )
    unlimited = await _agreement(c1, r1, "A-2", 452_928_480_000, [(past, future, None)])
    unstarted = await _agreement(c1, r1, "A-3", 0, [(future, None, 7_000_000)])
    api = await bo_api(await bo_factory.user(r1))
    res = await api.get(f"/api/v1/companies/{c1['id']}/profile?period=year")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["company"]["name"] == "Home client" and body["period"] == "year"
    assert body["period_from"].startswith(f"{now.year}-01-01T00:00:00")
    agreements = {a["id"]: a for a in body["finance"]["agreements"]}
    assert agreements[limited]["balance"] == "-19906.670000"
    assert agreements[limited]["credit_limit"] == "1500.250000"
    assert agreements[limited]["effective_till"] is None
    assert agreements[unlimited]["balance"] == "452928.480000"
    assert agreements[unlimited]["credit_limit"] is None and agreements[unlimited]["version_id"]
    assert agreements[unstarted]["version_id"] is None
    assert agreements[unstarted]["credit_limit"] is None
    assert [e["name"] for e in body["finance"]["legal_entities"]] == [
        "A-1 buyer",
        "A-2 buyer",
        "A-3 buyer",
    ]
    finance = body["finance"]
    assert finance["invoices"] == finance["payments"] == finance["services"] == []
    assert body["assets"] == {"templates": []}
    # the bundled channel plugins are registered: one zero row each, no sender yet
    assert body["overview"]["top_senders"] == []
    assert [r["channel"] for r in body["overview"]["traffic"]] == sorted(registry.channels())
    assert {(r["messages"], r["delivered"]) for r in body["overview"]["traffic"]} == {(0, 0)}


async def test_traffic_has_one_zero_row_per_registered_channel(
    bo_factory, bo_api, bo_register_plugin
):
    bo_register_plugin(Plugin(channels=[Chat], dictionaries=[Zones]), name="profile-chat")
    owner, r1, c1, r2 = await _world(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    body = (await api.get(f"/api/v1/companies/{c1['id']}/profile?period=day")).json()
    traffic = body["overview"]["traffic"]
    assert [r["channel"] for r in traffic] == sorted(registry.channels())
    assert {"channel": "test-chat", "channel_name": "Test chat", "messages": 0, "delivered": 0} in (
        traffic
    )
    assert {"channel": "sms", "channel_name": "SMS", "messages": 0, "delivered": 0} in traffic
    assert body["period_from"].endswith("T00:00:00Z") or "T00:00:00+00:00" in body["period_from"]


async def test_period_must_be_day_month_or_year(bo_factory, bo_api):
    owner, r1, c1, r2 = await _world(bo_factory)
    api = await bo_api(await bo_factory.user(r1))
    res = await api.get(f"/api/v1/companies/{c1['id']}/profile?period=week")
    assert res.status_code == 422
    assert res.json()["errors"] == [{"field": "period", "message": "must be day, month or year"}]
    default = await api.get(f"/api/v1/companies/{c1['id']}/profile")
    assert default.status_code == 200 and default.json()["period"] == "month"


async def test_profile_of_a_foreign_company_answers_404(bo_factory, bo_api, bo_client):
    owner, r1, c1, r2 = await _world(bo_factory)
    # issue 8: the client's own user is a client-portal user, refused (403) before any lookup
    for outsider, status in ((await bo_factory.user(r2), 404), (await bo_factory.user(c1), 403)):
        api = await bo_api(outsider)
        res = await api.get(f"/api/v1/companies/{c1['id']}/profile")
        assert res.status_code == status
        assert (await api.get(f"/api/v1/companies/{r1['id']}/profile")).status_code == status
        await sign_in(bo_client, outsider)
        assert (await bo_client.get(f"/companies/{c1['id']}")).status_code == status
        assert (await bo_client.get(f"/companies/{c1['id']}/block")).status_code == status


async def test_profile_page_tabs(bo_factory, bo_client):
    owner, r1, c1, r2 = await _world(bo_factory)
    now = datetime.now(UTC)
    await _agreement(c1, r1, "AG-7", 452_928_480_000, [(now - timedelta(days=1), None, None)])
    await sign_in(bo_client, await bo_factory.user(r1))
    page = await bo_client.get(f"/companies/{c1['id']}")
    assert page.status_code == 200
    text = page.text
    assert "Home client" in text and f"ID {c1['id']}" in text and ">Enabled<" in text
    # a zero row per registered channel (the bundled ones at least), no sender yet
    assert "<tr><td>WhatsApp</td><td>0</td><td>0</td></tr>" in text and "No traffic yet." in text
    assert f'href="/companies/{c1["id"]}/edit"' in text
    assert f'href="/companies/{c1["id"]}/block"' in text
    finance = (await bo_client.get(f"/companies/{c1['id']}?tab=finance")).text
    assert "AG-7" in finance and "452\u202f928.48 EUR" in finance and "Unlimited" in finance
    assert "No invoices yet." in finance and "No payments yet." in finance
    assert "AG-7 buyer" in finance
    assets = (await bo_client.get(f"/companies/{c1['id']}?tab=assets&period=bogus")).text
    assert "No templates yet." in assets
    year = (await bo_client.get(f"/companies/{c1['id']}?period=year")).text
    assert f"From {now.year}-01-01 00:00:00" in year


async def test_viewers_get_no_change_buttons(bo_factory, bo_client):
    from core.access.testing import role_id, user_with_role

    owner, r1, c1, r2 = await _world(bo_factory)
    noc = await user_with_role(
        bo_factory, r1, "backoffice", await role_id("backoffice", "NOC engineer")
    )
    await sign_in(bo_client, noc)
    page = await bo_client.get(f"/companies/{c1['id']}")
    assert page.status_code == 200 and "/block" not in page.text and "/edit" not in page.text
    assert (await bo_client.get(f"/companies/{c1['id']}/block")).status_code == 403
