"""The single plugin manager: built-ins from one tuple, third parties by entry point.

``BACKOFFICE_DISABLED_PLUGINS`` (comma-separated names) blocks plugins before they load: a
built-in by its module name, an installed package by its entry-point name. ``check_pending``
makes a misspelled hook implementation an error instead of silent dead code.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

import pluggy

from core.plugins import hookspecs
from core.settings import get_settings

ENTRY_POINT_GROUP = "backoffice.plugins"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "core.dictionaries.countries",
    "core.dictionaries.api",
)


class PluginError(RuntimeError):
    """A plugin cannot be loaded or contradicts another one; the message names the plugin."""


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def build_plugin_manager(
    disabled: tuple[str, ...] = (), builtins: tuple[str, ...] = DEFAULT_PLUGINS
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    for module_name in builtins:
        if pm.is_blocked(module_name):
            continue
        pm.register(importlib.import_module(module_name), name=module_name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}; known hooks: {', '.join(hook_names())}") from exc
    return pm


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    return build_plugin_manager(get_settings().disabled_plugins)


def collect(hook_name: str) -> list:
    """Flatten the lists every implementation of ``hook_name`` returned."""
    results = getattr(plugin_manager().hook, hook_name)()
    return [item for result in results if result for item in result]
