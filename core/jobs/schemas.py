"""The job shapes returned by the API and used by the UI."""

from __future__ import annotations

from datetime import datetime

import msgspec


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


class JobPage(msgspec.Struct):
    items: list[JobOut]
    total: int
    page: int
    page_size: int
    pages: int
    total_is_capped: bool = False
    first: str | None = None
    previous: str | None = None
    next: str | None = None
    last: str | None = None
