"""The API docs page works offline: Swagger UI's assets come from this server, and the page
lists the operations without a single request leaving the machine."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


async def test_docs_page_renders_operations_with_no_external_request(live_server, browser_page):
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    # Anything not on this server is refused, as on a production machine without internet.
    local = urlparse(live_server).netloc

    async def only_local(route):
        if urlparse(route.request.url).netloc == local:
            await route.continue_()
        else:
            await route.abort()

    await page.route("**/*", only_local)
    await page.goto(live_server + "/api/schema", wait_until="networkidle")
    operations = page.locator(".opblock")
    # Swagger UI lays out the whole document (every operation) before the first shows: give a
    # loaded CI machine time, an empty page still fails
    await operations.first.wait_for(state="visible", timeout=60_000)
    assert await operations.count() > 100
    assert await page.locator(".opblock-summary-path", has_text="/api/v1/companies").count() > 0
    assert await page.locator(".information-container .title", has_text="BackOffice API").count()
    external = [url for url in requested if urlparse(url).netloc not in (local, "")]
    assert external == [], external
