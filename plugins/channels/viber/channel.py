"""Viber Business Messages: priced by direction and destination country (Viber has no operator
level), optionally per sender ID; a Viber sender has setup and periodic fees.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import COUNTRY, DIRECTION, PERIODICITY, SENDER_ID, Channel, Resource


class Viber(Channel):
    key = "viber"
    name = "Viber"
    service_domain = "viber"
    resources = (
        Resource(
            "viber_message",
            "Viber message",
            (
                DIRECTION,
                COUNTRY,
                SENDER_ID,
            ),
        ),
        Resource("sender_id_setup_fee", "Sender ID setup fee"),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (PERIODICITY,),
        ),
        Resource("platform_fee", "Platform fee"),
    )
