"""A real browser, as a reseller's rate manager on a desktop and on a phone: Finance → Services,
a pay-as-you-go service and a unit pack (the form shows currency and size only where the type
has them), messages for bad input, the list's filters, clone, archive and back, and delete
through the confirmation page. Screenshots land in /tmp/shots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import sign_in

from core.access.testing import role_id, user_with_role
from core.catalogue.services.models import Service

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


def _said(message: str) -> re.Pattern:
    """A field message as shown: the page capitalises its first letter."""
    return re.compile(re.escape(message), re.IGNORECASE)


async def _shot(page, name: str, width: int) -> None:
    await page.screenshot(  # Playwright makes the folder
        path=str(SHOTS / f"services-{name}-{width}.png"), full_page=True
    )


async def _overflow(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


async def _open_services(page, width: int) -> None:
    """Through the menu, folded behind its button on a phone."""
    toggle = page.locator("button.menu-toggle")
    if await toggle.is_visible():
        await toggle.click()
    menu = page.locator("nav.menu")
    await menu.get_by_role("link", name="Services", exact=True).click()


@pytest.mark.parametrize("width", [1440, 390])
async def test_a_rate_manager_builds_and_retires_services(
    bo_factory, live_server, browser_page, width
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Rates Reseller")
    user = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    page = browser_page
    await page.set_viewport_size({"width": width, "height": 900})
    await sign_in(page, live_server, user["email"], user["password"])
    await _open_services(page, width)
    await expect(page.locator("h1")).to_have_text("Services")
    await expect(page.locator("td.empty")).to_contain_text("No services yet")

    # pay-as-you-go: a currency, no size; a blank name and no currency are named under fields
    await page.click("text=Add service")
    await expect(page.locator("h1")).to_have_text("Add service")
    form = page.locator("form.form")
    currency, size = form.locator("select[name=currency]"), form.locator("input[name=size]")
    await expect(currency).to_be_visible()
    await expect(size).to_be_hidden()
    await page.click("button:has-text('Save')")
    await expect(page.locator(".field.has-error")).to_have_count(2)
    name_field = page.locator(".field.has-error", has=page.locator("input[name=name]"))
    await expect(name_field).to_contain_text(_said("must not be blank"))
    currency_field = page.locator(".field.has-error", has=page.locator("select[name=currency]"))
    await expect(currency_field).to_contain_text(_said("is required for a Pay-as-you-go service"))
    await _shot(page, "form-errors", width)
    assert await _overflow(page) <= 0
    await page.fill("input[name=name]", "SMS retail EUR")
    await currency.select_option("EUR")
    await page.fill("textarea[name=description]", "Retail SMS prices")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("SMS retail EUR")
    await expect(page.locator("dl.details")).to_contain_text("Pay-as-you-go")
    await _shot(page, "view", width)
    assert await _overflow(page) <= 0

    # unit pack: the currency goes away (a EUR chosen before is not sent), the size appears
    await page.goto(live_server + "/services/new")
    await page.fill("input[name=name]", "USA SMS & WA pack")
    await currency.select_option("EUR")
    await form.locator("select[name=type]").select_option("unit_pack")
    await expect(currency).to_be_hidden()
    await expect(size).to_be_visible()
    await size.fill("12.5")
    await page.click("button:has-text('Save')")
    size_field = page.locator(".field.has-error", has=page.locator("input[name=size]"))
    await expect(size_field).to_contain_text(_said("is not a whole number of units"))
    await expect(currency).to_be_hidden()  # still a unit pack after the server's answer
    await expect(page.locator("input[name=name]")).to_have_value("USA SMS & WA pack")
    await _shot(page, "form-unit-pack", width)
    await size.fill("1000")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("USA SMS & WA pack")
    await expect(page.locator("dl.details")).to_contain_text("1000 units")
    pack = await Service.select().where(Service.name == "USA SMS & WA pack").first()
    assert (pack["type"], pack["currency"], pack["size"]) == ("unit_pack", None, 1000)

    # the same name again, any case, is refused under the name
    await page.goto(live_server + "/services/new")
    await page.fill("input[name=name]", "sms RETAIL eur")
    await page.select_option("select[name=currency]", "USD")
    await page.click("button:has-text('Save')")
    await expect(name_field).to_contain_text(_said("is taken by another of your services"))

    # the list: both rows, then each filter
    await _open_services(page, width)
    rows = page.locator("table.table tbody tr")
    await expect(rows).to_have_count(2)
    await _shot(page, "list", width)
    assert await _overflow(page) <= 0
    await page.select_option("form.filters select[name=type]", "unit_pack")
    await page.click("form.filters button[type=submit]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("USA SMS & WA pack")
    await page.goto(live_server + "/services")
    await page.fill("form.filters input[name=q]", "retail")
    await page.click("form.filters button[type=submit]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("SMS retail EUR")

    # clone, then archive and bring back the clone
    await rows.first.locator("a", has_text="Clone").click()
    await expect(page.locator("input[name=name]")).to_have_value("SMS retail EUR (copy)")
    await page.fill("input[name=name]", "SMS retail EUR 2027")
    await page.click("button[type=submit]:has-text('Clone')")
    await expect(page.locator(".alert-success")).to_contain_text("SMS retail EUR 2027")
    await expect(page.locator("dl.details")).to_contain_text("Retail SMS prices")
    await page.click(".page-actions button:has-text('Archive')")
    await expect(page.locator(".alert-success")).to_contain_text("was archived")
    await expect(page.locator("h1 .badge")).to_have_text("Archived")
    await _shot(page, "archived", width)
    await page.goto(live_server + "/services?archived=yes")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("SMS retail EUR 2027")
    await page.goto(live_server + "/services?archived=no")
    await expect(rows).to_have_count(2)
    await page.goto(live_server + "/services?archived=yes")
    await rows.first.locator("a.row-link").click()
    await page.click(".page-actions button:has-text('Unarchive')")
    await expect(page.locator(".alert-success")).to_contain_text("was brought back")
    await expect(page.locator("h1 .badge")).to_have_count(0)

    # delete through its confirmation page
    await page.click(".page-actions >> text=Delete")
    await expect(page.locator("h1")).to_contain_text("Delete")
    await _shot(page, "delete", width)
    await page.click("button:has-text('Delete service')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(rows).to_have_count(2)
    await expect(page.locator("tr", has_text="SMS retail EUR 2027")).to_have_count(0)
    assert not await Service.exists().where(Service.name == "SMS retail EUR 2027")
