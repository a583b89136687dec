"""Two portals on one server: each host name shows its own title, theme, colour and logo.

Chromium cannot resolve made-up names, so the test maps both to 127.0.0.1 with
``--host-resolver-rules``; the server then sees the real ``Host`` header, as behind DNS.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from browser_helpers import ARGS, CHROMIUM, SHOTS, require_chromium, sign_in

from core.storage import get_storage
from tenants.models import Portal

pytestmark = pytest.mark.browser

PORTALS = (
    # host, title, theme, primary colour, computed rgb of that colour, logo size
    ("portal-a.test", "Alpha Harbour", "default", "#c0392b", "rgb(192, 57, 43)", (160, 40)),
    ("portal-b.test", "Beta Meadow", "daylight", "#1f7a4d", "rgb(31, 122, 77)", (96, 96)),
)
RESOLVE = "--host-resolver-rules=" + ", ".join(f"MAP {p[0]} 127.0.0.1" for p in PORTALS)


def _png(size: tuple[int, int], color: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


async def test_two_portals_show_their_own_branding(bo_factory, live_server):
    require_chromium()
    from playwright.async_api import async_playwright, expect

    owner = await bo_factory.owner()
    storage = get_storage()
    for host, title, theme, color, _, size in PORTALS:
        company = await bo_factory.company(owner, kind="reseller", name=f"{title} Ltd")
        key = f"portals/browser-{host}/login-logo.png"
        storage.save(key, _png(size, color))
        wide = f"portals/browser-{host}/menu-wide.png"
        storage.save(wide, _png((200, 50), "#f4c430"))
        await Portal.insert(
            Portal(
                company=company["id"],
                name=title,
                fqdn=host,
                status="active",
                title=title,
                theme=theme,
                primary_color=color,
                login_logo=key,
                logo_expanded_light=wide,
            )
        )
    user = await bo_factory.user(owner, email="meadow@example.test")

    port = urlsplit(live_server).port
    fonts = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, RESOLVE])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 820})
            for host, title, theme, _, rgb, size in PORTALS:
                await page.goto(f"http://{host}:{port}/login")
                await expect(page.locator("h1.login-brand")).to_have_text(title)
                assert (await page.title()).endswith(title)
                sheet = page.locator("link[rel=stylesheet]")
                assert await sheet.get_attribute("href") == f"/static/{theme}/app.css"

                button = page.locator("button[type=submit]")
                color = await button.evaluate("b => getComputedStyle(b).backgroundColor")
                assert color == rgb, f"{host}: button colour {color}"

                logo = page.locator("img.login-logo")
                await expect(logo).to_be_visible()
                await page.wait_for_function("document.querySelector('img.login-logo').complete")
                natural = await logo.evaluate("i => [i.naturalWidth, i.naturalHeight]")
                assert tuple(natural) == size, f"{host}: logo did not load ({natural})"

                fonts[theme] = await page.evaluate(
                    "getComputedStyle(document.querySelector('h1')).fontFamily"
                )
                await page.screenshot(path=str(SHOTS / f"bo_portal_{theme}_login.png"))

            # Signed in through portal B: the light menu shows the portal's wide logo and the
            # active menu item takes the portal colour.
            host, title, _, _, rgb, _ = PORTALS[1]
            await sign_in(page, f"http://{host}:{port}", user["email"], user["password"])
            await page.goto(f"http://{host}:{port}/companies")
            logo = page.locator(".sidebar img.brand-logo-expanded")
            await expect(logo).to_have_attribute("alt", title)
            await page.wait_for_function("document.querySelector('.brand-logo-expanded').complete")
            assert await logo.evaluate("i => i.naturalWidth") == 200
            active = page.locator(".menu-link.active")
            assert await active.evaluate("a => getComputedStyle(a).backgroundColor") == rgb
            await page.screenshot(path=str(SHOTS / "bo_portal_daylight_companies.png"))
        finally:
            await browser.close()
    # The daylight stylesheet really applies on top of the default one (serif headings).
    assert "Georgia" in fonts["daylight"] and "Georgia" not in fonts["default"]
