"""A real browser fills a declared form: a conditional group appears when its condition holds
(static fields.js, no inline script under the CSP), a file is uploaded, and the server keeps
what the form showed."""

from __future__ import annotations

import io

import pytest
from browser_helpers import sign_in
from payment_rows import settings_of
from PIL import Image
from test_payment_systems_browser import payment_plugin_on_path  # noqa: F401 (fixture)

from core.payments.models import PaymentSystemConfig

pytestmark = pytest.mark.browser


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, "PNG")
    return out.getvalue()


async def test_conditional_group_and_upload(
    bo_factory,
    payment_plugin_on_path,  # noqa: F811
    live_server,
    browser_page,
):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    admin = await bo_factory.user(reseller)
    page = browser_page
    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: script_errors.append(msg.text) if msg.type == "error" else None,
    )

    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.goto(live_server + "/payment-systems/new?kind=browserformpay")
    live_key = page.locator("input[name=setting_live_key]")
    await expect(live_key).to_be_hidden()
    await expect(page.locator("[data-group=Live]")).to_be_hidden()  # all its fields are off

    await page.fill("input[name=name]", "Form cards")
    await page.select_option("select[name=setting_mode]", "live")
    await expect(live_key).to_be_visible()
    await expect(page.locator("[data-group=Live]")).to_be_visible()
    await page.click("button:has-text('Save')")
    await expect(page.locator("[data-error-for=setting_live_key]")).to_contain_text("Is required")
    await expect(live_key).to_be_visible()  # the re-shown form keeps the condition

    await live_key.fill("sk_live_browser")
    await page.locator("input[name=setting_methods][value=sepa]").check()
    await page.set_input_files(
        "input[name=setting_logo]",
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}],
    )
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("Form cards")
    await expect(page.locator("dl.details")).to_contain_text("logo.png")

    settings = await settings_of(await PaymentSystemConfig.select().first())
    assert settings["live_key"] == "sk_live_browser" and settings["methods"] == ["sepa"]
    assert settings["logo"]["size"] == len(_png())

    # back to test mode: the live group hides (its inputs are disabled, so not posted)
    await page.goto(live_server + page.url.removeprefix(live_server) + "/edit")
    await page.select_option("select[name=setting_mode]", "test")
    await expect(live_key).to_be_hidden()
    await page.click("button:has-text('Save')")
    await expect(page.locator(".alert-success")).to_contain_text("was saved")
    settings = await settings_of(await PaymentSystemConfig.select().first())
    assert "live_key" not in settings and "logo" not in settings
    assert not [e for e in script_errors if "Content Security Policy" in e or "fields" in e]
