"""Text-to-speech calls: a text read to the recipient; priced like a voice termination, by
country and network, optionally per calling number (sender ID).

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, MCC, NETWORK, SENDER_ID, Channel, Resource


class Tts(Channel):
    key = "tts"
    name = "TTS"
    service_domain = "tts"
    resources = (
        Resource(
            "tts_call",
            "TTS call",
            (
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
