"""The core services' one-line way to emit: read what the payload needs, inside the caller's
transaction (so the values are the ones being committed), and ``emit`` it for after COMMIT."""

from __future__ import annotations

from core.events.catalogue import (
    CompanyBlocked,
    CompanyCreated,
    CompanyUnblocked,
    UserInvited,
)
from core.events.delivery import emit


async def company_created(actor_user_id: int | None, company_id: int) -> None:
    from tenants.models import Company

    row = (
        await Company.select(Company.id, Company.name, Company.kind, Company.parent, Company.path)
        .where(Company.id == company_id)
        .first()
    )
    await emit(
        CompanyCreated(
            company_id=row["id"],
            company_path=row["path"],
            actor_user_id=actor_user_id,
            parent_id=row["parent"],
            company_name=row["name"],
            kind=row["kind"],
        )
    )


async def company_blocked(actor_user_id: int | None, company_id: int, blocked: bool) -> None:
    from tenants.models import Company

    row = (
        await Company.select(Company.id, Company.name, Company.path)
        .where(Company.id == company_id)
        .first()
    )
    cls = CompanyBlocked if blocked else CompanyUnblocked
    await emit(
        cls(
            company_id=row["id"],
            company_path=row["path"],
            actor_user_id=actor_user_id,
            company_name=row["name"],
        )
    )


async def user_invited(actor_user_id: int | None, invitation_id: int) -> None:
    from core.users.models import Invitation

    row = (
        await Invitation.select(
            Invitation.id,
            Invitation.company,
            Invitation.company.path,
            Invitation.email,
            Invitation.group,
            Invitation.role,
            Invitation.is_admin,
            Invitation.expires_at,
        )
        .where(Invitation.id == invitation_id)
        .first()
    )
    await emit(
        UserInvited(
            company_id=row["company"],
            company_path=row["company.path"],
            actor_user_id=actor_user_id,
            invitation_id=row["id"],
            email=row["email"],
            group=row["group"],
            role_id=row["role"],
            is_admin=bool(row["is_admin"]),
            expires_at=row["expires_at"],
        )
    )


async def agreement_version_started(actor_user_id: int | None, version_id: int) -> None:
    """A version just recorded: announced now if its terms are already in force, else by
    ``core.events.starts`` once ``effective_from`` arrives."""
    from core.events.starts import announce_starts

    await announce_starts(actor_user_id, version_ids=[version_id])
