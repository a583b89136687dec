"""Email: priced by direction and, where a dedicated sending domain costs more, by sender ID;
country and network mean nothing for mail.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import DIRECTION, SENDER_ID, Channel, Resource


class Email(Channel):
    key = "email"
    name = "Email"
    service_domain = "email"
    resources = (
        Resource(
            "email_message",
            "Email message",
            (
                DIRECTION,
                SENDER_ID,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
