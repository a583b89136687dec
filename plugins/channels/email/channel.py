"""Email: priced by direction and, where a dedicated sending domain costs more, by sender ID;
country and network mean nothing for mail.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource


class Email(Channel):
    key = "email"
    name = "Email"
    service_domain = "email"
    resources = (
        Resource(
            "email_message",
            "Email message",
            (
                Attribute("direction", "Direction (MT/MO)", dictionary="directions"),
                Attribute("sender_id", "Sender ID", dictionary=None),
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
