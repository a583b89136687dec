"""REST endpoints: /users (the list of both groups), /invitations, /departments and the public
/signup/{token}. Every route names its permission area: BackOffice callers need "users",
client-portal callers "portal_users" (and see client-portal users of their company only)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from core.access.guards import requires
from core.users import directory, invitations, manage
from core.users.schemas import (
    DepartmentOut,
    DirectoryPage,
    InvitationCreate,
    InvitationOut,
    InvitationPage,
    SignupDone,
    SignupInfo,
    SignupRequest,
    UserOut,
    UserUpdate,
)
from core.users.signup import accept_invitation
from core.web.context import audit_context, client_ip, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.openapi import problem_responses

AREAS = ("users", "portal_users")
VIEW = [requires(AREAS, "view")]
MANAGE = [requires(AREAS, "manage")]
Group = Literal["backoffice", "portal"]
Status = Literal["invited", "expired", "revoked", "active", "inactive"]


def _by_email(sortable: Iterable[str]) -> dict:
    """Paging with the users lists' own default: by email, ascending."""
    return {"list_query": paging("email", sortable, default_order="asc")}


class UserController(Controller):
    path = "/users"
    tags = ["Users"]

    @get(
        "/",
        summary="Invitations then users of one group, of your company and the ones it created",
        dependencies=_by_email(directory.SORT_KEYS),
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        group: FromQuery[Group] = "backoffice",
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        company_id: FromQuery[int | None] = None,
        status: FromQuery[Status | None] = None,
        role_id: FromQuery[int | None] = None,
    ) -> DirectoryPage:
        filters = directory.DirectoryFilters(
            group=group, q=q, company_id=company_id, status=status, role_id=role_id
        )
        items, total, cursors = await directory.list_directory(
            principal_of(request), filters, list_query
        )
        return make_page(items, total, list_query, DirectoryPage, cursors)

    @get("/{user_id:int}", summary="One user, with departments", guards=VIEW)
    async def read(self, request: Request, user_id: FromPath[int]) -> UserOut:
        return await manage.get_user(principal_of(request), user_id)

    @patch("/{user_id:int}", summary="Change a user's name, phone, role, status", guards=MANAGE)
    async def update(
        self, request: Request, user_id: FromPath[int], data: JSONBody[UserUpdate]
    ) -> UserOut:
        return await manage.update_user(
            audit_context(request), principal_of(request), user_id, data
        )

    @delete("/{user_id:int}", summary="Delete a user", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, user_id: FromPath[int]) -> None:
        await manage.delete_user(audit_context(request), principal_of(request), user_id)


class InvitationController(Controller):
    path = "/invitations"
    tags = ["Users"]

    @get(
        "/",
        summary="Invitations not yet accepted",
        dependencies=_by_email(invitations.SORTABLE),
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        group: FromQuery[Group | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        company_id: FromQuery[int | None] = None,
        status: FromQuery[Literal["invited", "expired", "revoked"] | None] = None,
        role_id: FromQuery[int | None] = None,
    ) -> InvitationPage:
        filters = invitations.InvitationFilters(
            q=q, group=group, company_id=company_id, status=status, role_id=role_id
        )
        items, total, cursors = await invitations.list_invitations(
            principal_of(request), filters, list_query
        )
        return make_page(items, total, list_query, InvitationPage, cursors)

    @post("/", summary="Invite someone by email", guards=MANAGE)
    async def create(self, request: Request, data: JSONBody[InvitationCreate]) -> InvitationOut:
        principal = principal_of(request)
        invitation_id = await invitations.create_invitation(audit_context(request), principal, data)
        return await invitations.get_invitation(principal, invitation_id)

    @get("/{invitation_id:int}", summary="One invitation", guards=VIEW)
    async def read(self, request: Request, invitation_id: FromPath[int]) -> InvitationOut:
        return await invitations.get_invitation(principal_of(request), invitation_id)

    @post(
        "/{invitation_id:int}/resend",
        summary="New link and expiry, sent again (the old link stops working)",
        status_code=200,
        guards=MANAGE,
    )
    async def resend(self, request: Request, invitation_id: FromPath[int]) -> InvitationOut:
        principal = principal_of(request)
        await invitations.resend_invitation(audit_context(request), principal, invitation_id)
        return await invitations.get_invitation(principal, invitation_id)

    @post(
        "/{invitation_id:int}/revoke",
        summary="Cancel the invitation; its link stops working",
        status_code=200,
        guards=MANAGE,
    )
    async def revoke(self, request: Request, invitation_id: FromPath[int]) -> InvitationOut:
        principal = principal_of(request)
        await invitations.revoke_invitation(audit_context(request), principal, invitation_id)
        return await invitations.get_invitation(principal, invitation_id)

    @delete("/{invitation_id:int}", summary="Delete an invitation", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, invitation_id: FromPath[int]) -> None:
        await invitations.delete_invitation(
            audit_context(request), principal_of(request), invitation_id
        )


class DepartmentController(Controller):
    path = "/departments"
    tags = ["Users"]

    @get("/", summary="Departments of a company", guards=VIEW)
    async def list(self, request: Request, company_id: FromQuery[int]) -> list[DepartmentOut]:
        return await manage.list_departments(principal_of(request), company_id)

    @delete(
        "/{department_id:int}",
        summary="Delete a department (its users keep their other departments)",
        status_code=204,
        guards=MANAGE,
    )
    async def remove(self, request: Request, department_id: FromPath[int]) -> None:
        await manage.delete_department(audit_context(request), principal_of(request), department_id)


class SignupController(Controller):
    """Public: the token in the path is the only credential."""

    path = "/signup"
    tags = ["Users"]

    @get(
        "/{token:str}",
        summary="What an invitation link is for (404 unknown, 410 expired)",
        responses=problem_responses(410),
    )
    async def read(self, token: FromPath[str]) -> SignupInfo:
        row = await invitations.find_by_token(token)
        return SignupInfo(
            email=row["email"],
            company_name=row["company_name"],
            group=row["group"],
            two_factor=row["two_factor"] or row["company_two_factor"],
            expires_at=row["expires_at"],
        )

    @post(
        "/{token:str}",
        summary="Create the account of an invitation",
        status_code=201,
        responses=problem_responses(410),
    )
    async def create(
        self, request: Request, token: FromPath[str], data: JSONBody[SignupRequest]
    ) -> SignupDone:
        return await accept_invitation(token, data, client_ip(request))


API_HANDLERS = [UserController, InvitationController, DepartmentController]
PUBLIC_HANDLERS = [SignupController]
