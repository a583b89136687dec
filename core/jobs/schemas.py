"""The job shapes returned by the API and used by the UI."""

from __future__ import annotations

from datetime import datetime

import msgspec

from core.web.listing import Page


class JobOut(msgspec.Struct):
    id: int
    kind: str
    status: str
    progress: int
    processed: int
    total: int
    message: str
    result_name: str
    download_url: str | None
    user_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobPage(Page):
    items: list[JobOut]
