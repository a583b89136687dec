"""Regenerate the screenshots in this folder: `make screenshots`.

Seeds the demo (the same tree as `backoffice demo`) into a throw-away SQLite database, serves it
on a free local port, and photographs the main pages with Debian's Chromium at 1440 px (a
laptop) and 390 px (a phone): the system owner's pages in the default theme, and the demo
reseller's portal (reseller.localhost) in the daylight theme. Writes PNG files and an index,
README.md, next to this script.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "Screenshots-2026!"
RESELLER = "reseller.localhost"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
PHONE_MAX_HEIGHT = 2400  # long forms are cut there; the top of a page is what tells its layout

# (file name, caption, path); {company}, {agreement} and {portal} are demo ids.
OWNER_PAGES = (
    ("login", "Sign-in", "/login"),
    ("home", "Home dashboard", "/"),
    ("companies", "Companies list", "/companies"),
    ("company", "Company profile", "/companies/{company}"),
    ("company-form", "Company form with errors", "/companies/new"),
    ("agreements", "Agreements list", "/agreements"),
    ("agreement", "Agreement", "/agreements/{agreement}"),
    ("agreement-ledger", "Agreement: ledger", "/agreements/{agreement}/ledger"),
    ("portal", "Portal: branding uploads", "/portals/{portal}#branding"),
    ("roles", "Roles", "/roles"),
    ("audit", "Audit log", "/audit"),
    ("audit-event", "Audit event: before and after", "/audit/{audit_event}"),
    ("account", "My account", "/account"),
)
RESELLER_PAGES = (
    ("login", "Sign-in", "/login"),
    ("companies", "Companies list", "/companies"),
    ("legal-entities", "Legal entities", "/legal-entities"),
    ("agreement", "Agreement", "/agreements/{agreement}"),
)


def _environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    env.update(
        BACKOFFICE_DATABASE_URL=f"sqlite:///{workdir / 'screens.db'}",
        BACKOFFICE_DATA_DIR=str(workdir / "data"),
        BACKOFFICE_SECRET_KEY="screenshots-only-" + "x" * 32,
        BACKOFFICE_DEMO_PASSWORD=PASSWORD,
        PYTHONPATH=str(ROOT),
    )
    return env


async def _seed() -> dict[str, int]:
    from core.audit.models import AuditEvent
    from core.demo import seed_demo
    from tenants.models import Company, Portal

    await seed_demo()
    company = await Company.select(Company.id).where(Company.name == "Demo Reseller").first()
    portal = await Portal.select(Portal.id).where(Portal.fqdn == RESELLER).first()
    owner = await Company.select(Company.id).where(Company.kind == "owner").first()
    event = (
        await AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.company == owner["id"])
        .order_by(AuditEvent.id, ascending=False)
        .first()
    )
    return {"company": company["id"], "portal": portal["id"], "audit_event": event["id"]}


async def _agreement_id(page, base: str) -> int:
    await page.goto(base + "/agreements")
    href = await page.get_attribute("table a.row-link", "href")
    return int(href.rstrip("/").split("/")[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "core.web.asgi:app", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start")


async def _shoot(browser, base: str, login: str, theme: str, pages, ids) -> list[tuple]:
    shots = []
    for kind, (width, height) in WIDTHS.items():
        context = await browser.new_context(viewport={"width": width, "height": height})
        page = await context.new_page()
        for name, caption, path in pages:
            if name == "login":
                await page.goto(base + path)
            else:
                if "agreement" not in ids:
                    ids["agreement"] = await _agreement_id(page, base)
                await page.goto(base + path.format(**ids))
                if name == "company-form":
                    await page.click("button[type=submit]:has-text('Save')")
            if name == "login":
                target = HERE / f"{theme}-{name}-{kind}.png"
                await page.screenshot(path=str(target))
                await page.fill("input[name=login]", login)
                await page.fill("input[name=password]", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_load_state()
                shots.append((theme, caption, kind, target.name))
                continue
            target = HERE / f"{theme}-{name}-{kind}.png"
            if kind == "phone":
                full = await page.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": width, "height": min(full, PHONE_MAX_HEIGHT)}
                await page.screenshot(path=str(target), full_page=True, clip=clip)
            else:
                await page.screenshot(path=str(target))
            shots.append((theme, caption, kind, target.name))
        await context.close()
    return shots


def _index(shots: list[tuple]) -> str:
    lines = [
        "# Screenshots",
        "",
        "The main pages with the demo data, at 1440 px and 390 px. Regenerate with",
        "`make screenshots` (runs [`make.py`](make.py); needs Debian's Chromium).",
        "",
    ]
    for theme, title in (("default", "Default theme (system owner)"), ("daylight", "Daylight")):
        lines += [f"## {title}", "", "| page | 1440 px | 390 px |", "| --- | --- | --- |"]
        captions = dict.fromkeys(c for t, c, _, _ in shots if t == theme)
        for caption in captions:
            files = {k: f for t, c, k, f in shots if t == theme and c == caption}
            cells = [f"[![{caption}, {k}]({files[k]})]({files[k]})" for k in WIDTHS if k in files]
            lines.append(f"| {caption} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines) + _kept_sections()


def _kept_sections() -> str:
    """Sections other tools write (the plugin pages, from their browser test) stay as they are."""
    current = HERE / "README.md"
    text = current.read_text() if current.exists() else ""
    start = text.find("\n## Plugins")
    return "\n" + text[start:].strip() + "\n" if start >= 0 else ""


async def _main() -> None:
    from playwright.async_api import async_playwright

    workdir = Path(tempfile.mkdtemp(prefix="backoffice-screens-"))
    env = _environment(workdir)
    for key in [k for k in os.environ if k.startswith("BACKOFFICE_")]:
        del os.environ[key]
    os.environ.update(env)
    ids = await _seed()
    port = _free_port()
    server = _serve(env, port)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[*ARGS, f"--host-resolver-rules=MAP {RESELLER} 127.0.0.1"],
            )
            try:
                shots = await _shoot(
                    browser, f"http://127.0.0.1:{port}", "admin", "default", OWNER_PAGES, ids
                )
                reseller_ids = {k: v for k, v in ids.items() if k != "agreement"}
                shots += await _shoot(
                    browser,
                    f"http://{RESELLER}:{port}",
                    "reseller",
                    "daylight",
                    RESELLER_PAGES,
                    reseller_ids,
                )
            finally:
                await browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    (HERE / "README.md").write_text(_index(shots) + "\n")
    print(f"{len(shots)} screenshots written to {HERE.relative_to(ROOT)}/")


if __name__ == "__main__":
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is needed: apt-get install chromium")
    sys.path.insert(0, str(ROOT))
    asyncio.run(_main())
