"""The text of ``backoffice plugins check``: one line per plugin, then the conflicts the
registries find between plugins that loaded (two plugins claiming one key), which still stop
the registry concerned because neither plugin can be preferred silently."""

from __future__ import annotations

import logging

from core.plugins import catalog, compat, registry
from core.plugins.fields import DeclarationError
from core.plugins.manager import PluginError


def _extension_checks() -> dict:
    """What ``create_app`` and ``db migrate`` would refuse (a route with no permission, a bad
    menu entry or migrations app), and a channel claiming a core service domain (which the
    domains API refuses to answer with), found before the app is started."""
    from core.catalogue.domains.service import registered as domains
    from core.db.tables import plugin_apps
    from core.plugins.extension import menu_entries, plugin_files
    from core.plugins.routes import plugin_routes

    return {
        "routes": plugin_routes,
        "menu_entries": menu_entries,
        "templates": plugin_files,
        "migrations": plugin_apps,
        "domains": domains,
    }


def _registry_errors() -> list[str]:
    errors = []
    checks = {
        kind: getattr(registry, kind)
        for kind in ("dictionaries", "channels", "vendors", "payment_systems", "themes")
    }
    for kind, check in {**checks, **_extension_checks()}.items():
        try:
            check()
        except (PluginError, DeclarationError) as exc:
            errors.append(f"{kind}: {exc}")
    return errors


log = logging.getLogger("backoffice.plugins")


def report_conflicts() -> None:
    """Log at start-up what ``plugins check`` calls conflicts (e.g. a vendor's sender-ID field
    that redefines its channel's): the registry concerned refuses to answer until it is fixed."""
    for line in _registry_errors():
        log.error("plugin conflict: %s", line)


def check_report() -> tuple[list[str], int]:
    """The report's lines and how many problems it found (0: everything loaded)."""
    infos = catalog.installed()
    lines = [f"BackOffice core API {compat.CORE_API_VERSION}"]
    for info in infos:
        declared = f"core API {info.api_range}" if info.api_range else "part of the core"
        if info.kind != "core" and not info.api_range:
            declared = "no core API range"
        head = f"{info.name}: {info.package} {info.version} [{info.kind}]"
        if info.status == "ok":
            what = ", ".join(f"{k}: {len(v)}" for k, v in info.contributes.items()) or "nothing"
            lines.append(f"  ok      {head}, {declared}; contributes {what}")
        else:
            lines.append(f"  BROKEN  {head}: {info.problem}")
    conflicts = _registry_errors()
    lines.extend(f"  CONFLICT {line}" for line in conflicts)
    broken = sum(i.status != "ok" for i in infos) + len(conflicts)
    ok = len(infos) - sum(i.status != "ok" for i in infos)
    summary = f"{ok} plugin(s) loaded, {broken} problem(s)"
    lines.append(summary + ("; the app starts without the broken ones" if broken else ""))
    return lines, broken
