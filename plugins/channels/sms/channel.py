"""SMS: messages priced by direction, then destination country and network, optionally per
sender ID; a sender ID costs a one-off setup fee and a periodic usage fee that depend on the
operator and on the kind of sender (alphanumeric, short code, long code); a platform fee covers
the account itself.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import (
    COUNTRY,
    DIRECTION,
    MCC,
    NETWORK,
    PERIODICITY,
    SENDER_ID,
    SENDER_ID_TYPE,
    Channel,
    Resource,
)


class Sms(Channel):
    key = "sms"
    name = "SMS"
    service_domain = "sms"
    resources = (
        Resource(
            "sms_message",
            "SMS message",
            (
                DIRECTION,
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID,
            ),
        ),
        Resource(
            "sender_id_setup_fee",
            "Sender ID setup fee",
            (
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID_TYPE,
            ),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (
                PERIODICITY,
                COUNTRY,
                MCC,
                NETWORK,
                SENDER_ID_TYPE,
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
