"""Voice calls both ways: priced by direction, country and network, optionally per number
(sender ID); a rented number has a periodic usage fee by country.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import (
    COUNTRY,
    DIRECTION,
    MCC,
    NETWORK,
    PERIODICITY,
    SENDER_ID,
    Channel,
    Resource,
)


class Voice(Channel):
    key = "voice"
    name = "Voice"
    service_domain = "voice"
    resources = (
        Resource(
            "voice_call",
            "Voice call",
            (
                DIRECTION,
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID,
            ),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (
                PERIODICITY,
                COUNTRY,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
