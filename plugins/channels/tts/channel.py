"""Text-to-speech calls: a text read to the recipient; priced like a voice termination, by
country and network, optionally per calling number (sender ID).

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource


class Tts(Channel):
    key = "tts"
    name = "TTS"
    service_domain = "tts"
    resources = (
        Resource(
            "tts_call",
            "TTS call",
            (
                Attribute("country", "Country", dictionary="countries"),
                Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc"),
                Attribute("network", "Network (MCC-MNC)", dictionary="networks"),
                Attribute("sender_id", "Sender ID", dictionary=None),
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
