"""``packs``: the calling company's pack services, the values a pack purchase price or a
bundle member's over-limit price is keyed by (the core domains' ``pack`` and ``bundle_pack``
attributes).

A tenant dictionary: a service belongs to the company that created it and no one else reads
it (``core.catalogue.services``), so the values are read per request for the caller's company
only and indexed once for that request. A client company owns no services, so it holds none.

Archived packs stay in: a rate tree written before the pack was retired still names it, and
its label must still show. They are marked (``extra.archived`` true) so a picker can leave
them out of the choices for new nodes; a deleted pack is a missed option like any lost value.
"""

from __future__ import annotations

from core.catalogue.services.models import Service
from core.catalogue.services.service import size_text
from core.catalogue.services.service_types import PACKS
from core.plugins.declarations import TenantDictionary


class Packs(TenantDictionary):
    key = "packs"
    name = "Packs (your pack services)"
    searched = ("type", "currency")
    source = "your services"

    @classmethod
    async def entries_for(cls, scope) -> list[tuple[str, str, dict]]:
        if scope.company_kind == "client":
            return []
        rows = await Service.select(
            Service.id,
            Service.name,
            Service.type,
            Service.currency,
            Service.size,
            Service.archived_at,
        ).where(Service.company == scope.company_id, Service.type.is_in(sorted(PACKS)))
        return [
            (
                str(r["id"]),
                r["name"],
                {
                    "type": r["type"],
                    "currency": r["currency"],
                    "size": size_text(r["type"], r["size"]),
                    "archived": r["archived_at"] is not None,
                },
            )
            for r in rows
        ]
