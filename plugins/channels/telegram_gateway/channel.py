"""Telegram Gateway: verification codes delivered in Telegram; Telegram charges per code sent,
by the recipient's country.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, Channel, Resource


class TelegramGateway(Channel):
    key = "telegram_gateway"
    name = "Telegram Gateway"
    service_domain = "telegram_gateway"
    resources = (
        Resource(
            "verification_message",
            "Verification message",
            (COUNTRY,),
        ),
        Resource("platform_fee", "Platform fee"),
    )
