"""Background jobs that a person waits for: status and progress are visible in UI and API."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.auth.models import User
from tenants.models import Company

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(Table, tablename="jobs"):
    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    kind = Varchar(length=64, index=True)
    status = Varchar(length=16, default="queued")
    progress = Integer(default=0)
    total = Integer(default=0)
    message = Text(default="")
    params = JSON(default="{}")
    result_path = Varchar(length=500, default="")
    result_name = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
