"""The single plugin manager: built-ins from one tuple, third parties by entry point.

``BACKOFFICE_DISABLED_PLUGINS`` (comma-separated names) blocks plugins before they load: a
built-in by its module name, a bundled plugin by its short name (``sms``), an installed
package by its entry-point name.

Bundled plugins are the channel packages shipped in this repository (``plugins/channels/``).
They are registered by name from ``BUNDLED_PLUGINS`` rather than through entry points so that
a source checkout (``make run``, the demo, the tests) has them without reinstalling the
distribution, yet unlike the core modules they are ordinary plugins: listed, switchable per
company and blockable like a package. ``check_pending``
makes a misspelled hook implementation an error instead of silent dead code for plugins
registered in code; an installed package with one is left out and reported instead
(``core.plugins.loading``), because a broken package must not keep the platform down.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache

import pluggy

from core.plugins import hookspecs
from core.plugins.loading import BackofficePluginManager, PluginProblem, load_packages
from core.settings import get_settings

ENTRY_POINT_GROUP = "backoffice.plugins"

DEFAULT_PLUGINS: tuple[str, ...] = ("core.catalogue.dictionaries.builtin",)

BUNDLED_PLUGINS: dict[str, str] = {
    name: f"plugins.channels.{name}"
    for name in (
        "sms",
        "rcs",
        "viber",
        "whatsapp",
        "wechat",
        "email",
        "flash_call",
        "telegram_gateway",
        "push",
        "tts",
        "voice",
        "push_partner",
    )
}

log = logging.getLogger("backoffice.plugins")


class PluginError(RuntimeError):
    """A plugin cannot be loaded or contradicts another one; the message names the plugin."""


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def build_plugin_manager(
    disabled: tuple[str, ...] = (),
    builtins: tuple[str, ...] = DEFAULT_PLUGINS,
    bundled: dict[str, str] = BUNDLED_PLUGINS,
) -> BackofficePluginManager:
    pm = BackofficePluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    for module_name in builtins:
        if pm.is_blocked(module_name):
            continue
        pm.register(importlib.import_module(module_name), name=module_name)
    for name, module_name in bundled.items():
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module_name), name=name)
    load_packages(pm, ENTRY_POINT_GROUP)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}; known hooks: {', '.join(hook_names())}") from exc
    return pm


@lru_cache(maxsize=1)
def plugin_manager() -> BackofficePluginManager:
    return build_plugin_manager(get_settings().disabled_plugins)


def problems() -> list[PluginProblem]:
    """Installed packages left out at start-up, each with its package name and the reason."""
    return list(getattr(plugin_manager(), "problems", ()))


def report_problems() -> None:
    """Log every left-out package once at start-up: the app runs without them."""
    for problem in problems():
        log.error("plugin left out: %s", problem.line())


def collect(hook_name: str) -> list:
    """Flatten the lists every implementation of ``hook_name`` returned."""
    results = getattr(plugin_manager().hook, hook_name)()
    return [item for result in results if result for item in result]
