"""RCS Business Messaging: the operator bills an event (a basic or single message, a conversation
opened by the business or by the user), so the billing event comes first, then country and
network; an RCS agent (the sender ID) has its own setup and usage fees per country.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import (
    COUNTRY,
    MCC,
    NETWORK,
    PERIODICITY,
    Attribute,
    Channel,
    Resource,
)


class Rcs(Channel):
    key = "rcs"
    name = "RCS"
    service_domain = "rcs"
    resources = (
        Resource(
            "rcs_message",
            "RCS message",
            (
                Attribute("billing_event", "Billing event", dictionary="rcs_billing_events"),
                COUNTRY,
                MCC,
                NETWORK,
            ),
        ),
        Resource(
            "sender_id_setup_fee",
            "Sender ID setup fee",
            (COUNTRY,),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (
                PERIODICITY,
                COUNTRY,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
