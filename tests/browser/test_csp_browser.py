"""The UI keeps working under its Content-Security-Policy: no page, dialog or form trips it.

Every ``securitypolicyviolation`` the browser raises is collected from the first script of each
page on, while the pages that use scripts, dialogs, inline branding styles, the QR code and the
job progress bar are opened and used.
"""

from __future__ import annotations

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, require_chromium, sign_in

pytestmark = pytest.mark.browser

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""
PAGES = (
    "/",
    "/companies",
    "/companies/new",
    "/users",
    "/users/invite",
    "/roles",
    "/audit",
    "/account",
    "/account/tokens",
    "/account/two-factor",
    "/help/guide",
    "/banks",
    "/portals",
    "/agreements",
    "/payment-systems",
    "/settings/password-policy",
    "/dev/mailbox",
    "/dev/sms",
)


async def test_pages_dialogs_and_forms_run_under_the_policy(bo_factory, live_server):
    require_chromium()
    from playwright.async_api import async_playwright, expect

    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, email="csp-admin@example.test")
    violations: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 900})
            await page.add_init_script(COLLECT)
            page.on(
                "console",
                lambda m: (
                    violations.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )

            async def collected(where: str) -> None:
                found = await page.evaluate("window.__csp || []")
                violations.extend(f"{where}: {v}" for v in found)

            await page.goto(live_server + "/login")
            await collected("/login")
            await sign_in(page, live_server, admin["email"], admin["password"])
            await page.wait_for_load_state()
            for path in PAGES:
                res = await page.goto(live_server + path)
                assert res.status == 200, path
                assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
                await collected(path)
            # the help dialog is opened by app.js
            await page.goto(live_server + "/companies")
            await page.click("[data-dialog=help-dialog]")
            await expect(page.locator("#help-dialog")).to_be_visible()
            await collected("help dialog")
            # a form posts and lands on the next page
            await page.goto(live_server + "/companies/new")
            await page.fill("input[name=name]", "Policy Ltd")
            await page.click("form.form button[type=submit]")
            await page.wait_for_load_state()
            await expect(page.get_by_text("Policy Ltd").first).to_be_visible()
            await collected("company form")
            # the authenticator set-up shows its QR code inline
            await page.goto(live_server + "/account/two-factor")
            totp = page.locator("a[href*=totp], button:has-text('authenticator')")
            if await totp.count():
                await totp.first.click()
                await page.wait_for_load_state()
                await collected("totp set-up")
            await page.screenshot(path=str(SHOTS / "security-csp.png"), full_page=True)
        finally:
            await browser.close()
    assert violations == []
