"""Checks shared by invitations, sign-up and user editing, so every path applies the same rules.

Which group a company may have users in: client companies only have client-portal users; the
system owner and resellers have both BackOffice and client-portal users.
"""

from __future__ import annotations

import re

import phonenumbers
from piccolo.columns.combination import WhereRaw
from piccolo.table import Table

from core.auth.models import User
from core.auth.principal import Principal
from core.errors import Invalid, NotFound
from tenants.models import Company
from tenants.scope import in_scope

LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9._]+$")
LOGIN_MIN, LOGIN_MAX = 3, 32


def visible(table: type[Table], principal: Principal) -> list:
    """WHERE clauses for the users or invitations ``principal`` may see and manage.

    The usual scope (own company and the companies it created), narrowed for client-portal
    callers to client-portal users of their own company.
    """
    if principal.group == "portal":
        clauses = [table.company == principal.company_id]
        if any(c._meta.name == "group" for c in table._meta.columns):
            clauses.append(table.group == "portal")
        return clauses
    return [in_scope(table, principal.scope)]


async def get_visible(table: type[Table], principal: Principal, object_id: int, *columns) -> dict:
    row = (
        await table.select(*columns)
        .where(table._meta.primary_key == object_id, *visible(table, principal))
        .first()
    )
    if row is None:
        noun = "user" if table._meta.tablename == "users" else "invitation"
        raise NotFound(f"{noun} {object_id} not found")
    return row


async def target_company(principal: Principal, company_id: int) -> dict:
    """The caller's own company or one it created; anything else is "not found"."""
    scope = principal.scope
    mine = Company.id == scope.company_id
    if principal.group != "portal":
        mine = mine | (Company.parent == scope.company_id)
    row = (
        await Company.select(Company.id, Company.name, Company.kind, Company.two_factor_required)
        .where(Company.id == company_id, mine)
        .first()
    )
    if row is None:
        raise NotFound(f"company {company_id} not found")
    return row


def check_group(principal: Principal, company: dict, group: str) -> None:
    if group not in visible_groups(principal):
        raise Invalid.field("group", "you can invite client-portal users only")
    if company["kind"] == "client" and group != "portal":
        raise Invalid.field("group", "a client company has client-portal users only")


async def check_role(company: dict, group: str, role_id: int | None, is_admin: bool):
    """The role to store: none for "no restrictions", else one this company's users may have."""
    from core.access.service import assignable_role_ids

    if is_admin:
        return None
    if role_id is None:
        raise Invalid.field("role_id", "choose a role, or no restrictions")
    if role_id not in await assignable_role_ids(company["id"], group):
        raise Invalid.field(
            "role_id", f"no such {_group_label(group)} role available to this company"
        )
    return role_id


def visible_groups(principal: Principal) -> tuple[str, ...]:
    """Client-portal users manage client-portal users only; BackOffice users manage both."""
    return ("portal",) if principal.group == "portal" else ("backoffice", "portal")


def _group_label(group: str) -> str:
    return "BackOffice" if group == "backoffice" else "client portal"


def normalize_email(email: str) -> str:
    from core.validation import is_email

    value = (email or "").strip().lower()
    if len(value) > 254 or not is_email(value):
        raise Invalid.field("email", "must be a valid email address")
    return value


def normalize_phone(phone: str, field: str = "phone") -> str:
    """E.164 (``+4915123456789``); an empty value stays empty."""
    value = (phone or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise Invalid.field(
            field, "enter the number in international format, starting with +"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid.field(field, "this is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_login(login: str) -> str:
    value = (login or "").strip()
    if not LOGIN_MIN <= len(value) <= LOGIN_MAX:
        raise Invalid.field("login", f"must be {LOGIN_MIN} to {LOGIN_MAX} characters long")
    if not LOGIN_PATTERN.match(value):
        raise Invalid.field("login", "use only Latin letters, digits, dots and underscores")
    return value


async def login_taken(login: str) -> bool:
    return await User.exists().where(WhereRaw("LOWER(login) = LOWER({})", login))


async def email_taken(email: str) -> bool:
    return await User.exists().where(User.email == email)
