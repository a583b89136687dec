"""A real browser: invitation → sign-up from the emailed link → forced 2FA enrolment → sign-in
with an SMS code; and an account locked after three wrong codes.

The server is a subprocess on the test database (see test_companies_browser.py). SMS codes are
read from the dev sender's outbox file, which that process writes under the shared data dir.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlparse

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, require_chromium, sign_in

pytestmark = pytest.mark.browser
PHONE = "+4915112345678"


def sms_code_for(phone: str, after: float, timeout: float = 10) -> str:
    """The newest code sent to ``phone`` since ``after`` (the server writes it asynchronously)."""
    from datetime import datetime

    from core.auth.sms import DevSmsSender

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = DevSmsSender.path()
        if path.exists():
            for line in reversed(path.read_text().splitlines()):
                item = json.loads(line)
                if item["phone"] != phone:
                    continue
                if datetime.fromisoformat(item["at"]).timestamp() >= after:
                    return re.search(r"\b(\d{6})\b", item["text"]).group(1)
                break
        time.sleep(0.2)
    raise AssertionError(f"no SMS code reached {phone}")


async def test_invite_sign_up_enrol_and_sign_in_with_a_code(bo_factory, live_server):
    require_chromium()
    from playwright.async_api import async_playwright, expect

    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, first_name="Ada", last_name="King")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 900})
            await sign_in(page, live_server, admin["email"], admin["password"])
            await page.goto(live_server + "/users/invite")
            await page.fill("input[name=email]", "new.person@example.test")
            await page.select_option("select[name=company_id]", str(owner["id"]))
            await page.check("input[name=is_admin]")
            await page.check("input[name=two_factor]")
            await page.click("button:has-text('Send invitation')")
            await expect(page.locator(".alert-success")).to_be_visible()

            await page.goto(live_server + "/dev/mailbox")
            await page.locator("a.row-link").first.click()
            link = await page.locator("[data-mail-link]").first.get_attribute("href")
            assert "/signup/" in link

            guest = await browser.new_context(viewport={"width": 1360, "height": 900})
            person = await guest.new_page()
            # The email carries the configured public address; this server has its own port.
            await person.goto(live_server + urlparse(link).path)
            await person.fill("input[name=first_name]", "New")
            await person.fill("input[name=last_name]", "Person")
            await person.fill("input[name=phone]", PHONE)
            await person.fill("input[name=login]", "new.person")
            await person.fill("input[name=password]", "Chosen-Pass-42")
            await person.fill("input[name=password_confirm]", "Chosen-Pass-42")
            await person.click("button:has-text('Sign up')")
            await expect(person.locator(".alert-success")).to_be_visible()

            await sign_in(person, live_server, "new.person", "Chosen-Pass-42")
            assert "/login/enrol" in person.url  # 2FA was required by the invitation
            await expect(person.locator("input[name=phone]")).to_have_value(PHONE)
            await person.screenshot(path=str(SHOTS / "bo_2fa_enrol.png"))
            sent_at = time.time() - 1
            await person.click("button:has-text('Get verification code')")
            await expect(person.locator("h2")).to_have_text("Enter the code from the SMS")
            await person.fill("input[name=code]", sms_code_for(PHONE, sent_at))
            await person.click("button:has-text('Continue')")
            await expect(person.locator("[data-recovery-codes] li")).to_have_count(10)
            await person.screenshot(path=str(SHOTS / "bo_2fa_recovery_codes.png"))
            await person.click("text=Continue")
            await expect(person.locator(".account-menu summary")).to_have_text("NP")

            await person.click(".account-menu summary")
            await person.click("text=Log out")
            await sign_in(person, live_server, "new.person", "Chosen-Pass-42")
            assert "/login/code" in person.url
            await expect(person.locator("main")).to_contain_text("••")
            code = sms_code_for(PHONE, time.time() - 5)
            await person.fill("input[name=code]", code)
            await person.click("button:has-text('Continue')")
            await expect(person.locator(".account-menu summary")).to_have_text("NP")
            await person.goto(live_server + "/account/two-factor")
            await expect(person.locator("[data-2fa-status]")).to_contain_text("On")
            await person.screenshot(path=str(SHOTS / "bo_2fa_status.png"), full_page=True)
        finally:
            await browser.close()


async def test_three_wrong_codes_lock_the_account(bo_factory, live_server):
    require_chromium()
    from playwright.async_api import async_playwright, expect

    from core.auth.models import User

    user = await bo_factory.user(await bo_factory.owner(), is_admin=False)
    await User.update(
        {User.two_factor_enabled: True, User.two_factor_method: "sms", User.phone: PHONE}
    ).where(User.id == user["id"])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 800})
            await sign_in(page, live_server, user["email"], user["password"])
            assert "/login/code" in page.url
            for left in ("2 attempt(s) left", "1 attempt(s) left"):
                await page.fill("input[name=code]", "000000")
                await page.click("button:has-text('Continue')")
                await expect(page.locator(".alert-error")).to_contain_text(left)
            await page.fill("input[name=code]", "000000")
            await page.click("button:has-text('Continue')")
            await expect(page.locator(".alert-error")).to_contain_text("locked for 10")
            await page.screenshot(path=str(SHOTS / "bo_2fa_locked.png"))
            await sign_in(page, live_server, user["email"], user["password"])
            await expect(page.locator(".alert-error")).to_contain_text("locked")
        finally:
            await browser.close()
