"""The installed-plugins list as a company sees it: filtered, sorted and paged in memory.

The list comes from the plugin manager, not a table, and holds a few dozen entries at most,
so it is paged by position; its cursors (``p<N>``) keep the links every list shares working.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import Invalid
from core.plugins import catalog, enablement
from core.plugins.schemas import CompanyPluginOut, Contributions, PluginOut
from core.web.listing import Cursors, ListQuery
from tenants.scope import Scope

SORTABLE = ("name", "package", "version", "kind", "status")
CONTRIBUTION_KINDS = tuple(catalog.CONTRIBUTION_HOOKS)


@dataclass(frozen=True)
class PluginFilters:
    q: str | None = None
    kind: str | None = None
    contributes: str | None = None
    enabled: bool | None = None

    def validate(self) -> None:
        if self.kind is not None and self.kind not in catalog.KINDS:
            raise Invalid.field("kind", f"must be one of {', '.join(catalog.KINDS)}")
        if self.contributes is not None and self.contributes not in CONTRIBUTION_KINDS:
            raise Invalid.field("contributes", f"must be one of {', '.join(CONTRIBUTION_KINDS)}")

    def admits(self, out: PluginOut) -> bool:
        if self.q and self.q.casefold() not in f"{out.name} {out.package}".casefold():
            return False
        if self.kind and out.kind != self.kind:
            return False
        if self.contributes and not getattr(out.contributes, self.contributes):
            return False
        return self.enabled is None or out.enabled == self.enabled


def to_out(info: catalog.PluginInfo, off: frozenset[str]) -> PluginOut:
    return PluginOut(
        name=info.name,
        package=info.package,
        version=info.version,
        kind=info.kind,
        always_on=info.always_on,
        api_range=info.api_range,
        compatible=info.status == "ok",
        status=info.status,
        problem=info.problem,
        enabled=info.status == "ok" and (info.always_on or info.name not in off),
        contributes=Contributions(**info.contributes),
    )


def _page_number(query: ListQuery, pages: int) -> int:
    cursor = query.cursor
    if cursor in (None, "first"):
        return query.page if cursor is None else 1
    if cursor == "last":
        return pages
    if cursor.startswith("p") and cursor[1:].isdigit() and len(cursor) < 8:
        return int(cursor[1:])
    raise Invalid.field("cursor", "is not a cursor of this list")


async def list_plugins(
    scope: Scope, filters: PluginFilters, query: ListQuery
) -> tuple[list[PluginOut], int, Cursors]:
    filters.validate()
    if query.sort not in SORTABLE:
        raise Invalid.field("sort", f"must be one of {', '.join(SORTABLE)}")
    off = await enablement.disabled_for(scope.company_path)
    rows = [out for out in (to_out(i, off) for i in catalog.installed()) if filters.admits(out)]
    rows.sort(
        key=lambda o: (str(getattr(o, query.sort)).casefold(), o.name),
        reverse=query.order == "desc",
    )
    pages = max(1, -(-len(rows) // query.page_size))
    number = _page_number(query, pages)
    start = (number - 1) * query.page_size
    cursors = Cursors(
        previous=f"p{number - 1}" if number > 1 else None,
        next=f"p{number + 1}" if number < pages else None,
    )
    return rows[start : start + query.page_size], len(rows), cursors


async def get_plugin(scope: Scope, name: str) -> PluginOut:
    from core.errors import NotFound

    for info in catalog.installed():
        if info.name == name:
            return to_out(info, await enablement.disabled_for(scope.company_path))
    raise NotFound(f"no installed plugin named “{name}”")


async def missing_notices(scope: Scope) -> list[str]:
    """One line per plugin that companies of the caller's subtree have switches or settings
    for (``company_plugins`` rows) but that is not installed any more: the app runs without
    it and keeps its rows and tables, and an administrator should know why it vanished."""
    return await _missing(scope.company_path)


async def log_missing() -> None:
    """At start-up, the same notices for the whole platform, as warnings in the log."""
    import logging

    log = logging.getLogger("backoffice.plugins")
    try:
        notices = await _missing("/")
    except Exception as exc:  # e.g. `serve --no-migrate` before the first migration
        log.warning("could not look for plugins that are no longer installed: %s", exc)
        return
    for notice in notices:
        log.warning(notice)


async def _missing(path_prefix: str) -> list[str]:
    from core.plugins.manager import plugin_manager
    from core.plugins.models import CompanyPlugin

    known = {info.name for info in catalog.installed()}
    rows = await CompanyPlugin.select(
        CompanyPlugin.plugin, CompanyPlugin.company.path.as_alias("path")
    ).where(CompanyPlugin.company.path.like(f"{path_prefix}%"))
    companies: dict[str, set[str]] = {}
    for row in rows:
        if row["plugin"] not in known:
            companies.setdefault(row["plugin"], set()).add(row["path"])
    notices = []
    for name in sorted(companies):
        count = len(companies[name])
        whose = f"{count} {'company has' if count == 1 else 'companies have'}"
        if plugin_manager().is_blocked(name):
            why = "is blocked by BACKOFFICE_DISABLED_PLUGINS"
        else:
            why = "is no longer installed"
        notices.append(
            f"Plugin “{name}” {why}, but {whose} switches or settings for it. Its data is "
            "kept; what it added (pages, routes, types) is gone until it is installed again."
        )
    return notices


def state_out(company_id: int, state: enablement.CompanyState) -> CompanyPluginOut:
    return CompanyPluginOut(
        company_id=company_id,
        plugin=state.plugin,
        setting=state.setting,
        available=state.available,
        enabled=state.enabled,
    )
