"""In a real browser, an empty form shows every error at once (issue 8 item 2)."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

pytestmark = pytest.mark.browser


async def test_an_empty_legal_entity_form_shows_all_its_errors_at_once(
    bo_factory, live_server, browser_page
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await bo_factory.company(reseller, "client", name="Client Co")
    admin = await bo_factory.user(reseller)
    page = browser_page
    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.goto(f"{live_server}/legal-entities/new")
    await page.click("form >> button:has-text('Save')")
    for name in ("name", "legal_name", "country", "company_id"):
        field = page.locator("label.field", has=page.locator(f"[name={name}]"))
        await expect(field.locator(".field-error")).to_have_text("Required")
    await page.screenshot(path=str(SHOTS / "all-errors-legal-entity.png"), full_page=True)
