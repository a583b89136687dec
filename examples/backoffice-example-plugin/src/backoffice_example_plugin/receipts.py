"""Delivery receipts: the gateway posts them to a public webhook, a page lists them.

The table is tenant-owned (``__owner__``): each receipt belongs to the company whose vendor
connection the gateway reported to, found from the connection id in the webhook's URL. The
webhook is public (the gateway has no BackOffice account), so it proves who is calling with
the HMAC signature keyed by that connection's own webhook secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from backoffice_example_plugin.vendor import ExampleHttpVendor
from core.access.guards import requires
from core.errors import Invalid, NotFound
from core.plugins.context import Plugin
from core.plugins.instances import callback_target
from core.plugins.routes import public
from core.ui.render import page
from tenants.models import Company

HERE = Path(__file__).resolve().parent
AREA = "example_receipts"
PAGE_SIZE = 100


class Receipt(Table, tablename="example_delivery_receipts"):
    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    connection = Integer()  # the plugin_instances id the gateway reported to
    vendor_message_id = Varchar(length=100)
    vendor_status = Varchar(length=50)
    status = Varchar(length=20)
    received_at = Timestamptz(default=TimestamptzNow())


APP = AppConfig(
    app_name="example_gateway",
    migrations_folder_path=str(HERE / "migrations"),
    table_classes=[Receipt],
    migration_dependencies=[],
    commands=[],
)


@public
@post("/receipts/{connection_id:int}", status_code=200)
async def receive_receipts(request: Request, connection_id: FromPath[int]) -> dict[str, Any]:
    """404 for an unknown or switched-off connection, 401 for a bad signature (from
    ``parse_webhook``), 422 for a signed body that is not JSON; rows only after all of it."""
    target = await callback_target("vendor_connection", ExampleHttpVendor.key, connection_id)
    if target is None:
        raise NotFound(f"vendor connection {connection_id} not found")
    try:
        vendor = ExampleHttpVendor(target.settings)
    except Invalid:  # settings that no longer validate: the connection cannot take receipts
        raise NotFound(f"vendor connection {connection_id} not found") from None
    events = await vendor.parse_webhook(dict(request.headers), await request.body())
    rows = [
        Receipt(
            company=target.company_id,
            connection=target.id,
            vendor_message_id=(e.vendor_message_id or "")[:100],
            vendor_status=(e.vendor_status or "")[:50],
            status=e.status or "unknown",
        )
        for e in events
        if e.kind == "status"
    ]
    if rows:
        await Receipt.insert(*rows)
    return {"stored": len(rows), "ignored": len(events) - len(rows)}


@get("/receipts", guards=[requires(AREA, "view")])
async def receipts_page(request: Request, plugin: Plugin) -> Any:
    rows = (
        await Receipt.select(
            Receipt.vendor_message_id,
            Receipt.vendor_status,
            Receipt.status,
            Receipt.received_at,
        )
        .where(Receipt.company == plugin.company_id)
        .order_by(Receipt.id, ascending=False)
        .limit(PAGE_SIZE)
    )
    return await page(request, "example/receipts.html", receipts=rows, limit=PAGE_SIZE)
