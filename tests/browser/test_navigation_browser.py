"""In a real browser: a client-portal user sees no BackOffice menu, and a role sees its menu."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in
from playwright.async_api import expect

from core.access.testing import role_id, user_with_role

pytestmark = pytest.mark.browser


async def test_a_client_portal_user_sees_no_backoffice_menu(bo_factory, live_server, browser_page):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Portal Reseller")
    client = await bo_factory.company(reseller, "client", name="Portal Client")
    user = await user_with_role(
        bo_factory, client, "portal", await role_id("portal", "Admin"), email="c@example.test"
    )
    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    await expect(page.locator("h1")).to_have_text("BackOffice is not for client-portal users")
    await expect(page.locator("nav.menu")).to_have_count(0)
    await expect(page.locator(".sidebar")).to_have_count(0)
    await page.screenshot(path=str(SHOTS / "nav-portal-user.png"))
    for path in ("/users", "/roles", "/audit", "/roles/new", "/account"):
        response = await page.goto(live_server + path)
        assert response.status == 403, path
        await expect(page.locator("h1")).to_have_text("BackOffice is not for client-portal users")
        await expect(page.locator("nav.menu")).to_have_count(0)
    await page.click("button:has-text('Log out')")
    await expect(page.locator("input[name=login]")).to_be_visible()


async def test_a_rate_manager_sees_only_the_menu_it_may_open(bo_factory, live_server, browser_page):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    user = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    menu = page.locator("nav.menu")
    await expect(menu).to_contain_text("Companies")
    for hidden in ("Users", "Roles", "Audit", "Portals"):
        await expect(menu.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    await page.screenshot(path=str(SHOTS / "nav-rate-manager-home.png"), full_page=True)
    response = await page.goto(live_server + "/roles")
    assert response.status == 403
    await expect(page.locator(".error-card")).to_contain_text("You need Users: view")
