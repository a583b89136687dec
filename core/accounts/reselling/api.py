"""REST endpoints for reselling associations (guide §14).

Tenant side, /api/v1/legal-entities/{entity_id}/reselling-agreements: the caller associates
a reseller's legal entity with an agreement of that reseller. Reseller side,
/api/v1/own-legal-entities/{entity_id}/reselling-agreements: read-only, what one of the
caller's own legal entities buys under. Both over ``core.accounts.reselling.service``.
"""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from core.access.guards import requires
from core.accounts.reselling import service
from core.accounts.reselling.schemas import (
    AssociationCreate,
    AssociationOut,
    AssociationPage,
    AssociationUpdate,
)
from core.web.context import audit_context, principal_of

VIEW = [requires("account_management", "view")]
MANAGE = [requires("account_management", "manage")]
SETTINGS_VIEW = [requires("settings", "view")]
ITEM = "/{association_id:int}"


class ResellingController(Controller):
    path = "/legal-entities/{entity_id:int}/reselling-agreements"
    tags = ["Reselling"]

    @get("/", summary="The reselling agreements of a reseller's legal entity", guards=VIEW)
    async def list(self, request: Request, entity_id: FromPath[int]) -> AssociationPage:
        items = await service.list_for_tenant(principal_of(request).scope, entity_id)
        return AssociationPage(items=items, total=len(items))

    @post("/", summary="Associate the legal entity with an agreement", guards=MANAGE)
    async def create(
        self, request: Request, entity_id: FromPath[int], data: JSONBody[AssociationCreate]
    ) -> AssociationOut:
        return await service.add_association(
            audit_context(request), principal_of(request).scope, entity_id, data
        )

    @get(ITEM, summary="One reselling agreement of the legal entity", guards=VIEW)
    async def read(
        self, request: Request, entity_id: FromPath[int], association_id: FromPath[int]
    ) -> AssociationOut:
        return await service.get_association(principal_of(request).scope, entity_id, association_id)

    @patch(ITEM, summary="Change a reselling agreement's period or agreement", guards=MANAGE)
    async def update(
        self,
        request: Request,
        entity_id: FromPath[int],
        association_id: FromPath[int],
        data: JSONBody[AssociationUpdate],
    ) -> AssociationOut:
        return await service.update_association(
            audit_context(request), principal_of(request).scope, entity_id, association_id, data
        )

    @delete(ITEM, summary="Remove a reselling agreement", status_code=204, guards=MANAGE)
    async def remove(
        self, request: Request, entity_id: FromPath[int], association_id: FromPath[int]
    ) -> None:
        await service.delete_association(
            audit_context(request), principal_of(request).scope, entity_id, association_id
        )


class OwnResellingController(Controller):
    path = "/own-legal-entities/{entity_id:int}/reselling-agreements"
    tags = ["Reselling"]

    @get(
        "/",
        summary="What one of your own legal entities buys under from your tenant (read-only)",
        guards=SETTINGS_VIEW,
    )
    async def list(self, request: Request, entity_id: FromPath[int]) -> AssociationPage:
        items = await service.list_for_reseller(principal_of(request).scope, entity_id)
        return AssociationPage(items=items, total=len(items))


API_HANDLERS = [ResellingController, OwnResellingController]
