"""What every browser test shares: where Chromium is, how it is launched, how to sign in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path("/tmp")


def require_chromium() -> None:
    """Skip without Debian's Chromium locally; under CI a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is not installed; the browser test needs Debian's chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


async def sign_in(page, base: str, login: str, password: str) -> None:
    await page.goto(base + "/login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
