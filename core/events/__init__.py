"""Domain events: typed announcements of committed changes, for plugins to react to."""

from core.events.catalogue import (
    EVENTS,
    AgreementVersionStarted,
    CompanyBlocked,
    CompanyCreated,
    CompanyUnblocked,
    Event,
    UserInvited,
    decode,
    to_payload,
)
from core.events.delivery import emit
from core.events.subscriptions import Subscription, subscribe

__all__ = [
    "EVENTS",
    "AgreementVersionStarted",
    "CompanyBlocked",
    "CompanyCreated",
    "CompanyUnblocked",
    "Event",
    "Subscription",
    "UserInvited",
    "decode",
    "emit",
    "subscribe",
    "to_payload",
]
