"""The domains of the core's own service types, declared like a channel's but not a plugin.

Pack and bundle prices (Service purchase), the over-limit price of a bundle (Bundle grouping)
and one-off fees (Additional service) belong to the service types the core implements (unit,
monetary and bundle packs, bundle initiators), not to a messaging channel. Rating a pack reads
its purchase price from the pay-as-you-go tree, so a company without these domains could hold
packs it cannot price: they are always on, registered by a core module
(``core.catalogue.domains.builtin``) that has no per-company switch.

The pack attributes take free values for now: the ``packs`` dictionary (a tenant's pack
services) needs the services table of issue 12 item 3; once it exists they name it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource

PACK = Attribute("pack", "Pack", dictionary=None)


class ServicePurchase(Channel):
    key = "service_purchase"
    name = "Service purchase"
    service_domain = "service_purchase"
    resources = (
        Resource("unit_pack", "Unit pack purchase", (PACK,)),
        Resource("monetary_pack", "Monetary pack purchase", (PACK,)),
        Resource("bundle_pack", "Bundle pack purchase", (PACK,)),
    )


class BundleGrouping(Channel):
    key = "bundle_grouping"
    name = "Bundle grouping"
    service_domain = "bundle_grouping"
    resources = (
        Resource(
            "bundle_member",
            "Bundle member",
            (Attribute("bundle_pack", "Bundle pack", dictionary=None),),
        ),
    )


class AdditionalService(Channel):
    key = "additional_service"
    name = "Additional service"
    service_domain = "additional_service"
    resources = (
        Resource(
            "additional_fee",
            "Additional fee",
            (Attribute("fee", "Fee", dictionary=None),),
        ),
    )


CORE_DOMAINS = [ServicePurchase, BundleGrouping, AdditionalService]
