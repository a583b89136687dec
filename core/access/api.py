"""REST endpoints for roles under /api/v1/roles and the permission areas they grant.

Roles live in the Users section, so both BackOffice and client-portal users need the Users
permission of their group: view to read, manage to write.
"""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.access import roles
from core.access.areas import all_areas
from core.access.guards import requires
from core.access.schemas import AreaList, AreaOut, RoleCreate, RoleOut, RolePage, RoleUpdate
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging

USERS_AREAS = ("users", "portal_users")
VIEW = [requires(USERS_AREAS, "view")]
MANAGE = [requires(USERS_AREAS, "manage")]


class RoleController(Controller):
    path = "/roles"
    tags = ["Roles"]

    @get(
        "/",
        summary="List the system roles and your company's roles",
        dependencies={"list_query": paging("name", roles.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        group: FromQuery[Literal["backoffice", "portal"] | None] = None,
        kind: FromQuery[Literal["system", "custom"] | None] = None,
    ) -> RolePage:
        filters = roles.RoleFilters(q=q.strip()[:40] if q else None, group=group, kind=kind)
        items, total, cursors = await roles.list_roles(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, RolePage, cursors)

    @post("/", summary="Create a custom role, optionally from a template role", guards=MANAGE)
    async def create(self, request: Request, data: JSONBody[RoleCreate]) -> RoleOut:
        return await roles.create_role(audit_context(request), principal_of(request), data)

    @get("/{role_id:int}", summary="One role with its permissions", guards=VIEW)
    async def read(self, request: Request, role_id: FromPath[int]) -> RoleOut:
        return await roles.get_role(principal_of(request).scope, role_id)

    @patch("/{role_id:int}", summary="Change a custom role", guards=MANAGE)
    async def update(
        self, request: Request, role_id: FromPath[int], data: JSONBody[RoleUpdate]
    ) -> RoleOut:
        return await roles.update_role(audit_context(request), principal_of(request), role_id, data)

    @delete(
        "/{role_id:int}",
        summary="Delete a custom role no user holds",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, role_id: FromPath[int]) -> None:
        await roles.delete_role(audit_context(request), principal_of(request), role_id)


@get(
    "/permission-areas",
    summary="The permission areas roles grant none, view or manage on",
    tags=["Roles"],
    guards=VIEW,
)
async def permission_areas(
    group: FromQuery[Literal["backoffice", "portal"] | None] = None,
) -> AreaList:
    items = [
        AreaOut(a.key, a.label, a.group, a.section, a.description)
        for a in all_areas().values()
        if group is None or a.group == group
    ]
    return AreaList(items=items)


def api_handlers() -> list:
    return [RoleController, permission_areas]
