"""The "Try a rate" panel of a service's page: what the service charges for one event at a
local date-time, through the same evaluation as ``POST /api/v1/services/{id}/evaluate``.

The panel is a GET form, so it works without JavaScript (the answer comes back as the
service page); ``constructor.js`` submits it in place and swaps the attribute fields when the
resource changes (``?partial=1`` answers the panel alone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.params import FromPath

from core import periods
from core.access.guards import requires
from core.accounts.agreements.ui import local_input
from core.catalogue.domains.service import available
from core.catalogue.services import service as services
from core.catalogue.trees import evaluation, store
from core.catalogue.trees.schemas import EvaluateIn, EvaluationOut
from core.errors import Invalid
from core.ui.forms import by_field
from core.ui.render import page
from core.validation import Problems
from core.web.context import principal_of
from tenants.scope import Scope

VIEW = [requires("services", "view")]
ATTRIBUTE = "attr."
MAX_TEXT = 200


async def _resources(scope: Scope) -> list[dict]:
    """Every resource the company can price, as ``domain/resource`` choices in domain order."""
    domains = await available(scope)
    out = []
    for key in sorted(domains):
        channel = domains[key].declaration
        for resource in channel.resources:
            out.append(
                {
                    "value": f"{key}/{resource.key}",
                    "domain": key,
                    "domain_name": channel.name,
                    "resource": resource.key,
                    "name": resource.name,
                    "attributes": [(a.name, a.label, a.dictionary) for a in resource.attributes],
                }
            )
    return out


async def _default(service_id: int, resources: list[dict]) -> dict | None:
    """The first resource of a domain the service prices, so the panel opens on its channel."""
    priced = (await store.domains_of([service_id])).get(service_id, set())
    return next(
        (r for r in resources if r["domain"] in priced), resources[0] if resources else None
    )


def _event(values: dict, chosen: dict, problems: Problems) -> EvaluateIn | None:
    zone = problems.attempt(periods.zone, values["timezone"], default=ZoneInfo("UTC"))
    at = None
    if values["at"]:
        try:
            local = datetime.fromisoformat(local_input(values["at"]))
        except ValueError:
            problems.add("at", "is not a date and time (YYYY-MM-DD HH:MM)")
        else:
            at = problems.attempt(periods.instant, local.replace(tzinfo=None), zone, "at")
    attributes = {
        key: values["attributes"][key]
        for key, _, _ in chosen["attributes"]
        if values["attributes"].get(key)
    }
    if problems.errors:
        return None
    return EvaluateIn(
        domain=chosen["domain"], resource=chosen["resource"], attributes=attributes, at=at
    )


async def panel(request: Request, service_id: int, run: bool) -> dict:
    """The panel's context: the form as sent (defaults: now, UTC, the first resource) and,
    when asked to run, the evaluation or the field errors."""
    scope = principal_of(request).scope
    params = request.query_params
    resources = await _resources(scope)
    by_value = {r["value"]: r for r in resources}
    values = {
        "at": params.get("at", "").strip()[:MAX_TEXT],
        "timezone": params.get("timezone", "").strip()[:MAX_TEXT] or "UTC",
        "resource": params.get("resource", "").strip()[:MAX_TEXT],
        "attributes": {
            k.removeprefix(ATTRIBUTE): v.strip()[:MAX_TEXT]
            for k, v in params.items()
            if k.startswith(ATTRIBUTE)
        },
    }
    chosen = by_value.get(values["resource"]) or await _default(service_id, resources)
    problems = Problems()
    result: EvaluationOut | None = None
    if run and chosen is None:
        problems.add("resource", "no resource can be priced: no channel is on for your company")
    elif run:
        if values["resource"] and values["resource"] not in by_value:
            problems.add("resource", "is not a resource your company can price")
        event = _event(values, chosen, problems)
        if event is not None:
            try:
                result = await evaluation.evaluate(scope, service_id, event)
            except Invalid as exc:
                for error in exc.errors:
                    problems.add(error["field"], error["message"])
    return {
        "try_values": values,
        "try_resources": resources,
        "try_chosen": chosen,
        "try_result": result,
        "try_errors": by_field(problems.errors),
        "zones": periods.zone_names(),
    }


@get("/services/{service_id:int}/try", include_in_schema=False, guards=VIEW)
async def try_rate(request: Request, service_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    found = await services.get_service(scope, service_id)
    context = await panel(request, service_id, run=request.query_params.get("run") == "1")
    if request.query_params.get("partial") == "1":
        return await page(request, "services/try_panel.html", service=found, **context)
    from core.catalogue.services.ui import view_context

    return await page(
        request,
        "services/view.html",
        active="services",
        **await view_context(request, found),
        **context,
    )


HANDLERS = [try_rate]
