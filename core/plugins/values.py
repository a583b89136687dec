"""Values passed to and returned by vendor and payment-system methods.

They are small frozen dataclasses so that core code and every plugin speak one vocabulary;
amounts are ``Decimal`` and a float is refused where it is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DELIVERY_STATUSES = ("accepted", "sent", "delivered", "failed", "rejected", "expired", "unknown")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "cancelled", "refunded")
REFUND_STATUSES = ("pending", "succeeded", "failed")


def _amount(value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"amount must be a finite Decimal, got {value!r}")


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


@dataclass(frozen=True)
class OutboundMessage:
    """One message for a vendor to send; ``credentials`` are the sender ID's vendor fields."""

    message_id: str
    channel: str
    sender: str
    recipient: str
    body: str
    credentials: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    vendor_message_id: str
    status: str = "accepted"
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_of("status", self.status, DELIVERY_STATUSES)


@dataclass(frozen=True)
class WebhookEvent:
    """A status report (``kind="status"``) or an inbound message (``kind="inbound"``)."""

    kind: str
    vendor_message_id: str | None = None
    status: str | None = None
    vendor_status: str | None = None
    sender: str | None = None
    recipient: str | None = None
    body: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_of("kind", self.kind, ("status", "inbound"))
        if self.kind == "status":
            if not self.vendor_message_id:
                raise ValueError("a status event needs vendor_message_id")
            _one_of("status", self.status or "", DELIVERY_STATUSES)


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    amount: Decimal
    currency: str
    description: str = ""
    return_url: str | None = None
    cancel_url: str | None = None

    def __post_init__(self) -> None:
        _amount(self.amount)


@dataclass(frozen=True)
class Checkout:
    provider_reference: str
    redirect_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentEvent:
    """A verified provider callback; ``event_id`` lets the caller ignore replays."""

    event_id: str
    provider_reference: str
    status: str
    amount: Decimal | None = None
    currency: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_of("status", self.status, PAYMENT_STATUSES)
        if self.amount is not None:
            _amount(self.amount)


@dataclass(frozen=True)
class RefundResult:
    provider_reference: str
    status: str
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_of("status", self.status, REFUND_STATUSES)


@dataclass(frozen=True)
class TestResult:
    """What a plugin's ``test_connection`` found: ``message`` is shown to the user as it is."""

    __test__ = False  # not a pytest class, whatever its name

    ok: bool
    message: str = ""


class TestNotSupported(Exception):
    """Raised by the default ``test_connection``: the plugin offers no connection test."""

    __test__ = False


class VendorError(Exception):
    """A provider refused or failed a request; ``retryable`` says whether trying later may work."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
