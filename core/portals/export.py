"""The portals' CSV export read straight into columns, without a ``PortalOut`` a row.

Portals are 33 fields wide; building the Struct a row (``service.to_out``, its JSON columns
decoded per row) and taking it apart again a field at a time was a third of the export
(issue 9). Each column of a batch is made whole from the rows the list reads
(``service.page_rows``): the values ``to_out`` would put in the Struct, by the same functions,
the JSON columns decoded once per distinct text; the plan of ``PortalOut`` then formats them
like any list. ``tests/test_csv_export.py`` checks every cell against the Struct path.
"""

from __future__ import annotations

from core.portals import service
from core.portals.domain import backoffice_url
from core.portals.uploads import SLOTS
from core.web.csv_cells import Columns, once
from core.web.listing import Cursors, ListQuery
from tenants.scope import Scope

# PortalOut's fields read as they are from the list's row: field -> the row's key
AS_READ = {
    "id": "id",
    "company_id": "company",
    "company_name": "company_name",
    "name": "name",
    "fqdn": "fqdn",
    "status": "status",
    "theme": "theme",
    "title": "title",
    "primary_color": "primary_color",
    "display_branding": "display_branding",
    "shortener_domain": "shortener_domain",
    "intercom_enabled": "intercom_enabled",
    "intercom_app_id": "intercom_app_id",
    "support_email": "support_email",
    "domain_status": "domain_status",
    "domain_message": "domain_message",
    "domain_checked_at": "domain_checked_at",
    "certificate_mode": "certificate_mode",
    "certificate_status": "certificate_status",
    "certificate_message": "certificate_message",
    "certificate_subject": "certificate_subject",
    "certificate_expires_at": "certificate_expires_at",
    "created_by_id": "created_by",
    "created_by": "created_by_email",
    "updated_by_id": "updated_by",
    "updated_by": "updated_by_email",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def _languages(value: object) -> list:
    return service._json(value, [])


def _descriptions(value: object) -> dict:
    return service._json(value, {})


async def columns(
    scope: Scope, filters: service.PortalFilters, query: ListQuery
) -> tuple[Columns, int, Cursors]:
    """One batch of ``list_portals`` as columns (``csv_export.respond``'s ``columns``)."""
    read = await service.batch_columns(scope, filters, query)
    values = {(field,): read[key] for field, key in AS_READ.items()}
    values[("backoffice_url",)] = [backoffice_url(fqdn) for fqdn in read["fqdn"]]
    values[("languages",)] = once(_languages, read["languages"])
    values[("login_descriptions",)] = once(_descriptions, read["login_descriptions"])
    values[("intercom_secret_set",)] = [bool(secret) for secret in read["intercom_secret"]]
    slots = zip(*(read[slot] for slot in SLOTS), strict=True) if read.size else iter(())
    values[("files",)] = [_files(paths) if any(paths) else [] for paths in slots]
    return Columns(read.size, values), 0, Cursors()


def _files(paths: tuple) -> list[str]:
    """The slots holding a file (``to_out``'s ``files``), in ``SLOTS`` order."""
    return [slot for slot, path in zip(SLOTS, paths, strict=True) if path]
