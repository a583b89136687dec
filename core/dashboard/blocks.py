"""The core dashboard blocks. Each counts through the service behind the matching list page,
so the tenant scope (and any narrowing) is exactly the list's."""

from __future__ import annotations

from datetime import UTC, datetime

from core.accounts.agreements import service as agreements
from core.accounts.companies import service as companies
from core.audit import service as audit
from core.auth.principal import Principal
from core.dashboard import BlockContent, DashboardBlock, Entry, Stat
from core.portals import service as portals
from core.users import directory
from core.web.listing import ListQuery

ONE = ListQuery(page=1, page_size=1)
RECENT_EVENTS = 5


async def _companies(p: Principal) -> BlockContent:
    _, total, _ = await companies.list_companies(p.scope, companies.CompanyFilters(), ONE)
    _, blocked, _ = await companies.list_companies(
        p.scope, companies.CompanyFilters(enabled=False), ONE
    )
    return BlockContent(
        stats=(
            Stat("Companies", total, "/companies"),
            Stat("Blocked", blocked, "/companies?enabled=no"),
        )
    )


async def _agreements(p: Principal) -> BlockContent:
    today = datetime.now(UTC).date()
    filters = agreements.AgreementFilters(in_force_on=today)
    _, active, _ = await agreements.list_agreements(p.scope, filters, ONE)
    href = f"/agreements?in_force_on={today.isoformat()}"
    return BlockContent(stats=(Stat("In force today", active, href),))


async def _invitations(p: Principal) -> BlockContent:
    stats = []
    for group, label in (("backoffice", "BackOffice"), ("portal", "Client portal")):
        filters = directory.DirectoryFilters(group=group, status="invited")
        _, pending, _ = await directory.list_directory(p, filters, ONE)
        stats.append(Stat(label, pending, f"/users?group={group}&status=invited"))
    return BlockContent(stats=tuple(stats))


async def _portals(p: Principal) -> BlockContent:
    stats = []
    for status, label in (("error", "In error"), ("draft", "Not yet active")):
        filters = portals.PortalFilters(status=status)
        _, count, _ = await portals.list_portals(p.scope, filters, ONE)
        stats.append(Stat(label, count, f"/portals?status={status}"))
    return BlockContent(stats=tuple(stats))


async def _audit(p: Principal) -> BlockContent:
    query = ListQuery(page=1, page_size=RECENT_EVENTS, sort="created_at", order="desc")
    events, _, _ = await audit.list_events(p.scope, audit.AuditFilters(), query)
    entries = tuple(Entry(e.action, f"/audit/{e.id}", e.user, e.created_at) for e in events)
    return BlockContent(entries=entries, empty="Nothing recorded yet.")


CORE_BLOCKS: tuple[DashboardBlock, ...] = (
    DashboardBlock(
        "companies", "Companies", ("account_management",), _companies, href="/companies", order=10
    ),
    DashboardBlock(
        "agreements",
        "Active agreements",
        ("account_management",),
        _agreements,
        href="/agreements",
        order=20,
    ),
    DashboardBlock(
        "invitations",
        "Pending invitations",
        ("users",),
        _invitations,
        href="/users",
        order=30,
    ),
    DashboardBlock(
        "portals", "Portals needing attention", ("portals",), _portals, href="/portals", order=40
    ),
    DashboardBlock("audit", "Recent audit events", ("audit",), _audit, href="/audit", order=50),
)
