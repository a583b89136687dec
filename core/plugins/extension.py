"""What a plugin adds to the UI and the schema: menu entries, template and static folders,
tables with their own migrations. Each answer is kept with the name of the plugin that gave
it, because its menu entries hide with that plugin's switch and its folders mount under its
key (``/static/plugins/<key>/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.access.service import at_least
from core.plugins.manager import DEFAULT_PLUGINS, PluginError, plugin_manager

# A plugin key becomes a URL segment (/api/v1/plugins/<key>/, /hooks/<key>/, /p/<key>/).
PLUGIN_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
LEVELS = ("view", "manage")


@dataclass(frozen=True)
class MenuEntry:
    """A link in the main menu, shown to users with ``level`` on ``area`` whose company has
    the plugin switched on. ``group`` names a core menu group ("Settings") or starts one."""

    label: str
    href: str
    area: str
    level: str = "view"
    group: str = "Plugins"

    def __post_init__(self) -> None:
        if not self.label or not self.area:
            raise PluginError("a MenuEntry needs a label and an area")
        if self.level not in LEVELS:
            raise PluginError(f"MenuEntry {self.label!r}: level must be view or manage")
        if not self.href.startswith("/") or self.href.startswith("//"):
            raise PluginError(f"MenuEntry {self.label!r}: href must be a path on this site")


@dataclass(frozen=True)
class PluginFiles:
    """A plugin's template folder (searched after the theme's) and static folder (served
    under ``/static/plugins/<key>/``); either may be None."""

    templates_dir: Path | None = None
    static_dir: Path | None = None


def plugin_key(name: str) -> str:
    if not PLUGIN_KEY.match(name):
        raise PluginError(
            f"plugin name {name!r} cannot be a URL segment: use lower-case letters, digits, "
            "'-', '_' or '.'"
        )
    return name


def by_plugin(hook_name: str) -> list[tuple[str, object]]:
    """``(plugin name, item)`` for every item each implementation of ``hook_name`` returned."""
    found = []
    for impl in getattr(plugin_manager().hook, hook_name).get_hookimpls():
        for item in impl.function() or ():
            found.append((impl.plugin_name, item))
    return found


def menu_entries() -> list[tuple[str, MenuEntry]]:
    entries = by_plugin("register_menu_entries")
    for name, entry in entries:
        if not isinstance(entry, MenuEntry):
            raise PluginError(f"plugin {name}: register_menu_entries must return MenuEntry")
    return entries


def visible_entries(access, disabled: frozenset[str]) -> list[MenuEntry]:
    """The entries ``access`` (``core.access.visibility.Access``) may see: a BackOffice user
    with the level on the area, from a plugin not switched off for the user's company."""
    if access.principal is None or access.portal_user:
        return []
    return [
        entry
        for name, entry in menu_entries()
        if name not in disabled and at_least(access.level(entry.area), entry.level)
    ]


def plugin_files() -> list[tuple[str, PluginFiles]]:
    found = by_plugin("register_templates")
    for name, files in found:
        if not isinstance(files, PluginFiles):
            raise PluginError(f"plugin {name}: register_templates must return PluginFiles")
        if name not in DEFAULT_PLUGINS:
            plugin_key(name)
    return found


def template_dirs() -> list[Path]:
    return [f.templates_dir for _, f in plugin_files() if f.templates_dir is not None]


def static_dirs() -> list[tuple[str, Path]]:
    return [(name, f.static_dir) for name, f in plugin_files() if f.static_dir is not None]
