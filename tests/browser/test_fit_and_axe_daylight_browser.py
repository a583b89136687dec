"""The demo reseller's portal (reseller.localhost, the daylight theme): every page fits the
screen and passes axe-core's WCAG 2.1 AA rules, walked as ``test_fit_and_axe_browser`` walks
the default theme. A module of its own so the two long walks run on different workers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from test_fit_and_axe_browser import (  # noqa: F401  (fixtures)
    RESELLER_HOST,
    _dark_pages,
    _every_page,
    _report,
    _signed_out_pages,
    browser,
    demo,
)

pytestmark = pytest.mark.browser


# Every page, at three widths with axe-core: its time grows with the site (about 200-290 s
# on a loaded 2-core machine), past the suite's 300 s default.
@pytest.mark.timeout(900)
async def test_daylight_portal_every_page_fits_and_passes_axe(browser, demo, live_server):  # noqa: F811
    base = f"http://{RESELLER_HOST}:{urlsplit(live_server).port}"
    # axe-core is injected as an inline script, which the pages' CSP forbids (as it should);
    # tests/browser/test_csp_browser.py checks the pages under the CSP itself.
    context = await browser.new_context(bypass_csp=True)
    try:
        page = await context.new_page()
        await page.goto(base + "/login")
        assert (
            await page.get_attribute("link[rel=stylesheet]", "href") == "/static/daylight/app.css"
        )
        # The support link under the form is told apart from its sentence by more than colour.
        support = page.locator(".login-help a")
        assert await support.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
        await page.close()
        problems = await _signed_out_pages(context, base)
        problems += await _every_page(context, base, "reseller")
        problems += await _dark_pages(context, base, "reseller")
        assert not problems, _report(problems)
    finally:
        await context.close()
