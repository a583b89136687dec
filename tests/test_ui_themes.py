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
    assert (await themes.branding_for_host("cached.test")).title == "First Title"
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
