"""Audit pages: the event list, one event's changes, CSV downloads and the export job's progress.

Reading, scoping and CSV rendering belong to ``core.audit``; the job's state to ``core.jobs``.
Job pages only show jobs of the signed-in user's own company, exactly like the API.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import File

from core.access.guards import requires
from core.audit import export, service
from core.errors import Invalid
from core.jobs import service as jobs
from core.jobs.purge import JOB_RETENTION_DAYS
from core.jobs.schemas import JobOut
from core.ui import audit_display as display
from core.ui.forms import by_field, read_form
from core.ui.render import page, redirect
from core.ui.tables import Column, Table, listed, pager, register
from core.web.context import audit_context, principal_of

TABLE = register(
    Table(
        name="audit",
        columns=(
            Column("id", "ID", "id", default=False),
            Column("created_at", "Date & time", "created_at"),
            Column("user", "User", "user"),
            Column("ip", "IP", "ip"),
            Column("action", "Action", "action"),
        ),
        default_sort="created_at",
    )
)
AUDIT_VIEW = [requires(("audit", "portal_audit"), "view")]
EXPORT_VIEW = [requires(("export", "portal_export"), "view")]
EXPORT_MANAGE = [*AUDIT_VIEW, requires(("export", "portal_export"), "manage")]
FILTER_FIELDS = ("action", "user", "ip", "date_from", "date_to")
OPERATIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}


def _filters(params: Any) -> tuple[service.AuditFilters | None, dict[str, str], list[dict]]:
    shown = {k: (params.get(k) or "").strip()[:200] for k in FILTER_FIELDS}
    try:
        return service.AuditFilters.from_query(shown), shown, []
    except Invalid as exc:
        return None, shown, exc.errors or [{"field": "form", "message": exc.detail}]


@get("/audit", include_in_schema=False, guards=AUDIT_VIEW)
async def audit_list(request: Request) -> Response:
    scope = principal_of(request).scope
    filters, shown, errors = _filters(request.query_params)
    query = TABLE.query(request)
    items, paged = [], pager(0, query)
    if filters is not None:
        items, paged = await listed(lambda q: service.list_events(scope, filters, q), query)
    return await page(
        request,
        "audit/list.html",
        active="audit",
        table=TABLE,
        columns=TABLE.visible(request),
        items=items,
        pager=paged,
        filters=shown,
        errors=by_field(errors),
        actions=await service.action_names(scope),
    )


@get("/audit/{event_id:int}", include_in_schema=False, guards=AUDIT_VIEW)
async def audit_detail(request: Request, event_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    event = await service.get_event(scope, event_id)
    names = display.Names(scope)
    names.want("companies", event.company_id)
    for change in event.changes:
        display.want_references(names, change)
    await names.load()
    changes = [
        {
            "change": change,
            "table": display.table_label(change.table),
            "object": _object(names, change.table, change.object_id),
            "operation": OPERATIONS.get(change.operation, change.operation),
            "rows": display.diff_rows(change, names),
            "company": _object(names, "companies", change.company_id),
        }
        for change in event.changes
    ]
    return await page(
        request,
        "audit/detail.html",
        active="audit",
        event=event,
        changes=changes,
        company=_object(names, "companies", event.company_id),
    )


def _object(names: display.Names, table: str, object_id: int | None) -> display.Shown:
    if object_id is None:
        return display.Shown("—")
    name = names.name(table, object_id) if table in display.KINDS else None
    if name is None:
        return display.Shown(f"ID {object_id}")
    return display.Shown(f"{name} (ID {object_id})", names.page(table, object_id))


@get("/audit/{event_id:int}/csv", include_in_schema=False, guards=AUDIT_VIEW)
async def audit_event_csv(request: Request, event_id: FromPath[int]) -> Response:
    event = await service.get_event(principal_of(request).scope, event_id)
    return Response(
        content=export.render_event_csv(event).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export.event_csv_name(event.id)}"'
        },
    )


@post("/audit/export", include_in_schema=False, guards=EXPORT_MANAGE)
async def audit_export(request: Request) -> Response:
    filters, _, errors = _filters(await read_form(request))
    if filters is None:
        raise Invalid("the filters of this export are not valid", errors)
    principal = principal_of(request)
    job = await export.start_export(audit_context(request), principal, filters)
    return redirect(f"/jobs/{job.id}")


def job_state(job: JobOut) -> dict[str, Any]:
    labels = {"queued": "Waiting to start…", "done": "Finished", "failed": "Failed"}
    label = labels.get(job.status) or f"In progress: {job.progress}%"
    if job.status == "running" and job.total:
        label += f" ({job.processed} of {job.total})"
    return {
        "status": job.status,
        "percent": job.progress,
        "label": label,
        "message": job.message,
        "download": f"/jobs/{job.id}/download" if job.download_url else None,
    }


@get("/jobs/{job_id:int}", include_in_schema=False, guards=EXPORT_VIEW)
async def job_page(request: Request, job_id: FromPath[int]) -> Response:
    job = await jobs.get_job(principal_of(request).scope, job_id)
    return await page(
        request,
        "job.html",
        active="audit",
        job=job,
        state=job_state(job),
        retention_days=JOB_RETENTION_DAYS,
    )


@get("/ui/jobs/{job_id:int}/status", include_in_schema=False, guards=EXPORT_VIEW)
async def job_status(request: Request, job_id: FromPath[int]) -> dict[str, Any]:
    job = await jobs.get_job(principal_of(request).scope, job_id)
    return job_state(job)


@get("/jobs/{job_id:int}/download", include_in_schema=False, guards=EXPORT_VIEW)
async def job_download(request: Request, job_id: FromPath[int]) -> Response:
    name, result = await jobs.open_result(principal_of(request).scope, job_id)
    if isinstance(result, bytes):
        return Response(
            content=result,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return File(path=result, filename=name, content_disposition_type="attachment")


HANDLERS = [
    audit_list,
    audit_detail,
    audit_event_csv,
    audit_export,
    job_page,
    job_status,
    job_download,
]
