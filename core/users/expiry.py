"""Hourly: persist ``expired`` on invitations past their expiry.

Reads already treat an overdue invitation as expired; storing it keeps the column truthful for
anything that reads the table directly (reports, exports, plugins).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.jobs import every, job
from core.users.invitations import expire_overdue

log = logging.getLogger("backoffice.users")


@job(queue_name="default", max_retries=0)
async def expire_invitations() -> None:
    if count := await expire_overdue():
        log.info("%d invitations expired", count)


JOBS = [expire_invitations]
SCHEDULES = [every(timedelta(hours=1), expire_invitations)]
