"""Invitations: create, resend, revoke, delete, read, and the token lookup of sign-up.

The link carries a random token; only its SHA-256 is stored, so the database alone cannot
be used to sign up. Resending replaces the token (the old link stops working) and the expiry.
An invitation past its expiry reads as ``expired`` at once; the hourly job only persists it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.auth.principal import Principal
from core.db.engine import transaction
from core.db.search import matches
from core.errors import Conflict, DomainError, NotFound
from core.events import announce
from core.mail import dispatch_email, store_email
from core.settings import get_settings
from core.users import rules, standing
from core.users.models import Invitation
from core.users.schemas import InvitationCreate, InvitationOut
from core.web.listing import ListQuery, fetch_page

TOKEN_BYTES = 32
AUDITED = [
    Invitation.id,
    Invitation.company,
    Invitation.email,
    Invitation.group,
    Invitation.role,
    Invitation.is_admin,
    Invitation.two_factor,
    Invitation.status,
    Invitation.expires_at,
]
OUT_COLUMNS = [
    *AUDITED,
    Invitation.company.name.as_alias("company_name"),
    Invitation.role.name.as_alias("role_name"),
    Invitation.created_at,
    Invitation.updated_at,
    Invitation.accepted_at,
    Invitation.user,
]
SORTABLE = {
    "id": Invitation.id,
    "email": Invitation.email,
    "company": Invitation.sort_company,
    "status": Invitation.status,
    "last_active": Invitation.updated_at,
    "created_at": Invitation.created_at,
}


class InvitationGone(DomainError):
    """The link was valid once but is expired or revoked: 410, with the reason in ``reason``."""

    status_code = 410
    title = "Gone"

    DETAILS = {
        "expired": "this invitation has expired; ask for a new one",
        "revoked": "this invitation was revoked",
        "disabled": "the company of this invitation is disabled",
    }

    def __init__(self, reason: str):
        super().__init__(self.DETAILS[reason])
        self.reason = reason


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def effective_status(row: dict) -> str:
    if row["status"] == "invited" and _aware(row["expires_at"]) <= now():
        return "expired"
    return row["status"]


def status_clause(status: str):
    """SQL for a listed status, with the expiry applied the same way ``effective_status`` does."""
    moment = now()
    if status == "invited":
        return (Invitation.status == "invited") & (Invitation.expires_at > moment)
    if status == "expired":
        return (Invitation.status == "expired") | (
            (Invitation.status == "invited") & (Invitation.expires_at <= moment)
        )
    return Invitation.status == status


@dataclass(frozen=True)
class InvitationFilters:
    q: str | None = None
    group: str | None = None
    company_id: int | None = None
    status: str | None = None
    role_id: int | None = None

    def clauses(self) -> list:
        clauses = [Invitation.status != "accepted"]
        if self.q:
            clauses.append(matches(Invitation.email, self.q))
        if self.group:
            clauses.append(Invitation.group == self.group)
        if self.company_id is not None:
            clauses.append(Invitation.company == self.company_id)
        if self.status:
            clauses.append(status_clause(self.status))
        if self.role_id is not None:
            clauses.append(Invitation.role == self.role_id)
        return clauses


def to_out(row: dict) -> InvitationOut:
    return InvitationOut(
        id=row["id"],
        email=row["email"],
        company_id=row["company"],
        company_name=row["company_name"],
        group=row["group"],
        role_id=row["role"],
        role_name=row.get("role_name"),
        is_admin=row["is_admin"],
        two_factor=row["two_factor"],
        status=effective_status(row),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        accepted_at=row["accepted_at"],
        user_id=row["user"],
    )


async def list_invitations(principal: Principal, filters: InvitationFilters, query: ListQuery):
    where = [*rules.visible(Invitation, principal), *filters.clauses()]
    rows, total, cursors = await fetch_page(Invitation, OUT_COLUMNS, where, query, SORTABLE)
    return [to_out(r) for r in rows], total, cursors


async def get_invitation(principal: Principal, invitation_id: int) -> InvitationOut:
    return to_out(await rules.get_visible(Invitation, principal, invitation_id, *OUT_COLUMNS))


def new_token() -> tuple[str, str, datetime]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token), now() + timedelta(hours=get_settings().invitation_hours)


def signup_link(token: str) -> str:
    return f"{get_settings().public_base_url}/signup/{token}"


async def store_invitation_email(company_id: int, email: str, token: str, expires: datetime):
    link = signup_link(token)
    hours = get_settings().invitation_hours
    text = (
        "Hello,\n\nyou are invited to create an account in BackOffice.\n"
        f"Open this link to sign up:\n\n{link}\n\n"
        f"The link works once and expires in {hours} hours ({expires:%Y-%m-%d %H:%M} UTC).\n"
        "If you did not expect this invitation, ignore this message.\n"
    )
    html = (
        "<p>Hello,</p><p>you are invited to create an account in BackOffice.</p>"
        f'<p><a href="{link}">Sign up</a></p>'
        f"<p>The link works once and expires in {hours} hours.</p>"
    )
    return await store_email(company_id, email, "Your invitation to BackOffice", text, html)


async def create_invitation(ctx: AuditContext, principal: Principal, data: InvitationCreate) -> int:
    """The new invitation's id; the email is queued once the invitation is committed."""
    email = rules.normalize_email(data.email)
    async with transaction():
        company = await rules.target_company(principal, data.company_id)
        rules.check_group(principal, company, data.group)
        role = await rules.check_role(company, data.group, data.role_id, data.is_admin)
        await standing.check_grant(principal, data.group, role, data.is_admin)
        if await rules.email_taken(email):
            raise Conflict(
                "a user with this email already exists",
                [{"field": "email", "message": "a user with this email already exists"}],
            )
        pending = Invitation.exists().where(Invitation.email == email, status_clause("invited"))
        if await pending:
            raise Conflict(
                "this email already has a pending invitation",
                [{"field": "email", "message": "already invited; resend that invitation"}],
            )
        token, token_hash, expires = new_token()
        invitation = Invitation(
            company=company["id"],
            email=email,
            group=data.group,
            role=role,
            is_admin=data.is_admin,
            two_factor=data.two_factor or company["two_factor_required"],
            token_hash=token_hash,
            status="invited",
            expires_at=expires,
            invited_by=ctx.user_id,
        )
        await invitation.save()
        row = await Invitation.select(*AUDITED).where(Invitation.id == invitation.id).first()
        email_id = await store_invitation_email(company["id"], email, token, expires)
        await record_event(
            ctx,
            "User invited",
            [
                Change(
                    "invitations",
                    "insert",
                    invitation.id,
                    {},
                    snapshot(Invitation, row),
                    company["id"],
                )
            ],
        )
        await announce.user_invited(ctx.user_id, invitation.id)
    await dispatch_email(email_id)
    return invitation.id


async def _change_status(
    ctx: AuditContext,
    principal: Principal,
    invitation_id: int,
    action: str,
    allowed: tuple,
    values: dict,
) -> dict:
    old = await rules.get_visible(Invitation, principal, invitation_id, *AUDITED)
    await standing.check_not_above(principal, old, "invitation")
    current = effective_status(old)
    if current not in allowed:
        raise Conflict(f"an invitation that is {current} cannot be {action.split()[-1]}")
    new = {**old, **{k._meta.name: v for k, v in values.items()}}
    await Invitation.update({**values, Invitation.updated_at: now()}).where(
        Invitation.id == invitation_id
    )
    before, after = diff(snapshot(Invitation, old), snapshot(Invitation, new))
    await record_event(
        ctx,
        action,
        [Change("invitations", "update", invitation_id, before, after, old["company"])],
    )
    return old


async def resend_invitation(ctx: AuditContext, principal: Principal, invitation_id: int) -> None:
    """A new token and expiry, and a new email; the previous link no longer works."""
    async with transaction():
        token, token_hash, expires = new_token()
        old = await _change_status(
            ctx,
            principal,
            invitation_id,
            "Invitation resent",
            ("invited", "expired"),
            {
                Invitation.token_hash: token_hash,
                Invitation.expires_at: expires,
                Invitation.status: "invited",
            },
        )
        email_id = await store_invitation_email(old["company"], old["email"], token, expires)
    await dispatch_email(email_id)


async def revoke_invitation(ctx: AuditContext, principal: Principal, invitation_id: int) -> None:
    async with transaction():
        await _change_status(
            ctx,
            principal,
            invitation_id,
            "Invitation revoked",
            ("invited", "expired"),
            {Invitation.status: "revoked"},
        )


async def delete_invitation(ctx: AuditContext, principal: Principal, invitation_id: int) -> None:
    async with transaction():
        old = await rules.get_visible(Invitation, principal, invitation_id, *AUDITED)
        if old["status"] == "accepted":
            raise Conflict("an accepted invitation belongs to its user; delete the user instead")
        await standing.check_not_above(principal, old, "invitation")
        await Invitation.delete().where(Invitation.id == invitation_id)
        await record_event(
            ctx,
            "Invitation deleted",
            [
                Change(
                    "invitations",
                    "delete",
                    invitation_id,
                    snapshot(Invitation, old),
                    {},
                    old["company"],
                )
            ],
        )


async def find_by_token(token: str) -> dict:
    """The open invitation behind a sign-up link, or why it cannot be used.

    Unknown and already used links get the same 404, so a link cannot be probed for whether it
    once existed; expired and revoked links say so (410), since their owner needs to know.
    """
    row = None
    if token and len(token) <= 200:
        row = (
            await Invitation.select(
                *AUDITED,
                Invitation.company.name.as_alias("company_name"),
                Invitation.company.two_factor_required.as_alias("company_two_factor"),
                Invitation.company.enabled.as_alias("company_enabled"),
            )
            .where(Invitation.token_hash == hash_token(token))
            .first()
        )
    if row is None or row["status"] == "accepted":
        raise NotFound("this sign-up link is not valid or has already been used")
    status = effective_status(row)
    if status in ("expired", "revoked"):
        raise InvitationGone(status)
    if not row["company_enabled"]:
        raise InvitationGone("disabled")
    return row


async def expire_overdue() -> int:
    """Persist ``expired`` on invitations past their expiry; how many changed."""
    overdue = (Invitation.status == "invited") & (Invitation.expires_at <= now())
    async with transaction():
        count = await Invitation.count().where(overdue)
        if count:
            await Invitation.update({Invitation.status: "expired"}).where(overdue)
    return count
