"""Users and their credentials; secrets are stored only as hashes."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.access.models import Role
from tenants.models import Company, sort_copy, tenant_column

USER_STATUSES = ("invited", "expired", "revoked", "active", "inactive")
USER_GROUPS = ("backoffice", "portal")


class User(Table, tablename="users"):
    __owner__ = "company"
    __secret_columns__ = ("password_hash", "totp_secret")

    company = ForeignKey(references=Company, on_delete=OnDelete.restrict, index=True)
    sort_company = sort_copy()
    tenant_id = tenant_column()
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
    last_active_at = Timestamptz(null=True, default=None)
    group = Varchar(length=16, default="backoffice")
    role = ForeignKey(references=Role, on_delete=OnDelete.restrict, null=True, index=True)
    phone = Varchar(length=32, default="")
    two_factor_enabled = Boolean(default=False)
    two_factor_method = Varchar(length=8, default="")
    totp_secret = Varchar(length=255, default="")
    failed_code_attempts = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    avatar_key = Varchar(length=300, default="")
    appearance = Varchar(length=16, default="light")
    language = Varchar(length=8, default="en")


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
    scopes = JSON(default="[]")


class PasswordHistory(Table, tablename="password_history"):
    """Earlier password hashes, so a user cannot cycle back to a recent password."""

    __owner__ = "user"
    __secret_columns__ = ("password_hash",)

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    password_hash = Varchar(length=255)
    created_at = Timestamptz(default=TimestamptzNow())


class RecoveryCode(Table, tablename="recovery_codes"):
    __owner__ = "user"
    __secret_columns__ = ("code_hash",)

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=255)
    created_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)


class OneTimeCode(Table, tablename="one_time_codes"):
    """A code sent by SMS (sign-in, phone confirmation); only its hash is kept."""

    __owner__ = "user"
    __secret_columns__ = ("code_hash",)

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=16)
    code_hash = Varchar(length=255)
    phone = Varchar(length=32, default="")
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    consumed_at = Timestamptz(null=True, default=None)


class PasswordPolicy(Table, tablename="password_policies"):
    """The system owner's password rules (appendix 1 defaults); one row, owned by the root."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, unique=True)
    min_length = Integer(default=8)
    required_classes = Integer(default=3)
    history_size = Integer(default=7)
    max_age_days = Integer(default=60)
    min_age_hours = Integer(default=24)
    inactivity_days = Integer(default=180)
    idle_minutes = Integer(default=60)
    updated_at = Timestamptz(default=TimestamptzNow())
