"""The password policy as a resource: read and change it (system-owner admins with Settings).

Only the system owner has a policy; for any other company it does not exist, so the answer is
404 as for any object outside the caller's scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, put
from litestar.params import JSONBody

from core.access.guards import requires
from core.audit.recorder import AuditContext, Change, diff, record_event
from core.auth.models import PasswordPolicy
from core.auth.policy import POLICY_FIELDS, forget_cache, policy_row
from core.auth.principal import Principal
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import NotFound
from core.web.context import audit_context, principal_of


class PolicyIn(msgspec.Struct, forbid_unknown_fields=True):
    """0 turns a time-based rule off; a generated password has 20 characters, hence the cap."""

    min_length: Annotated[int, msgspec.Meta(ge=6, le=20)]
    required_classes: Annotated[int, msgspec.Meta(ge=1, le=4)]
    history_size: Annotated[int, msgspec.Meta(ge=0, le=24)]
    max_age_days: Annotated[int, msgspec.Meta(ge=0, le=3650)]
    min_age_hours: Annotated[int, msgspec.Meta(ge=0, le=720)]
    inactivity_days: Annotated[int, msgspec.Meta(ge=0, le=3650)]
    idle_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)]


class PolicyOut(PolicyIn):
    updated_at: datetime | None = None


def ensure_system_owner(principal: Principal) -> None:
    if principal.company_kind != "owner":
        raise NotFound("password policy not found")


def to_out(row: dict) -> PolicyOut:
    return PolicyOut(**{k: row[k] for k in POLICY_FIELDS}, updated_at=row["updated_at"])


async def read_policy(principal: Principal) -> PolicyOut:
    ensure_system_owner(principal)
    return to_out(await policy_row())


async def update_policy(principal: Principal, ctx: AuditContext, data: PolicyIn) -> PolicyOut:
    ensure_system_owner(principal)
    row = await policy_row()
    values = msgspec.structs.asdict(data)
    old, new = diff({k: row[k] for k in POLICY_FIELDS}, values)
    if new:
        async with transaction():
            changes = {getattr(PasswordPolicy, k): v for k, v in values.items()}
            changes[PasswordPolicy.updated_at] = now()
            await PasswordPolicy.update(changes).where(PasswordPolicy.id == row["id"])
            await record_event(
                ctx,
                "Password policy changed",
                [Change("password_policies", "update", row["id"], old, new, row["company"])],
            )
        forget_cache()
    return to_out(await policy_row())


class PasswordPolicyController(Controller):
    path = "/password-policy"
    tags = ["Security"]

    @get("/", summary="The password policy of the system owner", guards=[requires("settings")])
    async def show(self, request: Request) -> PolicyOut:
        return await read_policy(principal_of(request))

    @put("/", summary="Change the password policy", guards=[requires("settings", "manage")])
    async def change(self, request: Request, data: JSONBody[PolicyIn]) -> PolicyOut:
        return await update_policy(principal_of(request), audit_context(request), data)


API_HANDLERS = [PasswordPolicyController]
