"""Flash call: a verification call dropped before it is answered, the code being the caller's
number; priced like a call termination, by country and network, optionally per calling
number (sender ID).

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, MCC, NETWORK, SENDER_ID, Channel, Resource


class FlashCall(Channel):
    key = "flash_call"
    name = "Flash call"
    service_domain = "flash_call"
    resources = (
        Resource(
            "flash_call",
            "Flash call",
            (
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
