"""Users and their credentials; secrets are stored only as hashes."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company

USER_STATUSES = ("invited", "expired", "revoked", "active", "inactive")


class User(Table, tablename="users"):
    __owner__ = "company"
    __secret_columns__ = ("password_hash",)

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=254, unique=True)
    login = Varchar(length=64, unique=True, null=True, default=None)
    password_hash = Varchar(length=255, default="")
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    status = Varchar(length=16, default="active")
    is_admin = Boolean(default=False)
    must_change_password = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)


class AuthToken(Table, tablename="auth_tokens"):
    """A UI session or an API bearer token; only the SHA-256 of the secret is stored."""

    __owner__ = "user"
    __secret_columns__ = ("token_hash",)

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="api")
    token_hash = Varchar(length=64, unique=True)
    name = Varchar(length=100, default="")
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
