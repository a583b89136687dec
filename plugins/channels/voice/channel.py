"""Voice calls both ways: priced by direction, country and network, optionally per number
(sender ID); a rented number has a periodic usage fee by country.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource


class Voice(Channel):
    key = "voice"
    name = "Voice"
    service_domain = "voice"
    resources = (
        Resource(
            "voice_call",
            "Voice call",
            (
                Attribute("direction", "Direction (MT/MO)", dictionary="directions"),
                Attribute("country", "Country", dictionary="countries"),
                Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc"),
                Attribute("network", "Network (MCC-MNC)", dictionary="networks"),
                Attribute("sender_id", "Sender ID", dictionary=None),
            ),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (
                Attribute("periodicity", "Periodicity", dictionary="periodicity"),
                Attribute("country", "Country", dictionary="countries"),
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
