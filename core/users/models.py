"""Invitations and departments; the users themselves live in ``core.auth.models``."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.access.models import Role
from core.auth.models import User
from tenants.models import Company, sort_copy, tenant_column

INVITATION_STATUSES = ("invited", "expired", "revoked", "accepted")


class Invitation(Table, tablename="invitations"):
    """A single-use sign-up link; only the SHA-256 of its token is stored."""

    __owner__ = "company"
    __secret_columns__ = ("token_hash",)

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    sort_company = sort_copy()
    tenant_id = tenant_column()
    email = Varchar(length=254, index=True)
    group = Varchar(length=16, default="backoffice")
    role = ForeignKey(references=Role, on_delete=OnDelete.restrict, null=True)
    is_admin = Boolean(default=False)
    two_factor = Boolean(default=False)
    token_hash = Varchar(length=64, unique=True)
    status = Varchar(length=16, default="invited")
    expires_at = Timestamptz()
    invited_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    accepted_at = Timestamptz(null=True, default=None)


class Department(Table, tablename="departments"):
    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)


class UserDepartment(Table, tablename="user_departments"):
    __owner__ = "user"

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    department = ForeignKey(references=Department, on_delete=OnDelete.cascade, index=True)
