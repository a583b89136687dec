"""SMS: messages priced by direction, then destination country and network, optionally per
sender ID; a sender ID costs a one-off setup fee and a periodic usage fee that depend on the
operator and on the kind of sender (alphanumeric, short code, long code); a platform fee covers
the account itself.

The keys below are the contract of the rate-tree document (``docs/channels.md``): renaming one
orphans every tree that uses it.
"""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Resource


class Sms(Channel):
    key = "sms"
    name = "SMS"
    service_domain = "sms"
    resources = (
        Resource(
            "sms_message",
            "SMS message",
            (
                Attribute("direction", "Direction (MT/MO)", dictionary="directions"),
                Attribute("country", "Country", dictionary="countries"),
                Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc"),
                Attribute("network", "Network (MCC-MNC)", dictionary="networks"),
                Attribute("sender_id", "Sender ID", dictionary=None),
            ),
        ),
        Resource(
            "sender_id_setup_fee",
            "Sender ID setup fee",
            (
                Attribute("country", "Country", dictionary="countries"),
                Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc"),
                Attribute("network", "Network (MCC-MNC)", dictionary="networks"),
                Attribute("sender_id_type", "Sender ID type", dictionary="sender_id_types"),
            ),
        ),
        Resource(
            "sender_id_usage_fee",
            "Sender ID usage fee",
            (
                Attribute("periodicity", "Periodicity", dictionary="periodicity"),
                Attribute("country", "Country", dictionary="countries"),
                Attribute("mcc", "Mobile country code (MCC)", dictionary="mcc"),
                Attribute("network", "Network (MCC-MNC)", dictionary="networks"),
                Attribute("sender_id_type", "Sender ID type", dictionary="sender_id_types"),
            ),
        ),
        Resource("platform_fee", "Platform fee"),
    )
