"""Agreement and reselling pages: list, filters, columns, add with the first version, view,
edit, versions, delete confirmations, the reselling pages, and scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ledger_helpers import set_balance
from test_agreements_api import body, world
from test_ui_helpers import post_form, sign_in

from core.accounts.agreements import service as agreements
from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.agreements.schemas import AgreementCreate
from core.accounts.reselling.models import ResellingAssociation
from core.audit.recorder import AuditContext
from tenants.scope import Scope


def _codes(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/agreements/\d+">([^<]+)</a>', html)


async def _agreement(w, **extra) -> int:
    import msgspec

    ctx = AuditContext(company_id=w["r1"]["id"], user_id=None, user_label="t", ip="")
    data = msgspec.convert(body(w, **extra), AgreementCreate)
    return (await agreements.create_agreement(ctx, Scope.of(w["r1"]), data)).id


def _form(w, **extra) -> dict:
    values = {
        "company_id": str(w["c1"]["id"]),
        "direction": "client",
        "legal_entity_id": str(w["c1_le"]),
        "own_legal_entity_id": str(w["own_le"]),
        "bank_account_id": "",
        "own_bank_account_id": str(w["own_ba"]),
        "code": "UI-1",
        "agreement_date": "2025-01-10",
        "currency": "USD",
        "effective_from": "2025-01-10T00:00",
        "effective_till": "",
        "timezone": "America/New_York",
        "credit_limit": "75.25",
        "billing_timezone": "America/New_York",
        "billing_period": "monthly",
        "billing_day": "31",
        "days_for_payment": "30",
        "invoice_emails": "ap@client.test\nlead@client.test",
    }
    return values | extra


async def test_list_filters_columns_and_menu(bo_client, bo_factory):
    w = await world(bo_factory)
    await _agreement(w, code="EUR-1", credit_limit="10")
    await _agreement(w, code="USD-2", currency="USD")
    await sign_in(bo_client, w["user"])
    res = await bo_client.get("/agreements?sort=code&order=asc")
    assert res.status_code == 200 and _codes(res.text) == ["EUR-1", "USD-2"]
    assert 'href="/agreements"' in res.text  # in the menu
    for label in ("Company", "Legal entity", "Agreement code", "Currency", "Credit limit"):
        assert f">{label}<" in res.text
    for key in ("own_legal_entity", "date", "till", "billing_period"):
        assert f'name="col" value="{key}">' in res.text and f'class="col-{key}"' not in res.text
    assert "10.00 EUR" in res.text and "0.00 USD" in res.text
    assert _codes((await bo_client.get("/agreements?currency=USD")).text) == ["USD-2"]
    assert _codes((await bo_client.get("/agreements?q=eur")).text) == ["EUR-1"]
    assert _codes((await bo_client.get("/agreements?in_force_on=2020-01-01")).text) == []
    res = await bo_client.get("/agreements?sort=nope&currency=XXX1&in_force_on=x&page=z")
    assert res.status_code == 200 and len(_codes(res.text)) == 2
    res = await post_form(
        bo_client,
        "/ui/columns/agreements",
        {"col": ["code", "billing_timezone"], "back": "/agreements"},
        page="/agreements",
    )
    assert res.status_code == 303
    res = await bo_client.get("/agreements")
    assert ">Billing timezone<" in res.text and ">Credit limit<" not in res.text
    await sign_in(bo_client, w["sibling_user"])
    assert _codes((await bo_client.get("/agreements")).text) == []


async def test_add_view_edit_and_delete(bo_client, bo_factory):
    w = await world(bo_factory)
    await sign_in(bo_client, w["user"])
    res = await bo_client.get("/agreements/new")
    assert res.status_code == 200 and "Client Entity" in res.text and "Tenant account" in res.text
    res = await post_form(bo_client, "/agreements/new", _form(w, code="", billing_day="40"))
    assert res.status_code == 422 and ">Required<" in res.text
    res = await post_form(bo_client, "/agreements/new", _form(w, billing_day="40"))
    assert res.status_code == 422 and "1 to 31" in res.text
    assert await Agreement.count() == 0
    res = await post_form(bo_client, "/agreements/new", _form(w))
    assert res.status_code == 303, res.text
    agreement_id = (await Agreement.select(Agreement.id).first())["id"]
    assert res.headers["location"] == f"/agreements/{agreement_id}"
    view = await bo_client.get(f"/agreements/{agreement_id}")
    assert "UI-1" in view.text and "75.25 USD" in view.text
    assert "2025-01-10 00:00" in view.text and "America/New_York" in view.text

    edit_url = f"/agreements/{agreement_id}/edit"
    res = await bo_client.get(edit_url)
    assert res.status_code == 200 and "fixed once the agreement exists" in res.text
    values = {
        "legal_entity_id": str(w["c1_le"]),
        "own_legal_entity_id": str(w["own_le"]),
        "bank_account_id": str(w["c1_ba"]),
        "own_bank_account_id": "",
        "code": "UI-2",
        "agreement_date": "2025-01-11",
    }
    res = await post_form(bo_client, edit_url, values)
    assert res.status_code == 303, res.text
    stored = await Agreement.select().first()
    assert stored["code"] == "UI-2" and stored["bank_account"] == w["c1_ba"]
    assert stored["own_bank_account"] is None

    res = await bo_client.get(f"/agreements/{agreement_id}/delete")
    assert res.status_code == 200 and "Delete agreement" in res.text
    await set_balance(agreement_id, 1)
    res = await post_form(bo_client, f"/agreements/{agreement_id}/delete", {})
    assert res.status_code == 409 and "not zero" in res.text
    await set_balance(agreement_id, 0)  # back to zero, but its ledger is kept for ever
    res = await post_form(bo_client, f"/agreements/{agreement_id}/delete", {})
    assert res.status_code == 409 and "ledger holds entries" in res.text
    untouched = await _agreement(w, code="UI-3")
    res = await post_form(bo_client, f"/agreements/{untouched}/delete", {})
    assert res.status_code == 303 and await Agreement.count() == 1


async def test_versions_pages(bo_client, bo_factory):
    w = await world(bo_factory)
    agreement_id = await _agreement(w, effective_from="2025-01-01T00:00:00", timezone="UTC")
    await sign_in(bo_client, w["user"])
    base = f"/agreements/{agreement_id}/versions"
    res = await bo_client.get(f"{base}/new")
    assert res.status_code == 200 and "End the version in force" in res.text
    form = {
        "effective_from": "2090-01-01T00:00",
        "effective_till": "",
        "timezone": "UTC",
        "credit_limit": "",
        "billing_timezone": "UTC",
        "billing_period": "daily",
        "billing_day": "",
        "days_for_payment": "5",
    }
    res = await post_form(bo_client, f"{base}/new", form, page=f"{base}/new")
    assert res.status_code == 409 and "overlaps" in res.text
    res = await post_form(bo_client, f"{base}/new", form | {"end_previous": "1"}, f"{base}/new")
    assert res.status_code == 303, res.text
    rows = await AgreementVersion.select().order_by(AgreementVersion.id)
    first, second = rows
    view = await bo_client.get(f"/agreements/{agreement_id}")
    assert "upcoming" in view.text and f"/versions/{second['id']}/delete" in view.text
    assert f"/versions/{first['id']}/delete" not in view.text  # started: no delete link

    # editing the version in force: the start is read-only, other terms change
    edit = f"{base}/{first['id']}/edit"
    page = await bo_client.get(edit)
    assert "readonly" in page.text
    res = await post_form(
        bo_client,
        edit,
        form
        | {
            "effective_from": "2025-01-01T00:00",
            "effective_till": "2090-01-01T00:00",
            "billing_period": "weekly",
            "billing_day": "9",
        },
    )
    assert res.status_code == 422 and "7 (Sunday)" in res.text
    res = await post_form(
        bo_client,
        edit,
        form
        | {
            "effective_from": "2025-01-01T00:00",
            "effective_till": "2090-01-01T00:00",
            "credit_limit": "3",
        },
    )
    assert res.status_code == 303, res.text
    res = await post_form(bo_client, f"{base}/{first['id']}/delete", {}, page=edit)
    assert res.status_code == 409 and "has started" in res.text
    confirm = await bo_client.get(f"{base}/{second['id']}/delete")
    assert confirm.status_code == 200 and "Delete version" in confirm.text
    res = await post_form(bo_client, f"{base}/{second['id']}/delete", {})
    assert res.status_code == 303 and await AgreementVersion.count() == 1


async def test_reselling_pages(bo_client, bo_factory):
    w = await world(bo_factory)
    agreement_id = await _agreement(
        w, code="RS", company_id=w["rr"]["id"], legal_entity_id=w["rr_le"], bank_account_id=None
    )
    await sign_in(bo_client, w["user"])
    view = await bo_client.get(f"/legal-entities/{w['rr_le']}")
    url = f"/legal-entities/{w['rr_le']}/reselling-agreements"
    assert f'href="{url}"' in view.text and "Manage reselling agreements" in view.text
    page = await bo_client.get(url)
    assert page.status_code == 200 and "RS, EUR" in page.text
    form = {"agreement_id": str(agreement_id), "effective_from": "", "timezone": "UTC"}
    res = await post_form(bo_client, url, form)
    assert res.status_code == 422 and ">Required<" in res.text
    res = await post_form(bo_client, url, form | {"effective_from": "2025-03-01T00:00"})
    assert res.status_code == 303, res.text
    item = await ResellingAssociation.select().first()
    res = await post_form(
        bo_client,
        f"{url}/{item['id']}/edit",
        form | {"effective_from": "2025-03-01T00:00", "effective_till": "2030-01-01T00:00"},
    )
    assert res.status_code == 303, res.text
    assert (await ResellingAssociation.select().first())["effective_till"] is not None
    confirm = await bo_client.get(f"{url}/{item['id']}/delete")
    assert confirm.status_code == 200 and "Remove reselling agreement" in confirm.text

    # the reseller sees what it buys under, read-only
    await sign_in(bo_client, w["sub_user"])
    own = await bo_client.get(f"/own-legal-entities/{w['rr_le']}/reselling-agreements")
    assert own.status_code == 200 and "RS, EUR" in own.text and "/delete" not in own.text
    assert (await bo_client.get(url)).status_code == 404
    await sign_in(bo_client, w["sibling_user"])
    assert (await bo_client.get(url)).status_code == 404
    assert (await bo_client.get(f"/agreements/{agreement_id}")).status_code == 404

    await sign_in(bo_client, w["user"])
    res = await post_form(bo_client, f"{url}/{item['id']}/delete", {}, page=url)
    assert res.status_code == 303 and await ResellingAssociation.count() == 0


async def test_started_association_keeps_its_start_and_empty_choices_are_required(
    bo_client, bo_factory, bo_api
):
    w = await world(bo_factory)
    agreement_id = await _agreement(
        w, code="RS", company_id=w["rr"]["id"], legal_entity_id=w["rr_le"], bank_account_id=None
    )
    url = f"/legal-entities/{w['rr_le']}/reselling-agreements"
    # started at a moment with seconds (the API allows them; the form shows minutes only)
    res = await (await bo_api(w["user"])).post(
        f"/api/v1/legal-entities/{w['rr_le']}/reselling-agreements",
        json={"agreement_id": agreement_id, "effective_from": "2025-03-01T10:00:30"},
    )
    assert res.status_code == 201, res.text
    item_id = res.json()["id"]
    await sign_in(bo_client, w["user"])
    page = await bo_client.get(f"{url}/{item_id}/edit")
    assert page.status_code == 200 and "readonly" in page.text
    form = {
        "agreement_id": str(agreement_id),
        "effective_from": "2025-03-01T10:00",
        "effective_till": "2030-01-01T00:00",
        "timezone": "UTC",
    }
    res = await post_form(bo_client, f"{url}/{item_id}/edit", form)
    assert res.status_code == 303, res.text
    stored = await ResellingAssociation.select().first()
    assert stored["effective_till"] is not None
    assert str(stored["effective_from"]).startswith("2025-03-01")
    # an empty choice says it is required, not that a number is malformed
    res = await post_form(bo_client, url, form | {"agreement_id": ""})
    assert res.status_code == 422 and ">Required<" in res.text
    res = await post_form(bo_client, "/agreements/new", _form(w, company_id=""))
    assert res.status_code == 422 and ">Required<" in res.text
    assert "Enter a whole number." not in res.text


async def test_foreign_ids_answer_404_on_every_page(bo_client, bo_factory):
    w = await world(bo_factory)
    agreement_id = await _agreement(
        w, code="RS", company_id=w["rr"]["id"], legal_entity_id=w["rr_le"], bank_account_id=None
    )
    version_id = (await AgreementVersion.select().first())["id"]
    await ResellingAssociation(
        legal_entity=w["rr_le"],
        agreement=agreement_id,
        effective_from=datetime(2025, 1, 1, tzinfo=UTC),
    ).save()
    item_id = (await ResellingAssociation.select().first())["id"]
    base = f"/agreements/{agreement_id}"
    reselling = f"/legal-entities/{w['rr_le']}/reselling-agreements"
    pages = [
        base,
        f"{base}/edit",
        f"{base}/delete",
        f"{base}/versions/new",
        f"{base}/versions/{version_id}/edit",
        f"{base}/versions/{version_id}/delete",
        reselling,
        f"{reselling}/{item_id}/edit",
        f"{reselling}/{item_id}/delete",
    ]
    await sign_in(bo_client, w["client_user"])
    for url in pages:  # issue 8: a client-portal user is refused every BackOffice page
        assert (await bo_client.get(url)).status_code == 403, url
    for user in ("sibling_user",):
        await sign_in(bo_client, w[user])
        for url in pages:
            assert (await bo_client.get(url)).status_code == 404, (user, url)
        res = await post_form(bo_client, f"{base}/delete", {}, page="/agreements")
        assert res.status_code == 404
        res = await post_form(bo_client, f"{reselling}/{item_id}/delete", {}, page="/agreements")
        assert res.status_code == 404
        own = f"/own-legal-entities/{w['rr_le']}/reselling-agreements"
        assert (await bo_client.get(own)).status_code == 404
    assert await Agreement.count() == 1 and await ResellingAssociation.count() == 1
