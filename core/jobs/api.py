"""REST endpoints for the caller's jobs under /api/v1/jobs: status, progress, result file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from litestar.response import File

from core.jobs import service
from core.jobs.schemas import JobOut, JobPage
from core.web.context import principal_of
from core.web.listing import DEFAULT_PAGE_SIZE, ListQuery, make_page

Status = Literal["queued", "running", "done", "failed"]


class JobController(Controller):
    path = "/jobs"
    tags = ["Jobs"]

    @get("/", summary="List your company's background jobs")
    async def list(
        self,
        request: Request,
        page: Annotated[int, Parameter(ge=1)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=500)] = DEFAULT_PAGE_SIZE,
        sort: str = "created_at",
        order: str = "desc",
        kind: Annotated[str, Parameter(max_length=64)] | None = None,
        status: Status | None = None,
    ) -> JobPage:
        query = ListQuery(page=page, page_size=page_size, sort=sort, order=order)
        items, total = await service.list_jobs(principal_of(request).scope, query, kind, status)
        page_ = make_page(items, total, query)
        return JobPage(**{f: getattr(page_, f) for f in page_.__struct_fields__})

    @get("/{job_id:int}", summary="One job: status, progress and download link when done")
    async def read(self, request: Request, job_id: int) -> JobOut:
        return await service.get_job(principal_of(request).scope, job_id)

    @get("/{job_id:int}/download", summary="The result file of a finished job")
    async def download(self, request: Request, job_id: int) -> Response:
        name, content = await service.open_result(principal_of(request).scope, job_id)
        if isinstance(content, Path):
            return File(path=content, filename=name, content_disposition_type="attachment")
        return Response(
            content=content,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
