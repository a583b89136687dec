"""Every page, in both themes, fits the screen and passes axe-core's WCAG 2.1 AA rules.

The demo data (``backoffice demo``) is seeded, then each test signs in once and walks every page
reachable by links from the start page — one page per route pattern, so ``/companies/2`` stands
for every company — at 1440 px and at 320 px: axe-core must find no violation and the page must
not scroll sideways. List pages are also checked at 390 px (a phone), and a few pages again
with the per-user dark appearance. The default theme is the
system owner's (127.0.0.1); the demo reseller's portal, reseller.localhost, uses daylight
(walked in ``test_fit_and_axe_daylight_browser``).

axe-core is the npm package pinned in ``tests/browser/package.json`` (``make install`` runs
``npm ci`` there) and is injected into each page with Playwright's ``add_script_tag``.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import ARGS, CHROMIUM, require_chromium, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Browser-demo-2026!"
RESELLER_HOST = "reseller.localhost"
RESOLVE = f"--host-resolver-rules=MAP {RESELLER_HOST} 127.0.0.1"
# Links that are not pages: downloads, images, the API, actions and other sites.
NOT_A_PAGE = re.compile(
    r"/logout|/api/|/csv|format=csv|/download|/static/|/branding/|/files/|/avatar/|/jobs/"
)
MAX_PAGES = 150
# axe's options: only the WCAG 2.1 A/AA rules, plus the experimental check that a control's
# accessible name contains its visible label (the avatar menu once failed it).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_AA},
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}


def require_axe() -> None:
    """Skip without the npm package locally; under CI a missing axe-core is a failure."""
    if AXE.exists():
        return
    message = f"{AXE} is missing: run `make install` (npm ci in tests/browser)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
async def browser():
    """One Chromium for the module; each test opens its own signed-in context."""
    require_chromium()
    require_axe()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, RESOLVE])
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def demo(bo_db, monkeypatch):
    """The demo tree of ``backoffice demo``, with a known password, plus one very long name."""
    from core.demo import seed_demo
    from tenants.models import Company

    monkeypatch.setenv("BACKOFFICE_DEMO_PASSWORD", PASSWORD)
    await seed_demo()
    owner = await Company.select(Company.id).where(Company.kind == "owner").first()
    long_name = "Northwind Omnichannel Messaging and Telecommunication Services Europe " * 2
    await Company.insert(
        Company(name=long_name.strip(), parent=owner["id"], kind="client", enabled=True)
    )
    return long_name.strip()


def _pattern(path: str) -> str:
    return re.sub(r"/\d+", "/N", path.split("?")[0])


async def _links(page) -> list[str]:
    hrefs = await page.eval_on_selector_all(
        "a[href]", "els => els.map(a => a.getAttribute('href'))"
    )
    return [h.split("#")[0] for h in hrefs if h.startswith("/") and not NOT_A_PAGE.search(h)]


async def _walk(page, base: str) -> list[str]:
    """Every page reachable by links from ``/``, one per route pattern, in breadth-first order."""
    seen: set[str] = set()
    queue, pages = ["/"], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        response = await page.goto(base + path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages.append(path)
        queue.extend(h for h in await _links(page) if _pattern(h) not in seen)
    return pages


async def _axe(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]


async def _overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


async def _check(page, base: str, paths: list[str], width: int, axe: bool) -> list[str]:
    await page.set_viewport_size({"width": width, "height": 900})
    problems = []
    for path in paths:
        response = await page.goto(base + path)
        where = f"{width}px {urlsplit(base).hostname}{path}"
        if response.status >= 500:
            problems.append(f"{where}: answered {response.status}")
        if (extra := await _overflow(page)) > 0:
            problems.append(f"{where}: the page scrolls {extra}px sideways")
        if axe:
            problems.extend(f"{where}: {v}" for v in await _axe(page))
    return problems


async def _every_page(context, base: str, login: str) -> list[str]:
    """Walk the site signed in, then check every page at 1440 and 320 px (two tabs at once, so
    the walk takes half the time) and the list pages at 390 px."""
    page = await context.new_page()
    await sign_in(page, base, login, PASSWORD)
    await page.wait_for_url(re.compile(r"/(?!login)"))
    paths = await _walk(page, base)
    assert len(paths) > 40, f"the walk found only {paths}"
    narrow = await context.new_page()
    wide_problems, narrow_problems = await asyncio.gather(
        _check(page, base, paths, 1440, axe=True), _check(narrow, base, paths, 320, axe=True)
    )
    lists = [p for p in paths if "/" not in p.strip("/") and "?" not in p and p != "/"]
    assert {"/companies", "/agreements", "/portals", "/audit"} <= set(lists), lists
    phone_problems = await _check(narrow, base, lists, 390, axe=False)
    await page.close()
    await narrow.close()
    return wide_problems + narrow_problems + phone_problems


async def _signed_out_pages(context, base: str) -> list[str]:
    page = await context.new_page()
    problems = []
    for width in (1440, 320):
        problems += await _check(page, base, ["/login", "/no-such-page"], width, axe=True)
    await page.close()
    return problems


# The per-user dark appearance (My account) recolours every page: its lists, forms and details.
DARK_PAGES = ("/", "/companies", "/users", "/roles/new", "/portals", "/audit", "/account")


async def _dark_pages(context, base: str, login: str) -> list[str]:
    from core.auth.models import User

    await User.update({User.appearance: "dark"}).where(User.login == login)
    page = await context.new_page()
    problems = []
    for width in (1440, 320):
        problems += await _check(page, base, list(DARK_PAGES), width, axe=True)
    assert "appearance-dark" in (await page.get_attribute("body", "class"))
    await page.close()
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problems:\n" + "\n".join(problems)


# Every page, at three widths with axe-core: its time grows with the site (about 200-290 s
# on a loaded 2-core machine), past the suite's 300 s default.
@pytest.mark.timeout(900)
async def test_default_theme_every_page_fits_and_passes_axe(browser, demo, live_server):
    from playwright.async_api import expect

    # axe-core is injected as an inline script, which the pages' CSP forbids (as it should);
    # tests/browser/test_csp_browser.py checks the pages under the CSP itself.
    context = await browser.new_context(bypass_csp=True)
    try:
        problems = await _signed_out_pages(context, live_server)
        problems += await _every_page(context, live_server, "admin")
        assert not problems, _report(problems)
        problems = await _dark_pages(context, live_server, "admin")
        assert not problems, _report(problems)

        page = await context.new_page()
        # A long name ends in "…" inside its cell and shows whole on hover.
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.goto(live_server + "/companies?q=Northwind")
        cell = page.locator("td.col-name").first
        await expect(cell).to_have_attribute("title", demo)
        assert await cell.evaluate("c => c.scrollWidth > c.clientWidth")
        assert await _overflow(page) <= 0

        # On a phone the row actions stay in view although the table scrolls in its card.
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto(live_server + "/companies")
        actions = page.locator("td.col-actions").first
        box = await actions.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        await expect(actions.locator("a", has_text="Edit")).to_be_visible()
        card = page.locator(".table-card")
        assert await card.evaluate("c => c.scrollWidth > c.clientWidth")
        await expect(card).to_have_attribute("tabindex", "0")  # keyboard can scroll it

        # At 320 px the menu folds behind a button and opens within the screen.
        await page.set_viewport_size({"width": 320, "height": 700})
        await page.goto(live_server + "/companies")
        toggle = page.locator("button.menu-toggle")
        menu = page.locator("nav.menu")
        await expect(menu).to_be_hidden()
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await toggle.click()
        await expect(menu).to_be_visible()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        assert await _overflow(page) <= 0
        assert await _axe(page) == []
        await page.keyboard.press("Escape")
        await expect(menu).to_be_hidden()

        # The skip link is the first stop of the keyboard and leads to the page's content.
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.goto(live_server + "/companies")
        await page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        await expect(skip).to_be_focused()
        assert (await skip.bounding_box())["y"] >= 0
        await page.keyboard.press("Enter")
        await expect(page.locator("main#content")).to_be_focused()

        # Checkbox focus is clearly visible.
        await page.goto(live_server + "/companies/new")
        await page.select_option("select[name=type]", "reseller")
        box = page.locator("input[type=checkbox]").first
        await box.focus()
        await page.keyboard.press("Shift+Tab")
        await page.keyboard.press("Tab")
        outline = await box.evaluate("b => getComputedStyle(b).outlineStyle")
        assert outline == "solid"

        # An invalid field says so to assistive technology, pointing at its message.
        await page.fill("input[name=name]", "")
        await page.click("button:has-text('Save')")
        name = page.locator("input[name=name]")
        await expect(name).to_have_attribute("aria-invalid", "true")
        described = await name.get_attribute("aria-describedby")
        message = page.locator(f"#{described.split()[0]}")
        await expect(message).to_have_class(re.compile("field-error"))
        assert await _axe(page) == []
    finally:
        await context.close()
