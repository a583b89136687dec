"""An audit event is one user action; its changes are the rows it touched."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.auth.models import User
from tenants.models import Company, tenant_column


class AuditEvent(Table, tablename="audit_events"):
    """``company`` is the acting user's company: the tenant whose log shows the event."""

    __owner__ = "company"

    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    tenant_id = tenant_column()
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    user_label = Varchar(length=254, default="")
    ip = Varchar(length=64, default="")
    action = Varchar(length=200, index=True)


class AuditChange(Table, tablename="audit_changes"):
    __owner__ = "event"

    event = ForeignKey(references=AuditEvent, on_delete=OnDelete.cascade, index=True)
    table_name = Varchar(length=100, index=True)
    operation = Varchar(length=16)
    object_id = Integer(index=True)
    object_company_id = Integer(null=True, default=None)
    old_values = JSON(default="{}")
    new_values = JSON(default="{}")
