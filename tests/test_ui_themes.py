"""Themes: the portal matched by the Host header picks the theme, title and support address."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_helpers import sign_in

from core.plugins.declarations import Theme
from core.plugins.hookspecs import hookimpl
from core.plugins.testing import serve_in_loop
from core.web import themes
from tenants.models import Portal


@pytest.fixture(autouse=True)
def _fresh_theme_cache():
    themes.reset_theme_cache()
    yield
    themes.reset_theme_cache()


def _ocean_theme(tmp_path: Path) -> Theme:
    templates = tmp_path / "ocean" / "templates"
    static = tmp_path / "ocean" / "static"
    templates.mkdir(parents=True)
    static.mkdir()
    (templates / "login.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>OCEAN SIGN-IN {{ brand.title }}</p>'
        "{% endblock %}"
    )
    (static / "ocean.css").write_text("body { color: teal; }")
    return Theme(name="ocean", label="Ocean", templates_dir=templates, static_dir=static)


class _OceanPlugin:
    def __init__(self, theme: Theme) -> None:
        self.theme = theme

    @hookimpl
    def register_themes(self):
        return [self.theme]


async def test_host_header_selects_the_portal_theme(bo_factory, bo_register_plugin, tmp_path):
    bo_register_plugin(_OceanPlugin(_ocean_theme(tmp_path)), name="ocean-theme")
    themes.reset_theme_cache()
    owner = await bo_factory.owner()
    await Portal.insert(
        Portal(
            company=owner["id"],
            name="Ocean",
            fqdn="desk.ocean.test",
            theme="ocean",
            title="Ocean Desk",
            support_email="help@ocean.test",
        )
    )
    user = await bo_factory.user(owner)
    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        ocean = {"Host": "desk.ocean.test:8443"}
        res = await client.get("/login", headers=ocean)
        assert "OCEAN SIGN-IN Ocean Desk" in res.text
        assert "<title>" in res.text and "Ocean Desk" in res.text  # base.html from default
        res = await client.get("/login")
        assert "OCEAN SIGN-IN" not in res.text and "BackOffice" in res.text

        css = await client.get("/static/ocean/ocean.css", headers=ocean)
        assert css.status_code == 200 and "teal" in css.text
        inherited = await client.get("/static/ocean/app.css")  # falls back to the default
        assert inherited.status_code == 200 and "--accent" in inherited.text

        await sign_in(client, user)
        page = await client.get("/account", headers=ocean)
        assert 'href="/static/ocean/app.css"' in page.text
        assert "help@ocean.test" in page.text and "Ocean Desk" in page.text
        page = await client.get("/account")
        assert "help@ocean.test" not in page.text and 'href="/static/default/app.css"' in page.text
        missing = await client.get("/companies/999999", headers=ocean)
        assert missing.status_code == 404 and "Ocean Desk" in missing.text  # themed error page


async def test_portal_answers_are_cached_briefly(bo_factory, monkeypatch):
    owner = await bo_factory.owner()
    await Portal.insert(
        Portal(company=owner["id"], name="P", fqdn="cached.test", title="First Title")
    )
    assert (await themes.branding_for_host("CACHED.test:80")).title == "First Title"
    await Portal.update({Portal.title: "Second Title"}).where(Portal.fqdn == "cached.test")
    assert (await themes.branding_for_host("cached.test:80")).title == "First Title"
    monkeypatch.setattr(themes, "PORTAL_CACHE_SECONDS", 0.0)
    themes.reset_theme_cache()
    assert (await themes.branding_for_host("cached.test")).title == "Second Title"
    await Portal.update({Portal.theme: "no-such-theme"}).where(Portal.fqdn == "cached.test")
    assert (await themes.branding_for_host("cached.test")).theme == "default"
    assert (await themes.branding_for_host("unknown.test")) == themes.Branding()


def test_folder_themes_inherit_templates(tmp_path):
    import shutil

    shutil.copytree(themes.THEMES_DIR / "default", tmp_path / "default")
    (tmp_path / "dark" / "templates").mkdir(parents=True)
    (tmp_path / "dark" / "theme.toml").write_text('name = "dark"\nlabel = "Dark"\n')
    (tmp_path / "dark" / "templates" / "error.html").write_text("DARK {{ status }}")
    (tmp_path / "noise").mkdir()  # no theme.toml: not a theme
    themes.reset_theme_cache(tmp_path)
    assert set(themes.all_themes()) == {"default", "dark"}
    assert [t.name for t in themes.lineage("dark")] == ["dark", "default"]
    env = themes.environment("dark")
    assert env is themes.environment("dark")  # built once
    assert env.get_template("error.html").render(status=404) == "DARK 404"
    assert env.get_template("login.html")  # inherited from default
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"  # autoescape on
    (tmp_path / "loop" / "templates").mkdir(parents=True)
    (tmp_path / "loop" / "theme.toml").write_text('name = "loop"\nparent = "ghost"\n')
    themes.reset_theme_cache(tmp_path)
    with pytest.raises(themes.ThemeError, match="ghost"):
        themes.environment("loop")


async def _portal(company: dict, fqdn: str, **fields) -> int:
    """An active portal row, inserted directly: the tests need branding, not the portal API."""
    fields.setdefault("status", "active")
    rows = await Portal.insert(Portal(company=company["id"], name=fqdn, fqdn=fqdn, **fields))
    return rows[0]["id"]


BRANDED = {
    "title": "Harbour Desk",
    "primary_color": "#AA3300",
    "languages": ["en", "es"],
    "login_descriptions": {"en": "Welcome aboard.", "es": "Bienvenido a bordo."},
    "logo_expanded_light": "portals/1/wide-light.png",
    "logo_square_dark": "portals/1/square-dark.png",
    "favicon": "portals/1/favicon.svg",
    "login_logo": "portals/1/login.png",
    "login_background": "portals/1/background.jpg",
    "license_pdf": "portals/1/license.pdf",
    "support_email": "help@harbour.test",
}


async def test_branding_carries_the_portal_look(bo_factory, monkeypatch):
    owner = await bo_factory.owner()
    pid = await _portal(owner, "harbour.test", **BRANDED)
    calls = []
    lookup = themes._lookup

    async def counting(host):
        calls.append(host)
        return await lookup(host)

    monkeypatch.setattr(themes, "_lookup", counting)
    brand = await themes.branding_for_host("Harbour.test:443")
    assert await themes.branding_for_host("harbour.TEST:443") is brand
    assert calls == ["harbour.test:443"]

    assert (brand.portal_id, brand.title, brand.display_branding) == (pid, "Harbour Desk", True)
    assert brand.primary_color == "#aa3300"
    assert brand.favicon.startswith(f"/branding/{pid}/favicon?v=")
    assert brand.login_logo.startswith(f"/branding/{pid}/login_logo?v=")
    assert brand.login_background.startswith(f"/branding/{pid}/login_background?v=")
    assert brand.license_url.startswith(f"/branding/{pid}/license_pdf?v=")
    assert brand.privacy_url == ""  # unset slots have no URL
    # The dark menu prefers dark-background logos and falls back to the light ones.
    assert brand.menu_logo("square", "dark").startswith(f"/branding/{pid}/logo_square_dark?")
    assert brand.menu_logo("expanded", "dark").startswith(f"/branding/{pid}/logo_expanded_light?")
    assert brand.menu_logo("square", "light").startswith(f"/branding/{pid}/logo_square_dark?")
    # A new upload (new key) gives a new URL, so browsers never show a stale logo.
    other = themes._file_url(pid, "favicon", "portals/1/favicon-2.svg")
    assert other.split("?")[0] == brand.favicon.split("?")[0] and other != brand.favicon

    assert brand.login_description("es-ES,es;q=0.9,en;q=0.8") == "Bienvenido a bordo."
    assert brand.login_description("de;q=0.9, es;q=0.5") == "Bienvenido a bordo."
    assert brand.login_description("fr-FR, *;q=0.1") == "Welcome aboard."  # first language
    assert brand.login_description("es;q=0, en") == "Welcome aboard."
    assert brand.login_description("") == "Welcome aboard."
    assert brand.language("ES") == "es"
    assert "--brand: #aa3300;" in brand.brand_css and "--brand-text: #ffffff;" in brand.brand_css
    assert "--brand-dark: #902b00;" in brand.brand_css  # 85 % of each channel
    assert "--brand-text: #1d2433;" in themes.Branding(primary_color="#fff3a0").brand_css
    assert themes.Branding().brand_css == ""


async def test_display_branding_off_keeps_title_and_documents_only(bo_factory):
    owner = await bo_factory.owner()
    pid = await _portal(owner, "plain.test", display_branding=False, **BRANDED)
    brand = await themes.branding_for_host("plain.test")
    assert brand.title == "Harbour Desk" and brand.support_email == "help@harbour.test"
    assert brand.display_branding is False and brand.primary_color == "" and brand.brand_css == ""
    assert brand.favicon == brand.login_logo == brand.login_background == ""
    assert brand.menu_logo("expanded") == brand.menu_logo("square") == ""
    assert brand.license_url.startswith(f"/branding/{pid}/license_pdf?")

    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        page = await client.get("/login", headers={"Host": "plain.test"})
    assert "Harbour Desk" in page.text and "--brand" not in page.text
    assert "login-logo" not in page.text and f"/branding/{pid}/favicon" not in page.text
    # Issue 8: the theme's own favicon stands in for the portal's.
    assert '<link rel="icon" href="/static/default/favicon.svg"' in page.text
    assert f'href="/branding/{pid}/license_pdf?' in page.text  # legal links stay


async def test_invalid_colour_and_draft_portals_are_ignored(bo_factory, caplog):
    owner = await bo_factory.owner()
    await _portal(owner, "odd.test", primary_color="red;}*{")
    await _portal(owner, "draft.test", status="draft", title="Not Yet")
    brand = await themes.branding_for_host("odd.test")
    assert brand.primary_color == "" and brand.brand_css == ""
    assert "invalid colour" in caplog.text
    assert await themes.branding_for_host("draft.test") == themes.Branding()


async def test_pages_apply_the_portal_branding(bo_factory):
    owner = await bo_factory.owner()
    pid = await _portal(owner, "harbour.test", **BRANDED)
    user = await bo_factory.user(owner)
    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        harbour = {"Host": "harbour.test", "Accept-Language": "es-MX, en;q=0.5"}
        login = (await client.get("/login", headers=harbour)).text
        assert f'<link rel="icon" href="/branding/{pid}/favicon?v=' in login
        assert ":root { --brand: #aa3300;" in login
        assert f'class="login-logo" src="/branding/{pid}/login_logo?v=' in login
        assert f'url("/branding/{pid}/login_background?v=' in login
        assert "Bienvenido a bordo." in login and "Sign in to manage" not in login
        assert f'href="/branding/{pid}/license_pdf?' in login and "Privacy policy" not in login

        plain = (await client.get("/login")).text  # no portal: the product's own look
        assert "--brand" not in plain and "/branding/" not in plain
        assert "Sign in to manage your accounts." in plain
        assert '<link rel="icon" href="/static/default/favicon.svg"' in plain  # theme default
        assert f"/branding/{pid}/favicon" not in plain

        await sign_in(client, user)
        account = (await client.get("/account", headers=harbour)).text
        assert ":root { --brand: #aa3300;" in account
        assert f'class="brand-logo-expanded" src="/branding/{pid}/logo_expanded_light?' in account
        assert (
            f'class="brand-logo-square brand-logo-compact" src="/branding/{pid}/logo_square_dark?'
            in account
        )
        assert "help@harbour.test" in account  # help window


async def test_a_portal_stored_with_a_port_wins_on_that_port(bo_factory):
    owner = await bo_factory.owner()
    await _portal(owner, "localhost", title="Bare")
    await _portal(owner, "localhost:3000", title="Dev server")
    assert (await themes.branding_for_host("LOCALHOST:3000")).title == "Dev server"
    assert (await themes.branding_for_host("localhost:8000")).title == "Bare"
    assert (await themes.branding_for_host("localhost")).title == "Bare"
    themes.forget_portal("localhost")  # forgets every cached port of the name
    await Portal.update({Portal.title: "Dev (new)"}).where(Portal.fqdn == "localhost:3000")
    assert (await themes.branding_for_host("localhost:3000")).title == "Dev (new)"


async def test_forget_portal_drops_cached_answers(bo_factory):
    owner = await bo_factory.owner()
    await _portal(owner, "one.test", title="One")
    await _portal(owner, "two.test", title="Two")
    assert (await themes.branding_for_host("one.test")).title == "One"
    assert (await themes.branding_for_host("two.test")).title == "Two"
    await Portal.update({Portal.title: Portal.title + " (new)"}, force=True)

    themes.forget_portal("ONE.test:8443")  # same normalisation as the Host header
    assert (await themes.branding_for_host("one.test")).title == "One (new)"
    assert (await themes.branding_for_host("two.test")).title == "Two"  # still cached
    themes.forget_portal()
    assert (await themes.branding_for_host("two.test")).title == "Two (new)"
    themes.forget_portal("never-seen.test")  # harmless


def test_one_environment_per_theme_and_the_daylight_theme():
    default = themes.environment("default")
    assert themes.environment("default") is default  # built once, reused
    daylight = themes.environment("daylight")
    assert daylight is not default and themes.environment("daylight") is daylight
    assert [t.name for t in themes.lineage("daylight")] == ["daylight", "default"]
    assert daylight.globals["menu_background"] == "light"
    assert default.globals["menu_background"] == "dark"
    assert daylight.get_template("layout.html").filename.startswith(
        str(themes.THEMES_DIR / "default")
    )  # templates fall through to the parent
    css = (themes.THEMES_DIR / "daylight" / "static" / "app.css").read_text()
    assert '@import url("../default/app.css")' in css  # layers on the default stylesheet
    brand = themes.Branding(
        files=(("logo_expanded_light", "/l"), ("logo_expanded_dark", "/d")), theme="daylight"
    )
    assert brand.menu_logo("expanded", "light") == "/l"  # light menu: light logos first
    assert brand.menu_logo("expanded", "dark") == "/d"


async def test_daylight_portal_pages_use_its_stylesheet(bo_factory):
    owner = await bo_factory.owner()
    await _portal(owner, "day.test", theme="daylight", title="Day Desk")
    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        page = await client.get("/login", headers={"Host": "day.test"})
        assert 'href="/static/daylight/app.css"' in page.text and "Day Desk" in page.text
        css = await client.get("/static/daylight/app.css")
        assert css.status_code == 200 and "--heading-font" in css.text
        base = await client.get("/static/default/app.css")
        assert base.status_code == 200 and "var(--brand, var(--accent))" in base.text
        js = await client.get("/static/daylight/app.js")  # inherited from default
        assert js.status_code == 200


class _MintPlugin:
    def __init__(self, static: Path, templates: Path) -> None:
        self.theme = Theme(name="mint", label="Mint", templates_dir=templates, static_dir=static)

    @hookimpl
    def register_themes(self):
        return [self.theme]


async def test_plugin_theme_with_only_a_stylesheet(bo_factory, bo_register_plugin, tmp_path):
    static = tmp_path / "mint" / "static"
    static.mkdir(parents=True)
    (static / "app.css").write_text('@import url("../default/app.css");\nbody { color: #0a7; }')
    bo_register_plugin(_MintPlugin(static, tmp_path / "mint" / "templates"), name="mint-theme")
    themes.reset_theme_cache()
    owner = await bo_factory.owner()
    await _portal(owner, "mint.test", theme="mint", title="Mint Desk", primary_color="#00aa77")
    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        page = await client.get("/login", headers={"Host": "mint.test"})
        assert page.status_code == 200 and "Mint Desk" in page.text
        assert 'href="/static/mint/app.css"' in page.text and "--brand: #00aa77;" in page.text
        css = await client.get("/static/mint/app.css")
        assert css.status_code == 200 and "#0a7" in css.text
        assert (await client.get("/static/mint/app.js")).status_code == 200  # from default


async def test_unknown_theme_falls_back_to_default_with_a_warning(bo_factory, caplog):
    owner = await bo_factory.owner()
    await _portal(owner, "lost.test", theme="vanished", title="Lost Desk")
    from core.web.app import create_app

    app = create_app()  # configures logging; listen on the module's logger afterwards
    themes.log.addHandler(caplog.handler)
    try:
        async with serve_in_loop(app) as client:
            page = await client.get("/login", headers={"Host": "lost.test"})
    finally:
        themes.log.removeHandler(caplog.handler)
    assert page.status_code == 200 and "Lost Desk" in page.text
    assert 'href="/static/default/app.css"' in page.text
    assert any(r.levelname == "WARNING" and "vanished" in r.getMessage() for r in caplog.records)
