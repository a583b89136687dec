"""Payment-system pages: the no-plugin notice, type choice, the plugin-built form, secrets
kept on edit, list filters and columns, delete confirmation with the in-use reason, and the
payment-system box of an own legal entity."""

from __future__ import annotations

import re

import pytest
from payment_rows import saved, settings_of
from test_payment_systems_api import SECRET, PayPlugin
from test_ui_helpers import post_form, sign_in, token_for

from core.accounts.legal_entities.models import LegalEntity
from core.payments.models import LegalEntityPaymentSystem, PaymentSystemConfig


@pytest.fixture
def fakepay(bo_register_plugin):
    bo_register_plugin(PayPlugin(), name="fakepay-ui-test")


async def _reseller(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await sign_in(bo_client, await bo_factory.user(reseller))
    return owner, reseller


def _names(page_html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/payment-systems/\d+">([^<]+)</a>', page_html)


def _form(**extra) -> dict:
    return {
        "kind": "fakepay",
        "name": "Cards",
        "enabled": "1",
        "fee_payer": "client",
        "internal_fee": "",
        "setting_account": "acct-1",
        "setting_api_key": SECRET,
        "setting_mode": "live",
        **extra,
    }


async def test_new_page_without_plugins_says_so(bo_client, bo_factory):
    await _reseller(bo_factory, bo_client)
    res = await bo_client.get("/payment-systems/new")
    assert res.status_code == 200
    assert "No payment-system plugin is installed" in res.text
    assert "setting_" not in res.text
    res = await bo_client.get("/payment-systems")
    assert res.status_code == 200 and 'href="/payment-systems"' in res.text


async def test_create_edit_keep_secret_and_delete(fakepay, bo_client, bo_factory):
    _, reseller = await _reseller(bo_factory, bo_client)
    res = await bo_client.get("/payment-systems/new")
    assert 'name="kind"' in res.text and "FakePay" in res.text
    res = await bo_client.get("/payment-systems/new?kind=fakepay")
    assert res.status_code == 200
    assert 'type="password" name="setting_api_key"' in res.text
    assert '<select name="setting_mode" id="field-setting_mode"' in res.text

    res = await post_form(
        bo_client, "/payment-systems/new", _form(setting_api_key=""), "/payment-systems/new"
    )
    assert res.status_code == 422 and "Is required" in res.text
    res = await post_form(
        bo_client,
        "/payment-systems/new",
        _form(internal_fee="3"),
        "/payment-systems/new?kind=fakepay",
    )
    assert res.status_code == 422 and "nly applies when the owner pays" in res.text
    assert await PaymentSystemConfig.count() == 0

    res = await post_form(bo_client, "/payment-systems/new", _form(), "/payment-systems/new")
    assert res.status_code == 303, res.text
    system_id = (await PaymentSystemConfig.select().first())["id"]
    view = await bo_client.get(f"/payment-systems/{system_id}")
    assert "Cards" in view.text and "acct-1" in view.text and SECRET not in view.text
    assert ">Set<" in view.text

    edit = await bo_client.get(f"/payment-systems/{system_id}/edit")
    assert SECRET not in edit.text and "Currently set" in edit.text
    res = await post_form(
        bo_client,
        f"/payment-systems/{system_id}/edit",
        _form(name="Cards EU", setting_api_key="", fee_payer="owner", internal_fee="1.25"),
    )
    assert res.status_code == 303, res.text
    row = await PaymentSystemConfig.select().where(PaymentSystemConfig.id == system_id).first()
    assert row["name"] == "Cards EU" and row["internal_fee"] == 1_250_000
    assert (await settings_of(row))["api_key"] == SECRET and row["kind"] == "fakepay"

    # delete: refused while an own legal entity offers it, with the reason on the page
    entity = LegalEntity(company=reseller["id"], name="Own", legal_name="Own", country="DE")
    await entity.save()
    await LegalEntityPaymentSystem(legal_entity=entity.id, payment_system=system_id).save()
    confirm = await bo_client.get(f"/payment-systems/{system_id}/delete")
    assert "Delete payment system" in confirm.text
    res = await post_form(bo_client, f"/payment-systems/{system_id}/delete", {})
    assert res.status_code == 409 and "1 own legal entity" in res.text
    await LegalEntityPaymentSystem.delete(force=True)
    res = await post_form(bo_client, f"/payment-systems/{system_id}/delete", {})
    assert res.status_code == 303 and await PaymentSystemConfig.count() == 0


async def test_list_filters_sorting_columns_and_scope(fakepay, bo_client, bo_factory):
    owner, reseller = await _reseller(bo_factory, bo_client)
    for name, company, enabled in (
        ("Alpha", reseller, True),
        ("Beta", reseller, False),
        ("Tenant's", owner, True),
    ):
        await saved(company["id"], name, "fakepay", enabled=enabled)
    res = await bo_client.get("/payment-systems?sort=name&order=asc")
    assert _names(res.text) == ["Alpha", "Beta"]
    assert ">Fee payer<" in res.text and ">Created<" not in res.text
    assert _names((await bo_client.get("/payment-systems?enabled=no")).text) == ["Beta"]
    assert _names((await bo_client.get("/payment-systems?q=alp")).text) == ["Alpha"]
    assert _names((await bo_client.get("/payment-systems?page_size=10&page=2")).text) == []
    token = await token_for(bo_client, "/payment-systems")
    res = await bo_client.post(
        "/ui/columns/payment_systems",
        data={"_csrf_token": token, "col": ["name", "created"], "back": "/payment-systems"},
    )
    assert res.status_code == 303
    res = await bo_client.get("/payment-systems")
    assert ">Created<" in res.text and ">Fee payer<" not in res.text
    tenant_id = (await PaymentSystemConfig.select().where(PaymentSystemConfig.name == "Tenant's"))[
        0
    ]["id"]
    assert (await bo_client.get(f"/payment-systems/{tenant_id}")).status_code == 404
    assert (await bo_client.get(f"/payment-systems/{tenant_id}/edit")).status_code == 404


async def test_own_entity_page_assigns_payment_systems(fakepay, bo_client, bo_factory):
    owner, reseller = await _reseller(bo_factory, bo_client)
    entity = LegalEntity(company=reseller["id"], name="Own", legal_name="Own", country="DE")
    await entity.save()
    systems = {}
    for name, company, enabled in (
        ("Cards", reseller, True),
        ("Off", reseller, False),
        ("Tenant's", owner, True),
    ):
        row = await saved(company["id"], name, "fakepay", enabled=enabled)
        systems[name] = row.id
    page = f"/own-legal-entities/{entity.id}"
    res = await bo_client.get(page)
    assert "Payment systems" in res.text and "None assigned." in res.text
    assert f'value="{systems["Cards"]}"' in res.text
    assert f'value="{systems["Off"]}"' not in res.text
    tenants = systems["Tenant's"]
    assert f'value="{tenants}"' not in res.text

    action = f"{page}/payment-systems"
    res = await post_form(bo_client, action, {"payment_system_id": [systems["Cards"]]}, page)
    assert res.status_code == 303
    res = await bo_client.get(page)
    assert f'href="/payment-systems/{systems["Cards"]}">Cards</a>' in res.text
    assert "were saved" in res.text
    res = await post_form(bo_client, action, {"payment_system_id": [systems["Tenant's"]]}, page)
    assert res.status_code == 303
    res = await bo_client.get(page)
    assert "were not changed" in res.text
    rows = await LegalEntityPaymentSystem.select(LegalEntityPaymentSystem.payment_system)
    assert [r["payment_system"] for r in rows] == [systems["Cards"]]
    # a foreign entity answers 404
    other = LegalEntity(company=owner["id"], name="Tenant Own", legal_name="T", country="DE")
    await other.save()
    res = await post_form(bo_client, f"/own-legal-entities/{other.id}/payment-systems", {}, page)
    assert res.status_code == 404
