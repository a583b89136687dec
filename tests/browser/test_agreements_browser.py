"""A real browser: create an agreement with its first version, find it in the list, add a
version from its page, and delete it through the confirmation page."""

from __future__ import annotations

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser


async def _entity(company: dict, name: str) -> None:
    await LegalEntity(company=company["id"], name=name, legal_name=name, country="DE").save()


async def test_agreement_create_list_add_version_delete(bo_factory, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    tenant = await bo_factory.company(owner, "reseller", name="Tenant")
    client = await bo_factory.company(tenant, "client", name="Hooves Client")
    await _entity(tenant, "Tenant Own Entity")
    await _entity(client, "Hooves Entity")
    user = await bo_factory.user(tenant)
    page = browser_page
    await sign_in(page, live_server, user["email"], user["password"])
    await page.goto(live_server + "/agreements")
    await expect(page.locator("h1")).to_have_text("Agreements")

    await page.click("text=New agreement")
    await page.select_option("select[name=company_id]", label="Hooves Client")
    await page.select_option("select[name=legal_entity_id]", label="Hooves Entity")  # narrowed
    await page.select_option("select[name=own_legal_entity_id]", label="Tenant Own Entity")
    await page.fill("input[name=code]", "BR-100")
    await page.select_option("select[name=currency]", "EUR")
    await page.fill("input[name=effective_from]", "2025-01-01T00:00")
    await page.fill("input[name=timezone]", "Europe/Paris")
    await page.fill("input[name=credit_limit]", "500")
    await page.screenshot(path=str(SHOTS / "bo_agreement_form.png"), full_page=True)
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("BR-100")
    await expect(page.locator("main")).to_contain_text("500.00 EUR")

    await page.click("nav >> text=Agreements")
    row = page.locator("tr", has_text="BR-100")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Hooves Client")
    await page.screenshot(path=str(SHOTS / "bo_agreements.png"), full_page=True)

    await row.locator("a.row-link").click()
    await page.click("text=Add new version")
    await page.fill("input[name=effective_from]", "2090-01-01T00:00")
    await page.fill("input[name=credit_limit]", "900")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("new version")
    versions = page.locator("table.versions tbody tr")
    await expect(versions).to_have_count(2)
    await expect(versions.nth(1)).to_contain_text("upcoming")
    await expect(versions.nth(1)).to_contain_text("900.00 EUR")
    await page.screenshot(path=str(SHOTS / "bo_agreement_view.png"), full_page=True)

    await page.click(".page-actions >> text=Delete")
    await expect(page.locator("h1")).to_have_text("Delete agreement")
    await page.click("button:has-text('Delete agreement')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("tr", has_text="BR-100")).to_have_count(0)
