"""What is installed: every plugin the manager holds, what it contributes, and the packages
left out at start-up, in one list for the plugins page, the API and ``backoffice plugins check``.

Built-in modules (``DEFAULT_PLUGINS``, i.e. ``core.catalogue.dictionaries.builtin``) are part of
the core: they are listed as ``kind="core"`` and are always on. The channel plugins shipped in
the repository (``BUNDLED_PLUGINS``) are ``kind="bundled"``. Everything but the core can be
switched per company (``core.plugins.enablement``).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from typing import Any

from core.plugins import compat
from core.plugins.manager import BUNDLED_PLUGINS, DEFAULT_PLUGINS, plugin_manager

CONTRIBUTION_HOOKS = {
    "channels": "register_channels",
    "vendors": "register_vendors",
    "payment_systems": "register_payment_systems",
    "dictionaries": "register_dictionaries",
    "themes": "register_themes",
    "areas": "register_permission_areas",
    "routes": "register_routes",
    "jobs": "register_actors",
    "events": "register_event_subscribers",
    "pages": "register_pages",
    "menu_entries": "register_menu_entries",
    "templates": "register_templates",
    "migrations": "register_migrations",
}
KINDS = ("core", "bundled", "package", "registered")


@dataclass(frozen=True)
class PluginInfo:
    """``status`` is ``ok`` or ``broken`` (left out at start-up; ``problem`` says why)."""

    name: str
    package: str
    version: str
    kind: str
    api_range: str | None
    status: str
    problem: str = ""
    contributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def always_on(self) -> bool:
        return self.kind == "core"

    @property
    def switchable(self) -> bool:
        return self.kind != "core" and self.status == "ok"

    def keys(self, kind: str) -> list[str]:
        return self.contributes.get(kind, [])


def _mount_prefix(kind: str, plugin_name: str, item: Any) -> str:
    """Where ``core.plugins.routes`` mounts a plugin's route, so the catalog shows real paths."""
    if kind not in ("routes", "pages") or plugin_name in DEFAULT_PLUGINS:
        return ""
    from core.plugins.routes import API_PREFIX, PAGES_PREFIX, PUBLIC_PREFIX, is_public

    if kind == "pages":
        return f"{PAGES_PREFIX}/{plugin_name}"
    return f"{PUBLIC_PREFIX if is_public(item) else API_PREFIX}/{plugin_name}"


def _label(kind: str, item: Any, prefix: str = "") -> str:
    if kind in ("channels", "vendors", "payment_systems", "dictionaries"):
        return str(getattr(item, "key", item))
    if kind == "themes":
        return str(getattr(item, "name", item))
    if kind == "areas":
        return str(getattr(item, "key", item))
    if kind == "events":
        return f"{item.event} → {item.job.name}"
    if kind == "menu_entries":
        return f"{item.group}: {item.label} → {item.href} ({item.area}, {item.level})"
    if kind == "templates":
        parts = [f"templates {item.templates_dir.name}/"] if item.templates_dir else []
        return ", ".join(parts + (["static files"] if item.static_dir else [])) or "nothing"
    if kind == "migrations":
        tables = sorted(t._meta.tablename for t in getattr(item, "table_classes", ()))
        return f"{item.app_name}: {', '.join(tables) or 'no tables'}"
    if kind == "jobs":
        job = getattr(item, "job", None)
        if job is not None:  # a Schedule
            return f"{job.name} every {item.interval}"
        return str(getattr(item, "name", item))
    paths = getattr(item, "paths", None) or (
        [item.path] if isinstance(getattr(item, "path", None), str) else None
    )
    if paths:
        methods = sorted(getattr(item, "http_methods", None) or ())
        head = f"{' '.join(methods)} " if methods else ""
        return head + ", ".join(sorted(f"{prefix}{p}" if prefix else p for p in paths))
    return getattr(item, "__name__", repr(item))


def _contributions(pm: Any, plugin: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, hook_name in CONTRIBUTION_HOOKS.items():
        items: list[str] = []
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin or impl.hookwrapper or impl.wrapper:
                continue
            items.extend(
                _label(kind, item, _mount_prefix(kind, impl.plugin_name, item))
                for item in impl.function() or ()
            )
        if items:
            found[kind] = sorted(items)
    return found


def _builtin_version() -> str:
    try:
        return importlib.metadata.version("backoffice")
    except importlib.metadata.PackageNotFoundError:
        return "source"


def installed() -> list[PluginInfo]:
    """Every plugin, sorted by name: registered ones first-class, left-out packages as broken."""
    pm = plugin_manager()
    packages = getattr(pm, "packages", {})
    infos: list[PluginInfo] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked by BACKOFFICE_DISABLED_PLUGINS
            continue
        if name in DEFAULT_PLUGINS:
            kind, package, version = "core", "backoffice", _builtin_version()
        elif name in BUNDLED_PLUGINS and plugin.__name__ == BUNDLED_PLUGINS[name]:
            kind, package, version = "bundled", "backoffice", _builtin_version()
        elif name in packages:
            kind, package, version = "package", packages[name].package, packages[name].version
        else:
            kind = "registered"
            package = getattr(plugin, "__name__", None) or type(plugin).__name__
            version = str(getattr(plugin, "__version__", "") or "—")
        infos.append(
            PluginInfo(
                name=name,
                package=package,
                version=version,
                kind=kind,
                api_range=compat.declared_range(plugin),
                status="ok",
                contributes=_contributions(pm, plugin),
            )
        )
    for problem in getattr(pm, "problems", ()):
        infos.append(
            PluginInfo(
                name=problem.name,
                package=problem.package,
                version=problem.version,
                kind="package",
                api_range=None,
                status="broken",
                problem=problem.reason,
            )
        )
    return sorted(infos, key=lambda i: i.name.lower())


def switchable() -> dict[str, PluginInfo]:
    """The plugins a company can have switched off, by name."""
    return {i.name: i for i in installed() if i.switchable}


def owner_of(kind: str, key: str) -> str | None:
    """The plugin contributing ``key`` to ``kind`` (e.g. "payment_systems"), if any."""
    from core.plugins import registry

    try:
        return registry.plugin_of(kind, key)
    except KeyError:
        return None
