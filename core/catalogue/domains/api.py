"""``/api/v1/catalogue/domains``: what the caller's company can put in a rate tree.

Permission: any signed-in user, like the dictionaries: the domains, resources and attribute keys
are the vocabulary every rate tree and price list is written in, not a tenant's data. The list
is per company all the same: a channel whose plugin is switched off for the caller's company
(or above it) is left out, so the tree constructor never offers a domain the company cannot use.
"""

from __future__ import annotations

from litestar import Request, get

from core.access.guards import signed_in
from core.catalogue.domains import service
from core.catalogue.domains.schemas import AttributeOut, DomainList, DomainOut, ResourceOut
from core.web.context import principal_of

DICTIONARIES_PATH = "/api/v1/dictionaries"


def domain_out(domain: service.Domain) -> DomainOut:
    channel = domain.declaration
    return DomainOut(
        key=domain.key,
        name=channel.name,
        channel=channel.key,
        plugin=domain.plugin,
        core=domain.core,
        resources=[
            ResourceOut(
                key=resource.key,
                name=resource.name,
                attributes=[
                    AttributeOut(
                        key=a.name,
                        name=a.label,
                        dictionary=a.dictionary,
                        values=f"{DICTIONARIES_PATH}/{a.dictionary}" if a.dictionary else None,
                    )
                    for a in resource.attributes
                ],
            )
            for resource in channel.resources
        ],
    )


@get(
    "/catalogue/domains",
    summary="The service domains the caller's company can rate, with their resources and each "
    "resource's attributes (key, name, dictionary)",
    guards=[signed_in()],
    tags=["Catalogue"],
)
async def list_domains(request: Request) -> DomainList:
    domains = await service.available(principal_of(request).scope)
    return DomainList(items=[domain_out(domains[key]) for key in sorted(domains)])


API_HANDLERS = [list_domains]
