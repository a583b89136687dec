"""A plugin written the way docs/plugins.md says, for tests/test_plugin_routes_ext.py: a
tenant-owned table with its own migration, guarded API routes, a public webhook, a page with
its template, a static file and a menu entry. Registered per test with ``bo_register_plugin``
under the key ``ext-notes``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, JSONBody
from piccolo.columns import ForeignKey, OnDelete, Varchar
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from core.access.areas import Area
from core.access.guards import requires
from core.errors import NotFound
from core.plugins.context import Plugin, PluginContext
from core.plugins.extension import MenuEntry, PluginFiles
from core.plugins.hookspecs import hookimpl
from core.plugins.routes import public
from core.ui.render import page
from tenants.models import Company

KEY = "ext-notes"
HERE = Path(__file__).resolve().parent


class Note(Table, tablename="ext_notes"):
    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    text = Varchar(length=200)


APP = AppConfig(
    app_name="ext_notes",
    migrations_folder_path=str(HERE / "migrations"),
    table_classes=[Note],
    migration_dependencies=[],
    commands=[],
)


async def _note(plugin: PluginContext, note_id: int) -> dict:
    row = (
        await Note.select(Note.id, Note.text)
        .where(Note.id == note_id, Note.company == plugin.company_id)
        .first()
    )
    if row is None:
        raise NotFound(f"note {note_id} not found")
    return row


@get("/notes/{note_id:int}", guards=[requires("ext_notes", "view")])
async def read_note(plugin: Plugin, note_id: FromPath[int]) -> dict[str, Any]:
    return await _note(plugin, note_id)


@post("/notes", guards=[requires("ext_notes", "manage")], status_code=201)
async def add_note(plugin: Plugin, data: JSONBody[dict[str, str]]) -> dict[str, Any]:
    note = Note(company=plugin.company_id, text=data.get("text", "")[:200])
    await note.save()
    return {"id": note.id, "text": note.text}


@get("/settings", guards=[requires("ext_notes", "view")])
async def read_settings(plugin: Plugin) -> dict[str, Any]:
    return {"key": plugin.key, "company_id": plugin.company_id, "settings": dict(plugin.settings)}


@public
@post("/inbound", status_code=200)
async def inbound(plugin: Plugin, data: JSONBody[dict[str, str]]) -> dict[str, Any]:
    return {"received": data.get("text", ""), "company_id": plugin.company_id}


@get("/notes/{note_id:int}", guards=[requires("ext_notes", "view")])
async def note_page(request: Request, plugin: Plugin, note_id: FromPath[int]) -> Any:
    return await page(request, "ext_notes/note.html", note=await _note(plugin, note_id))


class ExtNotesPlugin:
    @hookimpl
    def register_permission_areas(self):
        return [Area("ext_notes", "Notes", "backoffice", "Plugins", "Notes of the ext plugin")]

    @hookimpl
    def register_routes(self):
        return [read_note, add_note, read_settings, inbound]

    @hookimpl
    def register_pages(self):
        return [note_page]

    @hookimpl
    def register_menu_entries(self):
        return [MenuEntry("Notes", "/p/ext-notes/notes/1", "ext_notes", "view", "Plugins")]

    @hookimpl
    def register_templates(self):
        return [PluginFiles(templates_dir=HERE / "templates", static_dir=HERE / "static")]

    @hookimpl
    def register_migrations(self):
        return [APP]
