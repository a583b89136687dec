"""WeChat official-account messages: priced by direction and country; the official account
has a periodic fee.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, DIRECTION, PERIODICITY, Channel, Resource


class WeChat(Channel):
    key = "wechat"
    name = "WeChat"
    service_domain = "wechat"
    resources = (
        Resource(
            "wechat_message",
            "WeChat message",
            (
                DIRECTION,
                COUNTRY,
            ),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (PERIODICITY,),
        ),
        Resource("platform_fee", "Platform fee"),
    )
