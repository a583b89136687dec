"""The list of every table, so migrations, tests and cleanup agree on what exists."""

from __future__ import annotations

from piccolo.table import Table


def all_tables() -> list[type[Table]]:
    from core.audit.models import AuditChange, AuditEvent
    from core.auth.models import AuthToken, User
    from core.jobs.models import Job
    from tenants.models import Company, Portal

    return [Company, Portal, User, AuthToken, AuditEvent, AuditChange, Job]
