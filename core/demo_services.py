"""The demo's services: a small catalogue for the platform owner and for the demo reseller.

Both price with their own services (a reseller sells to its clients with its own plans), so
each gets the same set: two pay-as-you-go plans, a unit pack, a bundle initiator and a bundle
pack, and one retired plan to show the archived filter. "SMS retail EUR" gets a scope in force
since 2026-01-01 holding the guide's §7.3.3 SMS tree and is enabled on the EUR agreements the
company sells on, so the constructor, "Try a rate" and the enabled services open on real data.
Everything goes through the service layer the API uses (rules, audit). A second run adds only
a name the company no longer holds, so it never duplicates and never overwrites what a user
changed in the demo.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts.agreements.models import Agreement
from core.audit.recorder import AuditContext
from core.catalogue.enabled import service as enabled
from core.catalogue.enabled.kinds import SERVICE
from core.catalogue.enabled.schemas import EnabledCreate
from core.catalogue.scopes import service as scopes
from core.catalogue.scopes.schemas import ScopeCreate
from core.catalogue.services import service
from core.catalogue.services.models import Service
from core.catalogue.services.schemas import ServiceCreate
from core.catalogue.trees import examples
from core.catalogue.trees import service as trees
from core.db.engine import transaction
from tenants.models import Company
from tenants.scope import Scope

PRICED = "SMS retail EUR"
SINCE = datetime(2026, 1, 1)
ZONE = "Europe/Madrid"
# (name, type, currency, size, description, archived)
DEMO_SERVICES = (
    ("SMS retail EUR", "pay_as_you_go", "EUR", None, "SMS to every country, retail prices", False),
    ("WhatsApp EUR", "pay_as_you_go", "EUR", None, "WhatsApp by Meta's markets", False),
    ("USA SMS & WA pack", "unit_pack", None, "1000", "1,000 SMS or WhatsApp to the USA", False),
    ("Bundle initiator", "bundle_initiator", "EUR", None, "Starts the bundle period", False),
    ("Bundle 1000", "bundle_pack", "EUR", "1000", "Up to 1,000 unique recipients", False),
    ("SMS retail EUR 2025", "pay_as_you_go", "EUR", None, "Last year's retail prices", True),
)


async def seed_services(company_ids: list[int]) -> int:
    """Returns how many services were created, over all the companies (0 on a second run)."""
    created = 0
    for row in await Company.select().where(Company.id.is_in(company_ids)).order_by(Company.id):
        async with transaction():
            created += await _seed(Scope.of(row))
    return created


async def _seed(scope: Scope) -> int:
    ctx = AuditContext(company_id=scope.company_id, user_id=None, user_label="demo seed", ip="")
    names = await Service.select(Service.name).where(service.owned(scope))
    held = {r["name"].casefold() for r in names}
    created = 0
    for name, kind, currency, size, description, archived in DEMO_SERVICES:
        if name.casefold() in held:
            continue
        data = ServiceCreate(
            name=name, type=kind, currency=currency, size=size, description=description
        )
        made = await service.create_service(ctx, scope, data)
        if archived:
            await service.set_archived(ctx, scope, made.id, True)
        if name == PRICED:
            await _price_and_enable(ctx, scope, made.id)
        created += 1
    return created


async def _price_and_enable(ctx: AuditContext, scope: Scope, service_id: int) -> None:
    made = await scopes.create_scope(
        ctx, scope, service_id, ScopeCreate(effective_from=SINCE, timezone=ZONE)
    )
    await trees.replace_tree(ctx, scope, made.id, examples.sms())
    sold = await Agreement.raw(
        "SELECT id FROM agreements WHERE seller_id = {} AND currency = 'EUR' ORDER BY id",
        scope.company_id,
    )
    for row in sold:
        data = EnabledCreate(
            agreement_id=row["id"], service_id=service_id, effective_from=SINCE, timezone=ZONE
        )
        await enabled.create_enabled(ctx, scope, SERVICE, data)
