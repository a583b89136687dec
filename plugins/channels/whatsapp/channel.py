"""WhatsApp Business: Meta prices a template message by market (WhatsApp region), pricing
category and pricing type, not by country or operator, so those are the attributes; a
business number has setup and periodic fees.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import DIRECTION, PERIODICITY, Attribute, Channel, Resource


class WhatsApp(Channel):
    key = "whatsapp"
    name = "WhatsApp"
    service_domain = "whatsapp"
    resources = (
        Resource(
            "whatsapp_message",
            "WhatsApp message",
            (
                DIRECTION,
                Attribute("whatsapp_region", "WhatsApp region", dictionary="whatsapp_regions"),
                Attribute("pricing_category", "Pricing category", dictionary="pricing_categories"),
                Attribute("pricing_type", "Pricing type", dictionary="pricing_types"),
            ),
        ),
        Resource("sender_id_setup_fee", "Sender ID setup fee"),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (PERIODICITY,),
        ),
        Resource("platform_fee", "Platform fee"),
    )
