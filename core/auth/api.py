"""Token issue and the caller's own identity, under /api/v1."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from core.auth.service import authenticate, open_session
from core.auth.tokens import revoke_token
from core.settings import get_settings
from core.web.context import client_ip, principal_of


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class CompanyRef(msgspec.Struct):
    id: int
    name: str
    type: str


class MeOut(msgspec.Struct):
    id: int
    email: str
    login: str | None
    first_name: str
    last_name: str
    is_admin: bool
    company: CompanyRef


class AuthController(Controller):
    path = "/auth"
    tags = ["Authentication"]

    @post("/logout", summary="Revoke the bearer token of this request", status_code=204)
    async def logout(self, request: Request) -> None:
        await revoke_token(principal_of(request).token_id)


@post(
    "/auth/token",
    summary="Exchange a login (or email) and password for a bearer token",
    tags=["Authentication"],
)
async def token(request: Request, data: JSONBody[TokenRequest]) -> TokenOut:
    hours = get_settings().token_hours
    user_id = await authenticate(data.login, data.password)
    secret = await open_session(user_id, "api", hours, client_ip(request))
    return TokenOut(access_token=secret, token_type="bearer", expires_in=hours * 3600)


@get("/me", summary="The authenticated user and their company", tags=["Authentication"])
async def me(request: Request) -> MeOut:
    p = principal_of(request)
    return MeOut(
        id=p.user_id,
        email=p.email,
        login=p.login,
        first_name=p.first_name,
        last_name=p.last_name,
        is_admin=p.is_admin,
        company=CompanyRef(id=p.company_id, name=p.company_name, type=p.company_kind),
    )
