"""REST endpoints: ``/api/v1/plugins`` (installed plugins) and
``/api/v1/companies/{id}/plugins`` (a company's switches), over ``core.plugins.service`` and
``core.plugins.enablement`` (area "settings": view lists, manage switches)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from core.access.guards import requires
from core.plugins import enablement
from core.plugins import service as plugins
from core.plugins.schemas import (
    CompanyPluginIn,
    CompanyPluginOut,
    CompanyPluginsOut,
    PluginOut,
    PluginPage,
)
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

VIEW = [requires("settings", "view")]
MANAGE = [requires("settings", "manage")]
Name = Annotated[str, Parameter(max_length=100)]


class PluginController(Controller):
    path = "/plugins"
    tags = ["Plugins"]

    @get(
        "/",
        summary="Installed plugins, what each contributes, its compatibility and its state "
        "for your company",
        dependencies={"list_query": paging("name", plugins.SORTABLE, "asc")},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: Annotated[str | None, Parameter(max_length=200)] = None,
        kind: FromQuery[str | None] = None,
        contributes: FromQuery[str | None] = None,
        enabled: FromQuery[bool | None] = None,
    ) -> PluginPage:
        filters = plugins.PluginFilters(q=q, kind=kind, contributes=contributes, enabled=enabled)
        items, total, cursors = await plugins.list_plugins(
            principal_of(request).scope, filters, list_query
        )
        out = make_page(items, total, list_query, PluginPage, cursors)
        out.notices = await plugins.missing_notices(principal_of(request).scope)
        return out

    @get("/{name:str}", summary="One installed plugin", guards=VIEW)
    async def read(self, request: Request, name: FromPath[Name]) -> PluginOut:
        return await plugins.get_plugin(principal_of(request).scope, name)


class CompanyPluginController(Controller):
    path = "/companies/{company_id:int}/plugins"
    tags = ["Plugins"]

    @get(
        "/",
        summary="The plugin switches of your company or of a company you created",
        guards=VIEW,
    )
    async def read(self, request: Request, company_id: FromPath[int]) -> CompanyPluginsOut:
        company, states = await enablement.company_states(principal_of(request).scope, company_id)
        return CompanyPluginsOut(
            company_id=company["id"],
            company_name=company["name"],
            items=[plugins.state_out(company["id"], s) for s in states],
        )

    @put(
        "/{name:str}",
        summary="Switch a plugin on or off for a company you created (the system owner: also "
        "for the platform); you can only pass on what your company has",
        guards=MANAGE,
    )
    async def switch(
        self,
        request: Request,
        company_id: FromPath[int],
        name: FromPath[Name],
        data: JSONBody[CompanyPluginIn],
    ) -> CompanyPluginOut:
        state = await enablement.set_enabled(
            audit_context(request), principal_of(request).scope, company_id, name, data.enabled
        )
        return plugins.state_out(company_id, state)


API_HANDLERS = [PluginController, CompanyPluginController]
