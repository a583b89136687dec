"""Safe plugin routes and UI extension (issue 11 item 5): plugin API routes are guarded like
core's under /api/v1/plugins/<key>/, only ``public()`` handlers are open (under /hooks/<key>/),
and a plugin adds pages, menu entries, templates, static files and its own migrated tables.
The plugin under test is tests/ext_plugin (key ``ext-notes``)."""

from __future__ import annotations

import json

import pytest
from ext_plugin import APP, KEY, ExtNotesPlugin, Note
from litestar import get
from test_tenancy_schema import _owner_chain_reaches_company
from test_ui_helpers import sign_in

from core.access.guards import requires
from core.access.models import Role, RolePermission
from core.access.testing import user_with_role
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import PluginError
from core.plugins.models import CompanyPlugin
from core.plugins.routes import public
from core.plugins.testing import AuthedClient, serve_in_loop
from core.web.themes import reset_theme_cache

API = f"/api/v1/plugins/{KEY}"


@pytest.fixture
async def ext(bo_db, bo_register_plugin):
    """The plugin registered, its migrations applied, the theme environments rebuilt."""
    from core.db.migrate import migrate_plugins

    bo_register_plugin(ExtNotesPlugin(), name=KEY)
    reset_theme_cache()
    await migrate_plugins()
    yield
    await Note.delete(force=True)
    reset_theme_cache()


@pytest.fixture
async def client(ext):
    from core.web.app import create_app

    async with serve_in_loop(create_app()) as client:
        yield client


async def _as(factory, client, user) -> AuthedClient:
    return AuthedClient(client, await factory.token(user))


async def _role(company: dict, levels: dict[str, str]) -> int:
    role = Role(company=company["id"], name="Notes role", group="backoffice", is_system=False)
    await role.save()
    if levels:
        await RolePermission.insert(
            *[RolePermission(role=role.id, area=k, level=v) for k, v in levels.items()]
        )
    return role.id


async def _note(company: dict, text: str = "hello") -> int:
    note = Note(company=company["id"], text=text)
    await note.save()
    return note.id


async def test_an_unmarked_route_answers_401_without_a_token(client, bo_factory):
    owner = await bo_factory.owner()
    note = await _note(owner)
    res = await client.get(f"{API}/notes/{note}")
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")
    assert (await client.post(f"{API}/notes", json={"text": "x"})).status_code == 401
    # the plugin's own path is not reachable outside its prefix
    assert (await client.get(f"/api/v1/notes/{note}")).status_code == 404


async def test_a_public_route_is_reachable_anonymously_under_hooks(client):
    res = await client.post(f"/hooks/{KEY}/inbound", json={"text": "STOP"})
    assert res.status_code == 200, res.text
    assert res.json() == {"received": "STOP", "company_id": None}
    # public handlers are not also mounted under the guarded prefix
    assert (await client.post(f"{API}/inbound", json={"text": "x"})).status_code in (401, 404)


async def test_a_public_route_is_404_when_the_platform_switches_the_plugin_off(client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(kind="reseller")
    await CompanyPlugin.insert(CompanyPlugin(company=reseller["id"], plugin=KEY, enabled=False))
    assert (await client.post(f"/hooks/{KEY}/inbound", json={})).status_code == 200
    await CompanyPlugin.insert(CompanyPlugin(company=owner["id"], plugin=KEY, enabled=False))
    res = await client.post(f"/hooks/{KEY}/inbound", json={})
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_the_plugin_detail_still_answers_at_the_plugin_key(client, bo_factory):
    api = await _as(bo_factory, client, await bo_factory.user(await bo_factory.owner()))
    res = await api.get(API)
    assert res.status_code == 200, res.text
    assert res.json()["name"] == KEY


async def test_a_lower_role_gets_403(client, bo_factory):
    owner = await bo_factory.owner()
    note = await _note(owner)
    viewer = await user_with_role(
        bo_factory, owner, "backoffice", await _role(owner, {"ext_notes": "view"})
    )
    nobody = await user_with_role(bo_factory, owner, "backoffice", await _role(owner, {}))
    view_api = await _as(bo_factory, client, viewer)
    assert (await view_api.get(f"{API}/notes/{note}")).json()["text"] == "hello"
    refused = await view_api.post(f"{API}/notes", json={"text": "x"})
    assert refused.status_code == 403
    assert "Notes" in refused.json()["detail"]
    none_api = await _as(bo_factory, client, nobody)
    assert (await none_api.get(f"{API}/notes/{note}")).status_code == 403


async def test_another_tenants_object_is_404(client, bo_factory):
    a = await bo_factory.company(kind="reseller")
    b = await bo_factory.company(kind="reseller")
    api_a = await _as(bo_factory, client, await bo_factory.user(a))
    api_b = await _as(bo_factory, client, await bo_factory.user(b))
    created = await api_a.post(f"{API}/notes", json={"text": "mine"})
    assert created.status_code == 201, created.text
    note = created.json()["id"]
    row = await Note.select(Note.company).where(Note.id == note).first()
    assert row["company"] == a["id"]  # written for the caller's company, from PluginContext
    assert (await api_a.get(f"{API}/notes/{note}")).status_code == 200
    other = await api_b.get(f"{API}/notes/{note}")
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")


async def test_a_plugin_switched_off_for_the_company_is_404(client, bo_factory):
    a = await bo_factory.company(kind="reseller")
    note = await _note(a)
    await CompanyPlugin.insert(CompanyPlugin(company=a["id"], plugin=KEY, enabled=False))
    user = await bo_factory.user(a)
    api = await _as(bo_factory, client, user)
    assert (await api.get(f"{API}/notes/{note}")).status_code == 404
    assert (await api.post(f"{API}/notes", json={"text": "x"})).status_code == 404
    await sign_in(client, user)
    assert (await client.get(f"/p/{KEY}/notes/{note}")).status_code == 404  # its pages too


async def test_handlers_get_the_company_and_its_plugin_settings(client, bo_factory):
    from core.auth.secrets import encrypt
    from tenants.sync import SETTINGS_PURPOSE

    reseller = await bo_factory.company(kind="reseller")
    child = await bo_factory.company(parent=reseller, kind="reseller")
    sealed = encrypt(json.dumps({"greeting": "hi"}), purpose=SETTINGS_PURPOSE)
    await CompanyPlugin.insert(CompanyPlugin(company=reseller["id"], plugin=KEY, settings=sealed))
    api = await _as(bo_factory, client, await bo_factory.user(child))
    res = await api.get(f"{API}/settings")
    assert res.status_code == 200, res.text
    assert res.json() == {"key": KEY, "company_id": child["id"], "settings": {"greeting": "hi"}}
    other = await bo_factory.company(kind="reseller")
    plain = await _as(bo_factory, client, await bo_factory.user(other))
    assert (await plain.get(f"{API}/settings")).json()["settings"] == {}


async def test_the_plugin_page_renders_its_template_and_menu_entry(client, bo_factory):
    owner = await bo_factory.owner()
    note = await _note(owner, "from a plugin template")
    assert (await client.get(f"/p/{KEY}/notes/{note}")).status_code in (302, 303)
    await sign_in(client, await bo_factory.user(owner))
    res = await client.get(f"/p/{KEY}/notes/{note}")
    assert res.status_code == 200, res.text
    assert '<p class="ext-note">from a plugin template</p>' in res.text
    assert f'href="/p/{KEY}/notes/1"' in res.text  # the menu entry, in the theme's layout
    home = await client.get("/")
    assert f'href="/p/{KEY}/notes/1"' in home.text


async def test_the_menu_entry_hides_without_the_area_or_with_the_plugin_off(client, bo_factory):
    a = await bo_factory.company(kind="reseller")
    b = await bo_factory.company(kind="reseller")
    await CompanyPlugin.insert(CompanyPlugin(company=b["id"], plugin=KEY, enabled=False))
    nobody = await user_with_role(
        bo_factory, a, "backoffice", await _role(a, {"account_management": "view"})
    )
    viewer = await user_with_role(
        bo_factory, a, "backoffice", await _role(a, {"ext_notes": "view"})
    )
    link = f'href="/p/{KEY}/notes/1"'
    for user, shown in ((nobody, False), (viewer, True), (await bo_factory.user(b), False)):
        await sign_in(client, user)
        home = await client.get("/")
        assert home.status_code == 200, home.text
        assert (link in home.text) is shown, user["email"]


async def test_static_files_are_served_under_static_plugins(client):
    res = await client.get(f"/static/plugins/{KEY}/notes.css")
    assert res.status_code == 200
    assert ".ext-note" in res.text
    assert (await client.get(f"/static/plugins/{KEY}/../__init__.py")).status_code == 404


async def test_the_plugin_table_is_migrated_and_owner_checked(ext):
    from piccolo.apps.migrations.tables import Migration

    from core.db.engine import engine
    from core.db.migrate import migrate
    from core.db.piccolo_app import APP_CONFIG
    from core.db.tables import all_tables

    await engine().run_ddl("DROP TABLE ext_notes")
    await Migration.delete().where(Migration.app_name == APP.app_name)
    for _ in range(2):  # what `backoffice db migrate` runs: core's, then the plugin's, once
        await migrate()
    assert await Note.table_exists()
    ran = await Migration.select(Migration.name).where(Migration.app_name == APP.app_name)
    assert [r["name"] for r in ran] == ["2026-12-01T17:20:00:000000"]
    assert Note in all_tables() and Note not in APP_CONFIG.table_classes
    assert _owner_chain_reaches_company(Note)


def test_a_route_without_a_permission_is_refused(bo_register_plugin):
    from core.plugins.routes import plugin_routes

    @get("/open")
    async def open_route() -> dict:
        return {}

    class Careless:
        @hookimpl
        def register_routes(self):
            return [open_route]

    bo_register_plugin(Careless(), name="careless")
    with pytest.raises(PluginError, match="declares no permission"):
        plugin_routes()
    from core.plugins.report import check_report

    lines, problems = check_report()  # `backoffice plugins check` finds it before a start
    assert problems == 1
    assert any(line.startswith("  CONFLICT routes: plugin careless") for line in lines)


def test_a_route_at_the_plugin_key_is_refused(bo_register_plugin):
    from core.plugins.routes import plugin_routes

    @get("/", guards=[requires("settings", "view")])
    async def root() -> dict:
        return {}

    class Shadowing:
        @hookimpl
        def register_routes(self):
            return [root]

    bo_register_plugin(Shadowing(), name="shadowing")
    with pytest.raises(PluginError, match="detail"):
        plugin_routes()


EXTENSION_HOOKS = (
    "register_routes",
    "register_pages",
    "register_menu_entries",
    "register_templates",
    "register_migrations",
)


def test_the_catalog_lists_plugin_routes_where_they_are_mounted(ext):
    from core.plugins.catalog import installed

    info = next(i for i in installed() if i.name == KEY)
    assert f"GET {API}/settings" in info.keys("routes")
    assert f"POST /hooks/{KEY}/inbound" in info.keys("routes")
    assert f"GET /p/{KEY}/notes/{{note_id:int}}" in info.keys("pages")
    assert info.keys("menu_entries") == [f"Plugins: Notes → /p/{KEY}/notes/1 (ext_notes, view)"]
    assert info.keys("templates") == ["templates templates/, static files"]
    assert info.keys("migrations") == ["ext_notes: ext_notes"]


def test_the_ext_plugin_implements_the_extension_hooks(ext):
    """The tests above go through these hooks of tests/ext_plugin."""
    from core.plugins.manager import plugin_manager

    hook = plugin_manager().hook
    for name in EXTENSION_HOOKS:
        assert KEY in [i.plugin_name for i in getattr(hook, name).get_hookimpls()], name


def test_no_theme_may_take_the_plugins_static_prefix(bo_register_plugin, tmp_path):
    from core.plugins.declarations import Theme
    from core.web.themes import ThemeError, all_themes

    class Squatter:
        @hookimpl
        def register_themes(self):
            return [Theme("plugins", "Plugins", tmp_path)]

    bo_register_plugin(Squatter(), name="squatter")
    reset_theme_cache()
    try:
        with pytest.raises(ThemeError, match="reserved"):
            all_themes()
    finally:
        reset_theme_cache()


def test_public_marks_only_what_it_wraps():
    from core.plugins.routes import is_public

    @get("/a")
    async def a() -> dict:
        return {}

    assert not is_public(a)
    assert is_public(public(a))


async def test_the_openapi_document_lists_webhooks_with_their_problems_and_no_pages(client):
    """Plugin pages were listed as JSON operations and webhooks without their 401/404 answers;
    the schema walk (test_openapi_fuzz.py) flagged both."""
    doc = (await client.get("/api/schema/openapi.json")).json()
    assert not [p for p in doc["paths"] if p.startswith("/p/")]
    hook = doc["paths"][f"/hooks/{KEY}/inbound"]["post"]
    for status in ("400", "401", "404", "422"):
        assert hook["responses"][status]["content"]["application/problem+json"], status
    assert f"{API}/notes/{{note_id}}" in doc["paths"]
