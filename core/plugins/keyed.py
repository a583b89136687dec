"""Registries of keyed declarations that core ships and plugins add to (permission areas,
dashboard blocks): one rule for all of them — each item validates itself, a plugin's item of
the wrong type or a key registered twice fails loudly, naming the plugin."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def keyed_registry(
    core_items: Iterable[Any], hook_name: str, item_type: type, error: type[Exception], noun: str
) -> dict[str, Any]:
    from core.plugins.manager import plugin_manager

    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for item in core_items:
        found[item.key], owners[item.key] = item, "core"
    for impl in getattr(plugin_manager().hook, hook_name).get_hookimpls():
        for item in impl.function() or ():
            if not isinstance(item, item_type):
                raise error(
                    f"plugin {impl.plugin_name!r}: {hook_name} returned {item!r}, "
                    f"not a {item_type.__module__}.{item_type.__qualname__}"
                )
            try:
                item.validate()
            except error as exc:
                raise error(f"plugin {impl.plugin_name!r}: {exc}") from exc
            if item.key in found:
                raise error(
                    f"{noun} {item.key!r} is registered twice: by "
                    f"{owners[item.key]!r} and by plugin {impl.plugin_name!r}"
                )
            found[item.key], owners[item.key] = item, impl.plugin_name
    return found
