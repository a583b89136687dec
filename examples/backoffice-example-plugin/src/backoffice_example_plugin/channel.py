"""The ``example-sms`` channel and the dictionary its rate tree uses besides countries."""

from __future__ import annotations

from core.plugins.declarations import Attribute, Channel, Dictionary, Resource
from core.plugins.fields import Field


class TrafficTypes(Dictionary):
    key = "example-traffic-types"
    name = "Traffic types"
    entries = (
        ("transactional", "Transactional", {}),
        ("promotional", "Promotional", {"needs_opt_in": True}),
        ("otp", "One-time passwords", {}),
    )


class ExampleSms(Channel):
    key = "example-sms"
    name = "Example SMS"
    service_domain = "messaging"
    # One resource, an SMS, priced by destination country and traffic type.
    resources = (
        Resource(
            "sms",
            "SMS",
            (
                Attribute("country", "Destination country", dictionary="countries"),
                Attribute("traffic_type", "Traffic type", dictionary="example-traffic-types"),
            ),
        ),
    )
    # Added after the common sender-ID fields (``sender``, ``comment``).
    sender_id_fields = (
        Field(
            "sender_type",
            "choice",
            "Sender type",
            required=True,
            choices=(("alpha", "Alphanumeric"), ("numeric", "Phone number")),
        ),
    )
    vendor_types = ("example-http",)
