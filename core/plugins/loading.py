"""Loading installed plugin packages one at a time, so one broken package cannot stop the app.

Each entry point of the ``backoffice.plugins`` group is imported, checked against the core API
(``core.plugins.compat``), registered, and its declaring hooks are called once and their items
validated. Whatever fails on the way (an import error, an incompatible or bad declaration, a
hook raising or returning the wrong thing, an unknown hook name) leaves the package out and
becomes a ``PluginProblem`` naming the package and the reason; the rest starts. Plugins
registered in code (built-ins, tests) keep failing loudly: that is an author's mistake to fix.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from typing import Any

import pluggy

from core.plugins import compat


@dataclass(frozen=True)
class Package:
    """Where an installed plugin came from: its entry-point name, distribution and version."""

    name: str
    package: str
    version: str
    target: str


@dataclass(frozen=True)
class PluginProblem:
    name: str
    package: str
    version: str
    reason: str

    def line(self) -> str:
        return f"{self.package} {self.version} (plugin {self.name!r}): {self.reason}"


class BackofficePluginManager(pluggy.PluginManager):
    """pluggy's manager plus what the loader learnt: the packages it loaded and the problems."""

    def __init__(self, project_name: str) -> None:
        super().__init__(project_name)
        self.packages: dict[str, Package] = {}
        self.problems: list[PluginProblem] = []


def _entry_points(group: str) -> list[tuple[importlib.metadata.EntryPoint, Package]]:
    found = []
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group == group:
                name = dist.metadata["name"] or "?"
                found.append((ep, Package(ep.name, name, dist.version or "?", ep.value)))
    return found


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _checks() -> dict[str, Any]:
    from core.access.areas import Area
    from core.plugins.declarations import Channel, Dictionary, PaymentSystem, Theme, Vendor

    def declared(base: type):
        def check(item: Any) -> None:
            if not (isinstance(item, type) and issubclass(item, base)):
                raise TypeError(f"returned {item!r}, not a {base.__name__} subclass")
            item.validate_declaration()

        return check

    def instance(kind: type, validate: bool):
        def check(item: Any) -> None:
            if not isinstance(item, kind):
                raise TypeError(f"returned {item!r}, not a {kind.__name__}")
            if validate:
                item.validate()

        return check

    return {
        "register_channels": declared(Channel),
        "register_vendors": declared(Vendor),
        "register_payment_systems": declared(PaymentSystem),
        "register_dictionaries": declared(Dictionary),
        "register_themes": instance(Theme, False),
        "register_permission_areas": instance(Area, True),
    }


def hook_problem(pm: pluggy.PluginManager, plugin: Any) -> str | None:
    """The first reason ``plugin``'s hooks cannot be used, or None.

    Every declaring (``register_*``) hook is called once: they are cheap by contract, and a
    hook that raises here would otherwise raise on the first request that needs the registry.
    """
    checks = _checks()
    for caller in pm.get_hookcallers(plugin) or ():
        impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
        if not caller.has_spec():
            if any(not i.optionalhook for i in impls):
                from core.plugins.manager import hook_names

                return (
                    f"implements {caller.name!r}, which is not a hook "
                    f"(known: {', '.join(hook_names())})"
                )
            continue
        if not caller.name.startswith("register_"):
            continue
        for impl in impls:
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                result = impl.function()
            except Exception as exc:
                return f"hook {caller.name} raised {_error(exc)}"
            if result is None:
                continue
            if not isinstance(result, list | tuple):
                return f"hook {caller.name} must return a list, got {type(result).__name__}"
            check = checks.get(caller.name)
            for item in result if check else ():
                try:
                    check(item)
                except Exception as exc:
                    return f"hook {caller.name}: {_error(exc)}"
    return None


def load_packages(pm: BackofficePluginManager, group: str) -> None:
    """Register every installed package of ``group`` that loads cleanly; record the others."""
    for ep, package in _entry_points(group):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        if any(p.name == ep.name for p in pm.problems):
            continue  # the same distribution found twice on sys.path

        def refuse(reason: str, package: Package = package) -> None:
            pm.problems.append(
                PluginProblem(package.name, package.package, package.version, reason)
            )

        try:
            plugin = ep.load()
        except Exception as exc:
            refuse(f"cannot be imported: {_error(exc)}")
            continue
        reason = compat.incompatibility(plugin)
        if reason:
            refuse(reason)
            continue
        try:
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            if pm.get_plugin(ep.name) is not None:  # pluggy keeps a half-registered plugin
                pm.unregister(name=ep.name)
            refuse(f"cannot be registered: {_error(exc)}")
            continue
        reason = hook_problem(pm, plugin)
        if reason:
            pm.unregister(plugin)
            refuse(reason)
            continue
        pm.packages[ep.name] = package
