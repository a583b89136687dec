"""The caller's own second factor over the API: status, SMS phone, authenticator app, codes.

Everything here acts on the signed-in user only, so there is no id to guess. Plain recovery
codes and a new TOTP seed appear exactly once, in the response that creates them.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody

from core.access.guards import signed_in
from core.auth import twofactor_setup as setup
from core.web.context import audit_context, principal_of
from core.web.openapi import problem_responses

# Wrong codes lock two-factor changes for a while (core.auth.twofactor.AccountLocked).
LOCKED = problem_responses(423)

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class StatusOut(msgspec.Struct):
    enabled: bool
    required: bool
    required_by_company: bool
    method: str
    phone: str
    recovery_codes_left: int


class PhoneIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(min_length=3, max_length=32)]


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code


class CodeSentOut(msgspec.Struct):
    phone: str
    code_sent: bool = True


class TotpSetupOut(msgspec.Struct):
    secret: str
    otpauth_uri: str


class RecoveryCodesOut(msgspec.Struct):
    recovery_codes: list[str]


class TwoFactorController(Controller):
    path = "/me/two-factor"
    tags = ["Security"]
    guards = [signed_in()]

    @get("/", summary="My two-factor authentication status")
    async def show(self, request: Request) -> StatusOut:
        return StatusOut(**await setup.status(principal_of(request).user_id))

    @post(
        "/phone",
        summary="Send a confirmation code to a new 2FA phone",
        status_code=202,
        responses=LOCKED,
    )
    async def phone(self, request: Request, data: JSONBody[PhoneIn]) -> CodeSentOut:
        from core.auth.sms import mask_phone

        phone = await setup.start_phone(principal_of(request).user_id, data.phone, resend=True)
        return CodeSentOut(phone=mask_phone(phone))

    @post(
        "/phone/confirm",
        summary="Confirm the phone; other sessions end",
        status_code=200,
        responses=LOCKED,
    )
    async def phone_confirm(self, request: Request, data: JSONBody[CodeIn]) -> RecoveryCodesOut:
        p = principal_of(request)
        codes = await setup.confirm_phone(
            p.user_id, data.code, audit_context(request), keep_token_id=p.token_id
        )
        return RecoveryCodesOut(recovery_codes=codes)

    @post("/totp", summary="Start authenticator-app setup (the seed is shown once)")
    async def totp(self, request: Request) -> TotpSetupOut:
        started = await setup.start_totp(principal_of(request).user_id)
        return TotpSetupOut(secret=started["secret"], otpauth_uri=started["uri"])

    @post(
        "/totp/confirm",
        summary="Confirm the authenticator app with a code",
        status_code=200,
        responses=LOCKED,
    )
    async def totp_confirm(self, request: Request, data: JSONBody[CodeIn]) -> RecoveryCodesOut:
        p = principal_of(request)
        codes = await setup.confirm_totp(
            p.user_id, data.code, audit_context(request), keep_token_id=p.token_id
        )
        return RecoveryCodesOut(recovery_codes=codes)

    @post("/recovery-codes", summary="Replace my recovery codes (shown once)", status_code=200)
    async def recovery(self, request: Request) -> RecoveryCodesOut:
        codes = await setup.regenerate_recovery_codes(
            principal_of(request).user_id, audit_context(request)
        )
        return RecoveryCodesOut(recovery_codes=codes)

    @delete("/", summary="Turn two-factor authentication off (not when the company requires it)")
    async def turn_off(self, request: Request) -> None:
        await setup.disable(principal_of(request).user_id, audit_context(request))


API_HANDLERS = [TwoFactorController]
