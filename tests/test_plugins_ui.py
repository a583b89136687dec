"""Settings → Plugins pages: the installed list with its filters, the switches of the
platform and of a child company, what a reseller may and may not switch, and the menu entry."""

from __future__ import annotations

import pytest
from test_plugins_enablement import PLUGIN, PayKitPlugin
from test_ui_helpers import post_form, sign_in

from core.access.testing import role_id, user_with_role
from core.plugins.models import CompanyPlugin


@pytest.fixture
def paykit(bo_register_plugin):
    bo_register_plugin(PayKitPlugin(), name=PLUGIN)


async def _tree(bo_factory):
    owner = await bo_factory.owner()
    a = await bo_factory.company(owner, "reseller", name="Reseller A")
    b = await bo_factory.company(owner, "reseller", name="Reseller B")
    a_child = await bo_factory.company(a, "client", name="Client of A")
    return owner, a, b, a_child


async def test_the_list_shows_contributions_compatibility_and_state(paykit, bo_client, bo_factory):
    owner, *_ = await _tree(bo_factory)
    await sign_in(bo_client, await bo_factory.user(owner))
    res = await bo_client.get("/plugins")
    assert res.status_code == 200
    page = res.text
    assert 'href="/plugins"' in page  # the menu entry
    assert PLUGIN in page and "Payment systems:</span> paykit" in page
    assert "core API &gt;=1,&lt;2" in page and "Always on" in page
    res = await bo_client.get("/plugins", params={"contributes": "payment_systems"})
    assert PLUGIN in res.text and "core.catalogue.dictionaries.builtin" not in res.text
    res = await bo_client.get("/plugins", params={"q": "no-such-thing"})
    assert "No plugins match these filters." in res.text
    # a hand-edited query never gives an error page
    for params in ({"kind": "x"}, {"sort": "evil"}, {"page_size": "abc"}, {"cursor": "zzz"}):
        res = await bo_client.get("/plugins", params=params)
        assert res.status_code == 200, (params, res.status_code)


async def test_owner_switches_the_platform_and_a_child(paykit, bo_client, bo_factory):
    owner, a, _, _ = await _tree(bo_factory)
    await sign_in(bo_client, await bo_factory.user(owner))
    res = await bo_client.get("/plugins/switches")
    assert res.status_code == 200 and "the whole platform" in res.text
    assert f'name="plugin:{PLUGIN}"' in res.text and "core.catalogue.dictionaries" not in res.text
    res = await post_form(
        bo_client,
        "/plugins/switches",
        {"company_id": str(a["id"]), f"plugin:{PLUGIN}": "off"},
        page=f"/plugins/switches?company_id={a['id']}",
    )
    assert res.status_code == 303, res.text
    row = await CompanyPlugin.select().where(CompanyPlugin.company == a["id"]).first()
    assert row["plugin"] == PLUGIN and row["enabled"] is False
    page = (await bo_client.get(f"/plugins/switches?company_id={a['id']}")).text
    assert '<option value="off" selected>' in page


async def test_reseller_own_switches_are_read_only_and_a_sibling_child_is_404(
    paykit, bo_client, bo_factory
):
    owner, a, b, a_child = await _tree(bo_factory)
    await sign_in(bo_client, await bo_factory.user(b))
    page = (await bo_client.get("/plugins/switches")).text
    assert "set by the company that created it" in page and 'name="plugin:' not in page
    assert (await bo_client.get(f"/plugins/switches?company_id={a_child['id']}")).status_code == 404
    assert (await bo_client.get("/plugins/switches?company_id=abc")).status_code == 404
    assert (await bo_client.get("/plugins/switches?company_id=99999999999")).status_code == 404
    res = await post_form(
        bo_client,
        "/plugins/switches",
        {"company_id": str(a_child["id"]), f"plugin:{PLUGIN}": "off"},
        page="/plugins/switches",
    )
    assert res.status_code == 404
    # the owner switches it off for B; B cannot give it to its own client then
    b_child = await bo_factory.company(b, "client", name="Client of B")
    await CompanyPlugin.insert(CompanyPlugin(company=b["id"], plugin=PLUGIN, enabled=False))
    await CompanyPlugin.insert(CompanyPlugin(company=b_child["id"], plugin=PLUGIN, enabled=False))
    res = await post_form(
        bo_client,
        "/plugins/switches",
        {"company_id": str(b_child["id"]), f"plugin:{PLUGIN}": "on"},
        page=f"/plugins/switches?company_id={b_child['id']}",
    )
    assert res.status_code == 422 and "is disabled for your company" in res.text


async def test_roles_without_settings_see_no_menu_entry_and_get_403(paykit, bo_client, bo_factory):
    _, a, _, _ = await _tree(bo_factory)
    manager = await user_with_role(
        bo_factory, a, "backoffice", await role_id("backoffice", "Client manager")
    )
    await sign_in(bo_client, manager)
    assert 'href="/plugins"' not in (await bo_client.get("/")).text
    assert (await bo_client.get("/plugins")).status_code == 403
    rate = await user_with_role(
        bo_factory, a, "backoffice", await role_id("backoffice", "Rate manager")
    )
    await sign_in(bo_client, rate)
    page = (await bo_client.get("/plugins/switches")).text
    assert 'name="plugin:' not in page  # view only
