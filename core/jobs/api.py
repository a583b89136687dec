"""REST endpoints for the caller's jobs under /api/v1/jobs: status, progress, result file."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import File

from core.access.guards import requires
from core.jobs import service
from core.jobs.schemas import JobOut, JobPage
from core.web import csv_export
from core.web.context import principal_of
from core.web.listing import ListQueryParam, make_page, paging

Status = Literal["queued", "running", "done", "failed"]


class JobController(Controller):
    """Jobs are the company's exports so far, so reading them is the Export permission."""

    path = "/jobs"
    tags = ["Jobs"]
    guards = [requires(("export", "portal_export"), "view")]

    @get(
        "/",
        summary="List your company's background jobs",
        dependencies={"list_query": paging("created_at", service.SORTABLE)},
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        kind: Annotated[str | None, QueryParameter(max_length=64)] = None,
        status: FromQuery[Status | None] = None,
    ) -> JobPage:
        items, total, cursors = await service.list_jobs(
            principal_of(request).scope, list_query, kind, status
        )
        return make_page(items, total, list_query, JobPage, cursors)

    @get("/{job_id:int}", summary="One job: status, progress and download link when done")
    async def read(self, request: Request, job_id: FromPath[int]) -> JobOut:
        return await service.get_job(principal_of(request).scope, job_id)

    @get(
        "/{job_id:int}/download",
        summary="The result file of a finished job (the audit export's CSV)",
        media_type=csv_export.MEDIA_TYPE,
    )
    async def download(self, request: Request, job_id: FromPath[int]) -> Response:
        name, content = await service.open_result(principal_of(request).scope, job_id)
        if isinstance(content, Path):
            return File(path=content, filename=name, content_disposition_type="attachment")
        # Typed by its name as File does for a local path, so both storages answer alike.
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(
            content=content,
            media_type=guessed,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
