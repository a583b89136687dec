"""The domains of the core's own service types: declared like a channel's, but not channels.

Pack and bundle prices (Service purchase), the over-limit price of a bundle member (Bundle
grouping) and one-off fees (Additional service) belong to service types the core implements
(unit, monetary and bundle packs, bundle initiators), not to a messaging channel: nothing is
sent on them, no vendor serves them, no sender ID or MNP lookup names them. So they are kept
out of the channels registry (whose keys those features offer) and out of the plugin switches:
rating a pack reads its purchase price from the pay-as-you-go tree, and a company that could
switch Service purchase off would hold packs it cannot price. ``service.registered`` puts them
beside the channels' domains and refuses a plugin that declares one of their keys.

The pack attributes (``pack``, ``bundle_pack``) take their values from the ``packs``
dictionary: the service ids of the rating company's own pack services, so a purchase price is
keyed by the pack it buys and a tree shows the pack's name. The additional fee stays free text:
a fee is whatever the company names it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource

PACK = Attribute("pack", "Pack", dictionary="packs")


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
            (Attribute("bundle_pack", "Bundle pack", dictionary="packs"),),
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
