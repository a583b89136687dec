"""A real browser: configure a payment system, find it, edit it, offer it on an own legal
entity, see the delete refused while it is offered, take it off and delete it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import SHOTS, sign_in

from core.accounts.legal_entities.models import LegalEntity

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


@pytest.fixture
def payment_plugin_on_path(tmp_path, monkeypatch):
    """Expose ``payment_plugin_for_browser`` to the server subprocess by an entry point."""
    site = tmp_path / "site"
    info = site / "bo_browser_payments-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: bo-browser-payments\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[backoffice.plugins]\nbrowser-payments = payment_plugin_for_browser\n"
    )
    paths = [str(site), str(HERE), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))


async def test_payment_system_create_assign_delete(
    bo_factory, payment_plugin_on_path, live_server, browser_page
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await LegalEntity(company=reseller["id"], name="Own Ltd", legal_name="Own Ltd").save()
    admin = await bo_factory.user(reseller)
    page = browser_page

    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.click("nav >> text=Payment systems")
    await expect(page.locator("h1")).to_have_text("Payment systems")
    await page.click("text=Add payment system")
    await page.select_option("select[name=kind]", label="BrowserPay")
    await page.click("button:has-text('Continue')")
    await page.fill("input[name=name]", "Cards")
    await page.fill("input[name=setting_account]", "acct-42")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".field-error")).to_contain_text("Is required")
    await page.fill("input[name=setting_api_key]", "sk_browser_secret_1234")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Cards")
    await expect(page.locator("dl.details")).to_contain_text("acct-42")

    await page.click("nav >> text=Payment systems")
    row = page.locator("tr", has_text="Cards")
    await expect(row).to_contain_text("BrowserPay")
    await page.screenshot(path=str(SHOTS / "bo_payment_systems.png"), full_page=True)
    await row.locator("text=Edit").click()
    await expect(page.locator("form.card")).to_contain_text("Currently set")
    await page.fill("input[name=name]", "Cards EU")
    await page.select_option("select[name=fee_payer]", "owner")
    await page.fill("input[name=internal_fee]", "1.5")
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    await expect(page.locator("dl.details")).to_contain_text("1.5000 %")

    await page.click("nav >> text=Own legal entities")
    await page.click("text=Own Ltd")
    box = page.locator("#payment-systems")
    await box.locator("label:has-text('Cards EU') input").check()
    await box.locator("button:has-text('Save payment systems')").click()
    await expect(page.locator(".alert-success")).to_contain_text("were saved")
    await expect(page.locator("#payment-systems li")).to_have_text("Cards EU")

    await page.click("nav >> text=Payment systems")
    await page.locator("tr", has_text="Cards EU").locator("text=Delete").click()
    await page.click("button:has-text('Delete payment system')")
    await expect(page.locator(".alert-error")).to_contain_text("1 own legal entity")

    await page.click("nav >> text=Own legal entities")
    await page.click("text=Own Ltd")
    await page.locator("#payment-systems label:has-text('Cards EU') input").uncheck()
    await page.click("button:has-text('Save payment systems')")
    await expect(page.locator("#payment-systems")).to_contain_text("None assigned.")

    await page.click("nav >> text=Payment systems")
    await page.locator("tr", has_text="Cards EU").locator("text=Delete").click()
    await page.click("button:has-text('Delete payment system')")
    await expect(page.locator(".alert-success")).to_contain_text("was deleted")
    await expect(page.locator("td.empty")).to_be_visible()
