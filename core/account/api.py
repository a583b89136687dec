"""The caller's own account under /api/v1/me, and administrators' view of users' API tokens.

Everything under /me acts on the authenticated user only, so any signed-in user may call it;
ids in these paths are the caller's own tokens, and any other id answers 404.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody

from core.access.guards import requires, signed_in
from core.account import avatar, deletion, password, profile
from core.account.schemas import (
    AccountDelete,
    LanguageOut,
    PasswordChange,
    PreferencesOptions,
    ProfileOut,
    ProfileUpdate,
)
from core.auth import api_tokens
from core.auth.api_tokens import TokenCreate, TokenCreated, TokenOut
from core.users import standing
from core.web.context import audit_context, principal_of
from core.web.openapi import problem_responses
from core.web.uploads import Upload

USERS_VIEW = requires(("users", "portal_users"), "view")
USERS_MANAGE = requires(("users", "portal_users"), "manage")


async def read_upload(upload: UploadFile) -> bytes:
    """At most one byte over the limit is read, so an oversized file is refused cheaply."""
    return await upload.read(avatar.MAX_BYTES + 1)


def avatar_response(request: Request, data: bytes, media_type: str, etag: str) -> Response:
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
    }
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=data, media_type=media_type, headers=headers)


class MeController(Controller):
    path = "/me"
    tags = ["My account"]
    guards = [signed_in()]

    @get("/", summary="The authenticated user, their company and preferences")
    async def read(self, request: Request) -> ProfileOut:
        return profile.profile_of(principal_of(request))

    @patch("/", summary="Change your first or last name, appearance or language")
    async def update(self, request: Request, data: JSONBody[ProfileUpdate]) -> ProfileOut:
        return await profile.update_profile(
            audit_context(request), principal_of(request).user_id, data
        )

    @get("/preferences/options", summary="The appearances and languages you may choose")
    async def options(self) -> PreferencesOptions:
        return PreferencesOptions(
            appearances=list(profile.APPEARANCES),
            languages=[LanguageOut(code=c, name=n) for c, n in profile.LANGUAGES.items()],
        )

    @put("/avatar", summary="Upload your picture (PNG, JPEG or WebP, at most 2 MB)")
    async def upload_avatar(self, request: Request, data: Upload) -> ProfileOut:
        content = await read_upload(data.file)
        return await avatar.set_avatar(
            audit_context(request), principal_of(request).user_id, content
        )

    @get("/avatar", summary="Your picture")
    async def read_avatar(self, request: Request) -> Response:
        p = principal_of(request)
        return avatar_response(request, *await avatar.read_avatar(p.scope, p.user_id, p.user_id))

    @delete("/avatar", summary="Remove your picture", status_code=204)
    async def remove_avatar(self, request: Request) -> None:
        await avatar.remove_avatar(audit_context(request), principal_of(request).user_id)

    @post(
        "/password",
        summary="Change your password",
        status_code=204,
        responses=problem_responses(429),
    )
    async def change_password(self, request: Request, data: JSONBody[PasswordChange]) -> None:
        p = principal_of(request)
        await password.change_password(audit_context(request), p.user_id, data, p.token_id)

    @post(
        "/delete",
        summary="Delete your account (password and the phrase delete-account)",
        status_code=204,
        responses=problem_responses(429),
    )
    async def delete_account(self, request: Request, data: JSONBody[AccountDelete]) -> None:
        await deletion.delete_own_account(
            audit_context(request), principal_of(request).user_id, data
        )

    @get("/tokens", summary="Your live API tokens (never their secrets)")
    async def list_tokens(self, request: Request) -> list[TokenOut]:
        p = principal_of(request)
        return await api_tokens.list_tokens(p.user_id, p.token_id)

    @post("/tokens", summary="Create an API token; its secret is shown only in this response")
    async def create_token(self, request: Request, data: JSONBody[TokenCreate]) -> TokenCreated:
        return await api_tokens.create_token(
            audit_context(request), principal_of(request).user_id, data
        )

    @delete("/tokens/{token_id:int}", summary="Revoke one of your API tokens", status_code=204)
    async def revoke_token(self, request: Request, token_id: FromPath[int]) -> None:
        await api_tokens.revoke(audit_context(request), principal_of(request).user_id, token_id)


class UserTokensController(Controller):
    """Administrators see and revoke the API tokens of users in their scope."""

    path = "/users/{user_id:int}/tokens"
    tags = ["Users"]

    @get("/", summary="A user's live API tokens", guards=[USERS_VIEW])
    async def list(self, request: Request, user_id: FromPath[int]) -> list[TokenOut]:
        p = principal_of(request)
        return await api_tokens.list_tokens(await api_tokens.user_in_scope(p.scope, user_id))

    @delete(
        "/{token_id:int}",
        summary="Revoke a user's API token",
        status_code=204,
        guards=[USERS_MANAGE],
    )
    async def revoke(
        self, request: Request, user_id: FromPath[int], token_id: FromPath[int]
    ) -> None:
        p = principal_of(request)
        target = await api_tokens.user_in_scope(p.scope, user_id)
        await standing.check_user_not_above(p, target)
        await api_tokens.revoke(audit_context(request), target, token_id)


API_HANDLERS = [MeController, UserTokensController]
