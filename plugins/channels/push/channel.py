"""Push notifications to the platform's own apps: no country or operator is involved, so a
notification is priced per sending application (sender ID).

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import SENDER_ID, Channel, Resource


class Push(Channel):
    key = "push"
    name = "Push"
    service_domain = "push"
    resources = (
        Resource(
            "push_notification",
            "Push notification",
            (SENDER_ID,),
        ),
        Resource("platform_fee", "Platform fee"),
    )
