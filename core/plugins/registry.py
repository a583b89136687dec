"""Registries of what plugins declared, keyed by declaration key and built once.

Each registry checks every declaration and refuses two plugins claiming one key (naming both),
so a conflict fails at start-up. The cache is keyed on the set of registered plugins: a plugin
registered or unregistered later (tests, ``bo_register_plugin``) is picked up without a reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.plugins.declarations import (
    Channel,
    Dictionary,
    PaymentSystem,
    Theme,
    Vendor,
    sender_id_form,
)
from core.plugins.fields import DeclarationError
from core.plugins.manager import PluginError, plugin_manager

_CACHE: dict[str, tuple[Any, dict, dict]] = {}


def plugin_state() -> Any:
    """The manager and its plugin objects themselves, not their ids: an unregistered plugin's
    id can be reused by a new object, which would make the cache answer for the wrong set."""
    pm = plugin_manager()
    return pm, frozenset(pm.get_plugins())


def _returned(hook_name: str) -> list[tuple[str, Any]]:
    """``(plugin name, item)`` for every item every implementation returned."""
    items: list[tuple[str, Any]] = []
    for impl in getattr(plugin_manager().hook, hook_name).get_hookimpls():
        if impl.hookwrapper or impl.wrapper:
            continue
        result = impl.function()
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            raise PluginError(
                f"plugin {impl.plugin_name!r}: {hook_name} must return a list, "
                f"got {type(result).__name__}"
            )
        items.extend((impl.plugin_name, item) for item in result)
    return items


def _keyed(hook_name: str, base: type, key_of: Callable[[Any], str]) -> tuple[dict, dict]:
    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    kind = base.__name__
    for plugin, item in _returned(hook_name):
        if base is Theme:
            if not isinstance(item, Theme):
                raise PluginError(f"plugin {plugin!r}: {hook_name} returned {item!r}, not a Theme")
        elif not (isinstance(item, type) and issubclass(item, base)):
            raise PluginError(
                f"plugin {plugin!r}: {hook_name} returned {item!r}, not a {kind} subclass"
            )
        else:
            try:
                item.validate_declaration()
            except DeclarationError as exc:
                raise PluginError(f"plugin {plugin!r}: {exc}") from exc
        key = key_of(item)
        if key in found:
            raise PluginError(
                f"{kind} {key!r} is registered twice: by plugin {owners[key]!r} "
                f"and by plugin {plugin!r}"
            )
        found[key], owners[key] = item, plugin
    return found, owners


def _cached(kind: str, build: Callable[[], tuple[dict, dict]]) -> tuple[dict, dict]:
    state = plugin_state()
    hit = _CACHE.get(kind)
    if hit is not None and hit[0] == state:
        return hit[1], hit[2]
    found, owners = build()
    _CACHE[kind] = (state, found, owners)
    return found, owners


def _build_channels() -> tuple[dict, dict]:
    found, owners = _keyed("register_channels", Channel, lambda c: c.key)
    known = dictionaries()
    domains: dict[str, str] = {}
    for key, channel in found.items():
        # A rate tree names a domain, not a channel: two channels sharing one would make its
        # resources ambiguous, so that is a conflict like a reused key.
        other = domains.setdefault(channel.service_domain, key)
        if other != key:
            raise PluginError(
                f"service domain {channel.service_domain!r} is declared twice: by channel "
                f"{other!r} (plugin {owners[other]!r}) and by channel {key!r} "
                f"(plugin {owners[key]!r})"
            )
        missing = sorted(channel.dictionary_keys() - set(known))
        if missing:
            raise PluginError(
                f"plugin {owners[key]!r}: channel {key!r} uses dictionaries that no plugin "
                f"registers: {', '.join(missing)}"
            )
    return found, owners


def _build_vendors() -> tuple[dict, dict]:
    found, owners = _keyed("register_vendors", Vendor, lambda v: v.key)
    known = channels()
    for key, vendor in found.items():
        for channel_key in vendor.channels:
            channel = known.get(channel_key)
            if channel is None:
                raise PluginError(
                    f"plugin {owners[key]!r}: vendor {key!r} serves channel {channel_key!r}, "
                    "which no plugin registers (is its plugin disabled?)"
                )
            if not channel.accepts_vendor(key):
                raise PluginError(
                    f"plugin {owners[key]!r}: channel {channel_key!r} does not accept vendor "
                    f"type {key!r} (it accepts: {', '.join(channel.vendor_types)})"
                )
            try:
                sender_id_form(channel, vendor)
            except DeclarationError as exc:
                raise PluginError(
                    f"plugin {owners[key]!r}: {exc} (the channel's fields come from plugin "
                    f"{plugin_of('channels', channel_key)!r})"
                ) from exc
    return found, owners


def channels() -> dict[str, type[Channel]]:
    return _cached("channels", _build_channels)[0]


def vendors() -> dict[str, type[Vendor]]:
    return _cached("vendors", _build_vendors)[0]


def payment_systems() -> dict[str, type[PaymentSystem]]:
    build = lambda: _keyed("register_payment_systems", PaymentSystem, lambda p: p.key)  # noqa: E731
    return _cached("payment_systems", build)[0]


def dictionaries() -> dict[str, type[Dictionary]]:
    build = lambda: _keyed("register_dictionaries", Dictionary, lambda d: d.key)  # noqa: E731
    return _cached("dictionaries", build)[0]


def themes() -> dict[str, Theme]:
    return _cached("themes", lambda: _keyed("register_themes", Theme, lambda t: t.name))[0]


_REGISTRIES = {
    "channels": channels,
    "vendors": vendors,
    "payment_systems": payment_systems,
    "dictionaries": dictionaries,
    "themes": themes,
}


def plugin_of(kind: str, key: str) -> str:
    """The name of the plugin that registered ``key`` in registry ``kind`` (e.g. "vendors")."""
    _REGISTRIES[kind]()
    owners = _CACHE[kind][2]
    if key not in owners:
        raise KeyError(f"no {kind} entry {key!r}")
    return owners[key]


def vendors_for(channel_key: str) -> dict[str, type[Vendor]]:
    """The vendor types that can serve ``channel_key``."""
    return {k: v for k, v in vendors().items() if channel_key in v.channels}


def reset(manager: bool = False) -> None:
    """Forget cached registries; ``manager=True`` also rebuilds the plugin manager (env changes)."""
    _CACHE.clear()
    if manager:
        plugin_manager.cache_clear()
