"""Roles grant a level (none, view, manage) per permission area.

System roles belong to the system owner, are available to every company and cannot be edited;
custom roles belong to the company that created them and list the companies that may use them.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.models import Company

ROLE_GROUPS = ("backoffice", "portal")
LEVELS = ("none", "view", "manage")


class Role(Table, tablename="roles"):
    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=40)
    description = Text(default="")
    group = Varchar(length=16, default="backoffice")
    is_system = Boolean(default=False, index=True)
    template = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class RolePermission(Table, tablename="role_permissions"):
    __owner__ = "role"

    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, index=True)
    area = Varchar(length=64)
    level = Varchar(length=8, default="none")


class RoleCompany(Table, tablename="role_companies"):
    """A company (created by the role's owner) whose users may be given the role."""

    __owner__ = "role"

    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, index=True)
    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
