"""The must-show browser test of issue 12: a rate manager builds the guide's §7.3.3 SMS tree
(messages and sender ID fees) in the constructor, row by row, on a desktop and on a phone,
meets a validation error next to the row, deletes a subtree through its confirmation, and
evaluates messages in "Try a rate" (MT to Vodafone Spain: 0.04; MT to France: the Others
scale). Screenshots land in /tmp/shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import sign_in

from core.access.testing import role_id, user_with_role
from core.catalogue.trees import document, examples
from core.catalogue.trees.store import read_tree

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


async def _shot(page, name: str, width: int) -> None:
    await page.evaluate("window.scrollTo(0, 0)")  # sticky bars drawn mid-page otherwise
    await page.screenshot(path=str(SHOTS / f"constructor-{name}-{width}.png"), full_page=True)


async def _overflow(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _row(page, key: str, depth: int):
    return page.locator(f'tr.tree-row[data-key="{key}"][data-depth="{depth}"]')


async def _submit(page, label: str) -> None:
    from playwright.async_api import expect

    editor = page.locator("tr.tree-editor")
    await editor.get_by_role("button", name=label, exact=True).click()
    await expect(editor).to_have_count(0)


async def _add_value(page, parent, key: str, price_type: str, **fields) -> None:
    """The parent's Add, a value and its rate, then Add; the new row shows under the parent."""
    from playwright.async_api import expect

    await parent.locator("[data-action=add]").click()
    editor = page.locator("tr.tree-editor")
    await editor.locator("input[name=key]").fill(key)
    await editor.locator("select[name=type]").select_option(price_type)
    if "depends_on" in fields:
        await editor.locator("select[name=depends_on]").select_option(fields["depends_on"])
    if "price" in fields:
        await editor.locator("input[name=price]").fill(fields["price"])
    if "tiers" in fields:
        tiers = fields["tiers"]
        for _ in range(len(tiers) - 2):
            await editor.get_by_role("button", name="Add tier").click()
        for i, (up_to, price) in enumerate(tiers):
            row = editor.locator(".tree-tier").nth(i)
            await row.locator("input[name=up_to]").fill(str(up_to or ""))
            await row.locator("input[name=tier_price]").fill(price)
        for attribute in fields.get("counter_group", ()):
            await editor.locator(f"input[name=counter_group][value={attribute}]").check()
    await _submit(page, "Add")
    depth = int(await parent.get_attribute("data-depth")) + 1
    await expect(_row(page, key, depth)).to_have_count(1)


@pytest.mark.parametrize("width", [1440, 390])
async def test_a_rate_manager_builds_the_sms_tree_and_tries_a_rate(
    bo_factory, live_server, browser_page, width
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Tree Reseller")
    user = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    page = browser_page
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(str(exc)))
    # a CSP refusal (inline script or style) is logged as a console error
    page.on("console", lambda m: "Refused to" in m.text and failures.append(m.text))
    await page.set_viewport_size({"width": width, "height": 900})
    await sign_in(page, live_server, user["email"], user["password"])

    # a pay-as-you-go EUR service and a scope from 2026-01-01, Madrid time
    await page.goto(live_server + "/services/new")
    await page.fill("input[name=name]", "SMS retail EUR")
    await page.select_option("select[name=currency]", "EUR")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("SMS retail EUR")
    service_url = page.url
    await expect(page.locator("#scopes td.empty")).to_contain_text("No scopes yet")
    await page.click("text=New scope")
    await page.fill("input[name=effective_from]", "2026-01-01T00:00")
    await page.select_option("select[name=timezone]", "Europe/Madrid")
    await page.click("button:has-text('Save')")
    await expect(page.locator("h1")).to_contain_text("Rate tree")
    await expect(page.locator("td.empty")).to_contain_text("This rate tree is empty")
    scope_id = int(page.url.rsplit("/", 1)[1])

    # SMS → SMS message (billing submitted, quantity segments) → depends on direction
    await page.click("[data-add-root]")
    editor = page.locator("tr.tree-editor")
    await editor.locator("select[name=key]").select_option("sms")
    await _submit(page, "Add")
    sms = _row(page, "sms", 0)
    await expect(sms).to_have_count(1)
    await sms.locator("[data-action=add]").click()
    await editor.locator("select[name=key]").select_option("sms_message")
    await editor.locator("select[name=billing_rule]").select_option("submitted")
    await editor.locator("select[name=quantity_rule]").select_option("segments")
    await _submit(page, "Add")
    message = _row(page, "sms_message", 1)
    await expect(message.locator(".tree-warn")).to_have_count(1)  # not priced yet
    await message.locator("[data-action=edit]").click()
    await editor.locator("select[name=type]").select_option("depends_on")
    await editor.locator("select[name=depends_on]").select_option("direction")
    await _submit(page, "Save")
    await expect(message.locator(".tree-type")).to_have_text("Depends on direction")
    await expect(message.locator(".tree-quantity")).to_have_text("segments")

    # MO free; MT depends on country
    await _add_value(page, message, "MO", "free")
    await _add_value(page, message, "MT", "depends_on", depends_on="country")
    mt = _row(page, "MT", 2)
    await expect(mt.locator(".tree-quantity")).to_have_text("Default (segments)")
    await expect(mt.locator(".tree-warn")).to_have_count(1)  # a branch with no values yet

    # Spain depends on network: Vodafone flat, DIGI a tier scale per sender ID, Others flat
    await _add_value(page, mt, "ES", "depends_on", depends_on="network")
    spain = _row(page, "ES", 3)
    await expect(spain.locator(".tree-label")).to_have_text("Spain")
    await _add_value(page, spain, "21401", "flat", price="0.04")
    await _add_value(
        page,
        spain,
        "21422",
        "scale",
        tiers=[(1000, "0.005"), (None, "0.004")],
        counter_group=["sender_id"],
    )
    await _add_value(page, spain, "*", "flat", price="0.08")
    await expect(_row(page, "*", 4).locator(".tree-label")).to_have_text("Others")
    await expect(_row(page, "21422", 4).locator(".tree-price")).to_have_text(
        "Tier: ≤ 1000: 0.005; then 0.004 · per sender_id"
    )

    # the same country twice: the API's message next to the row, nothing added
    await mt.locator("[data-action=add]").click()
    await editor.locator("input[name=key]").fill("es")
    await editor.locator("select[name=type]").select_option("free")
    await editor.get_by_role("button", name="Add", exact=True).click()
    await expect(editor.locator(".tree-errors")).to_contain_text("appears twice")
    await _shot(page, "error", width)
    await editor.get_by_role("button", name="Cancel").click()

    # MT Others: a tier scale 0.05 up to 10,000, 0.04 up to 50,000, then 0.03
    await _add_value(
        page, mt, "*", "scale", tiers=[(10000, "0.05"), (50000, "0.04"), (None, "0.03")]
    )

    # a subtree deleted through its confirmation, which counts the nodes that go
    await _add_value(page, mt, "PT", "depends_on", depends_on="network")
    portugal = _row(page, "PT", 3)
    await _add_value(page, portugal, "26801", "flat", price="0.06")
    await portugal.locator("[data-action=delete]").click()
    await expect(editor.locator(".tree-confirm")).to_contain_text(
        "and the 1 node below it (2 in all)"
    )
    await editor.get_by_role("button", name="Delete 2 nodes").click()
    await expect(portugal).to_have_count(0)
    await expect(_row(page, "26801", 4)).to_have_count(0)
    await expect(_row(page, "21422", 4)).to_be_visible()  # the rest stays open as it was
    await _shot(page, "tree", width)
    assert await _overflow(page) <= 0

    # the sender ID fees: setup by network, usage by network counted per full period
    for resource, quantity, prices in (
        ("sender_id_setup_fee", "", [("21401", "50")]),
        ("sender_id_usage_fee", "full_period", [("21401", "10"), ("21422", "15")]),
    ):
        await sms.locator("[data-action=add]").click()
        await editor.locator("select[name=key]").select_option(resource)
        await editor.locator("select[name=quantity_rule]").select_option(quantity)
        await _submit(page, "Add")
        fee = _row(page, resource, 1)
        await fee.locator("[data-action=edit]").click()
        await editor.locator("select[name=type]").select_option("depends_on")
        await editor.locator("select[name=depends_on]").select_option("network")
        await _submit(page, "Save")
        for network, price in prices:
            await _add_value(page, fee, network, "flat", price=price)
        await fee.locator("[data-action=toggle]").click()  # fold it again

    # what was built is the guide's §7.3.3 tree, node for node
    built = document.dump(await read_tree(scope_id))
    assert built == examples.sms()

    # collapse and expand: children come back from the server
    await mt.locator("[data-action=toggle]").click()
    await expect(_row(page, "ES", 3)).to_have_count(0)
    await mt.locator("[data-action=toggle]").click()
    await expect(_row(page, "ES", 3)).to_have_count(1)

    # Try a rate on the service page
    await page.goto(service_url)
    await expect(page.locator("#scopes")).to_contain_text("In force now")
    panel = page.locator("[data-try-panel]")
    # it opens on the channel the service prices; another resource swaps the fields in place
    await expect(panel.locator("select[name=resource]")).to_have_value("sms/sms_message")
    await panel.locator("select[name=resource]").select_option("sms/sender_id_setup_fee")
    await expect(page.locator("input[name='attr.direction']")).to_have_count(0)
    await page.locator("[data-try-panel] select[name=resource]").select_option("sms/sms_message")
    await expect(page.locator("input[name='attr.direction']")).to_be_visible()
    await page.fill("input[name=at]", "2026-06-01T12:00")
    await page.select_option("[data-try-panel] select[name=timezone]", "Europe/Madrid")
    await page.fill("input[name='attr.direction']", "MT")
    await page.fill("input[name='attr.country']", "ES")
    await page.fill("input[name='attr.network']", "21401")
    await page.click("button:has-text('Evaluate')")
    result = page.locator("[data-try-result]")
    await expect(result.locator("[data-field=price]")).to_have_text("0.04 EUR")
    await expect(result.locator("[data-field=path]")).to_have_text(
        "sms / sms_message / MT / ES / 21401"
    )
    await expect(result.locator("[data-field=quantity_rule]")).to_have_text("segments")
    await _shot(page, "try-flat", width)
    await page.fill("input[name='attr.country']", "FR")
    await page.fill("input[name='attr.network']", "20801")
    await page.click("button:has-text('Evaluate')")
    await expect(result.locator("[data-field=path]")).to_have_text("sms / sms_message / MT / *")
    scale = result.locator("[data-field=scale]")
    await expect(scale).to_contain_text("Tier")
    await expect(scale.locator("tbody tr")).to_have_count(3)
    await expect(scale.locator("tbody tr").nth(0)).to_contain_text("up to 10000")
    await expect(scale.locator("tbody tr").nth(2)).to_contain_text("0.03")
    await _shot(page, "try-scale", width)
    assert await _overflow(page) <= 0
    assert failures == []


async def test_a_5000_value_level_opens_a_page_at_a_time(bo_factory, live_server, browser_page):
    """Only opened levels are in the page, 200 rows at a time; Escape closes an editor."""
    import httpx
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    headers = {"Authorization": f"Bearer {await bo_factory.token(user)}"}
    values = [
        {"value": f"S{i:05d}", "rate": {"type": "flat", "price": "0.01"}} for i in range(5000)
    ]
    rate = {"depends_on": "sender_id", "children": values}
    doc = {
        "format": 1,
        "domains": [{"domain": "sms", "resources": [{"resource": "sms_message", "rate": rate}]}],
    }
    async with httpx.AsyncClient(base_url=live_server + "/api/v1", headers=headers) as api:
        body = {"name": "Wide", "type": "pay_as_you_go", "currency": "EUR"}
        sid = (await api.post("/services", json=body)).json()["id"]
        scope = {"effective_from": "2026-01-01T00:00:00"}
        scope_id = (await api.post(f"/services/{sid}/scopes", json=scope)).json()["id"]
        res = await api.put(f"/scopes/{scope_id}/tree", json=doc, timeout=60)
        assert res.status_code == 200, res.text

    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(str(exc)))
    await page.goto(f"{live_server}/scopes/{scope_id}")
    await _row(page, "sms", 0).locator("[data-action=toggle]").click()
    message = _row(page, "sms_message", 1)
    await message.locator("[data-action=toggle]").click()
    rows = page.locator("tr.tree-row[data-depth='2']")
    await expect(rows).to_have_count(200)
    await page.get_by_role("button", name="Show more").click()
    await expect(rows).to_have_count(400)
    await expect(_row(page, "S00399", 2)).to_be_visible()
    assert await page.locator("tr.tree-row").count() == 402  # nothing else is in the page
    await message.locator("[data-action=add]").click()
    await expect(page.locator("tr.tree-editor")).to_have_count(1)
    await page.keyboard.press("Escape")
    await expect(page.locator("tr.tree-editor")).to_have_count(0)
    await message.locator("[data-action=toggle]").click()
    await expect(rows).to_have_count(0)
    assert failures == []
