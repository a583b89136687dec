"""A real browser on Settings → Plugins with three installed packages (the example plugin, a
payment plugin and one that cannot be imported): the list shows what each contributes and the
broken one left out, the owner switches the example off for a reseller, and both pages fit a
1440 px and a 390 px screen. Screenshots go where the other browser tests put theirs, so a run
never rewrites tracked files; ``BACKOFFICE_SCREENSHOTS_DIR=docs/screenshots`` refreshes the
documented ones."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, require_chromium, sign_in
from test_fit_and_axe_browser import _axe, require_axe

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
EXPECTED = {  # what the axe walk's plugin pages must show besides passing
    "/plugins": ("“acme-uninstalled” is no longer installed",),
    "/p/example/receipts": ("Delivery receipts", "undeliverable"),
}


def _dist(site: Path, name: str, version: str, entry: str) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[backoffice.plugins]\n{entry}\n")


@pytest.fixture
def packages_on_path(tmp_path, monkeypatch):
    site = tmp_path / "site"
    _dist(site, "backoffice-example-plugin", "0.1.0", "example = backoffice_example_plugin.plugin")
    _dist(site, "bo-browser-payments", "0.1", "browser-payments = payment_plugin_for_browser")
    _dist(site, "acme-fax", "3.0.1", "acme-fax = acme_fax_plugin_not_installed")
    example = ROOT / "examples" / "backoffice-example-plugin" / "src"
    paths = [str(site), str(HERE), str(example), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))


async def _fits(page, width: int) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"the page is {overflow} px wide on a {width} px screen"


async def _shoot(page, name: str, kind: str, width: int) -> None:
    folder = Path(os.environ.get("BACKOFFICE_SCREENSHOTS_DIR") or SHOTS)
    target = folder / f"default-{name}-{kind}.png"
    if kind == "phone":
        full = await page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": width, "height": min(full, 2400)}
        await page.screenshot(path=str(target), full_page=True, clip=clip)
    else:
        await page.screenshot(path=str(target), full_page=True)


async def test_plugins_page_and_switches(bo_factory, packages_on_path, live_server, browser_page):
    from playwright.async_api import expect

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    admin = await bo_factory.user(owner)
    page = browser_page

    await sign_in(page, live_server, admin["email"], admin["password"])
    await page.click("nav >> text=Plugins")
    await expect(page.locator("h1")).to_have_text("Plugins")
    example = page.locator("tr", has_text="backoffice-example-plugin")
    await expect(example).to_contain_text("example-http")
    await expect(example).to_contain_text("core API >=1,<2")
    broken = page.locator("tr", has_text="acme-fax")
    await expect(broken).to_contain_text("Left out")
    await expect(broken).to_contain_text("ModuleNotFoundError")

    await page.click("text=Company switches")
    await page.select_option("select[name=company_id]", label="Reseller One")
    await page.click("button:has-text('Show')")
    await page.select_option("select[name='plugin:example']", "off")
    await page.click("button:has-text('Save switches')")
    await expect(page.locator(".alert-success")).to_contain_text("1 plugin switch(es) saved")
    await expect(page.locator("select[name='plugin:example']")).to_have_value("off")

    switches = f"/plugins/switches?company_id={reseller['id']}"
    for kind, (width, height) in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": height})
        for name, path in (("plugins", "/plugins"), ("plugin-switches", switches)):
            await page.goto(live_server + path)
            await _fits(page, width)
            await _shoot(page, name, kind, width)


async def _plugin_pages_with_content(owner: dict, bo_register_plugin) -> int:
    """Receipts on the example plugin's page (its table migrated here: the server does not
    migrate plugins), a notice for a plugin no longer installed, and a payment system whose
    connection test fails with a long unbroken address; returns that payment system's id."""
    example = str(ROOT / "examples" / "backoffice-example-plugin" / "src")
    if example not in sys.path:
        sys.path.insert(0, example)
    from backoffice_example_plugin import plugin
    from backoffice_example_plugin.receipts import Receipt
    from payment_rows import saved

    from core.db.migrate import migrate_plugins
    from core.plugins.models import CompanyPlugin

    bo_register_plugin(plugin, name="example")
    await migrate_plugins()
    await Receipt.insert(
        *[
            Receipt(
                company=owner["id"],
                connection=1,
                vendor_message_id=f"gw-{i}-" + "m" * 60,
                vendor_status="undeliverable",
                status="failed",
            )
            for i in range(3)
        ]
    )
    gone = CompanyPlugin(company=owner["id"], plugin="acme-uninstalled", enabled=True)
    await CompanyPlugin.insert(gone)
    settings = {"account": "refused", "api_key": "sk_browser_0123456789"}
    system = await saved(owner["id"], "Refusing gateway", "browserpay", settings)
    return system.id


async def test_plugins_pages_pass_axe_at_1440_and_320(
    bo_factory, packages_on_path, live_server, bo_register_plugin
):
    """WCAG 2.1 AA as the whole-site walk checks it (axe-core injected, so the CSP is bypassed
    here; test_csp_browser.py checks pages under the CSP)."""
    require_chromium()
    require_axe()
    from playwright.async_api import async_playwright

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    admin = await bo_factory.user(owner)
    refused = await _plugin_pages_with_content(owner, bo_register_plugin)
    paths = [
        "/plugins",
        f"/plugins/switches?company_id={reseller['id']}",
        "/plugins/switches",
        "/p/example/receipts",
        f"/payment-systems/{refused}",
    ]
    problems = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(bypass_csp=True)
            page = await context.new_page()
            await sign_in(page, live_server, admin["email"], admin["password"])
            for width in (1440, 320):
                await page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    await page.goto(live_server + path)
                    if path.startswith("/payment-systems/"):  # with the failed test's notice
                        await page.click("button:has-text('Test connection')")
                        alert = await page.wait_for_selector(".alert-error")
                        if "failed: https://gateway.example.test/" not in await alert.inner_text():
                            problems.append(f"{width}px {path}: {await alert.inner_text()}")
                    shown = await page.inner_text("main")
                    for words in EXPECTED.get(path, ()):
                        if words not in shown:
                            problems.append(f"{width}px {path}: no {words!r}")
                    sideways = await page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                    if sideways > 0:
                        problems.append(f"{width}px {path}: scrolls {sideways}px sideways")
                    problems += [f"{width}px {path}: {v}" for v in await _axe(page)]
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)
