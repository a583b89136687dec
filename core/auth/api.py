"""Token issue (with the second factor and the forced password change), under /api/v1.

Sign-in is one stateless call: the first answer says what is missing (a 401 with
``second_factor_required`` after an SMS code went out, or a 403 ``password_change_required``),
and the client repeats the same call adding ``code`` and/or ``new_password``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from core.access.guards import signed_in
from core.auth.login_flow import PasswordChangeRequired, SecondFactorRequired, api_sign_in
from core.auth.tokens import revoke_token
from core.errors import PROBLEM_JSON, problem
from core.settings import get_settings
from core.web.context import client_ip, principal_of
from core.web.openapi import problem_responses


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    new_password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)] | None = None


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class AuthController(Controller):
    path = "/auth"
    tags = ["Authentication"]
    guards = [signed_in()]

    @post("/logout", summary="Revoke the bearer token of this request", status_code=204)
    async def logout(self, request: Request) -> None:
        await revoke_token(principal_of(request).token_id)


@post(
    "/auth/token",
    summary="Exchange a login (or email) and password for a bearer token",
    tags=["Authentication"],
    responses=problem_responses(423, 429),
)
async def token(request: Request, data: JSONBody[TokenRequest]) -> TokenOut | Response:
    """Errors: 401 bad credentials, or ``second_factor_required`` with ``methods`` and
    ``code_sent``; 403 ``password_change_required`` or ``two_factor_enrolment_required``;
    423 locked after wrong codes; 429 too many failed sign-ins."""
    hours = get_settings().token_hours
    try:
        secret = await api_sign_in(
            data.login, data.password, client_ip(request), hours, data.code, data.new_password
        )
    except SecondFactorRequired as exc:
        return _problem(
            exc,
            second_factor_required=True,
            methods=[exc.method, "recovery"],
            code_sent=exc.sent,
        )
    except PasswordChangeRequired as exc:
        return _problem(exc, password_change_required=True, reason=exc.reason)
    return TokenOut(access_token=secret, token_type="bearer", expires_in=hours * 3600)


def _problem(exc, **extra) -> Response:
    body = problem(exc.status_code, exc.title, exc.detail, **extra)
    return Response(content=body, status_code=exc.status_code, media_type=PROBLEM_JSON)
