"""Push Partner: push notifications delivered through a partner's app audience, which the
partner prices by the recipient's country and the sending application (sender ID).

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, SENDER_ID, Channel, Resource


class PushPartner(Channel):
    key = "push_partner"
    name = "Push Partner"
    service_domain = "push_partner"
    resources = (
        Resource(
            "push_partner_message",
            "Push Partner message",
            (
                COUNTRY,
                SENDER_ID,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
