"""The short fixed lists rate trees branch on: directions, WhatsApp pricing categories and
types, RCS billing events, sender ID types, fee periodicity.

Keys are what the rating of an event compares with (snake_case, except MT/MO, which every
SMS record spells that way); labels are what the tree constructor shows.
"""

from __future__ import annotations

from core.plugins.declarations import Dictionary

BUILT_IN = "BackOffice"


class Directions(Dictionary):
    key = "directions"
    name = "Directions (MT/MO)"
    entries = (
        ("MT", "A2P (MT)", {"description": "mobile terminated: sent to the recipient"}),
        ("MO", "P2A (MO)", {"description": "mobile originated: sent by the recipient"}),
    )
    source = BUILT_IN


class PricingCategories(Dictionary):
    key = "pricing_categories"
    name = "Pricing categories (WhatsApp)"
    entries = (
        ("authentication", "Authentication"),
        ("authentication_international", "Authentication international"),
        ("marketing", "Marketing"),
        ("marketing_lite", "Marketing lite"),
        ("utility", "Utility"),
        ("service", "Service"),
        ("referral_conversion", "Referral conversion"),
    )
    source = BUILT_IN


class PricingTypes(Dictionary):
    key = "pricing_types"
    name = "Pricing types (WhatsApp)"
    entries = (
        ("regular", "Regular"),
        ("free_customer_service", "Free customer service"),
        ("free_entry_point", "Free entry point"),
    )
    source = BUILT_IN


class RcsBillingEvents(Dictionary):
    key = "rcs_billing_events"
    name = "RCS billing events"
    entries = (
        ("basic_message", "Basic message", {"description": "a short plain-text message"}),
        ("single_message", "Single message", {"description": "rich content or longer text"}),
        ("a2p_conversation", "A2P conversation", {"description": "session the business opens"}),
        ("p2a_conversation", "P2A conversation", {"description": "session the user opens"}),
    )
    source = BUILT_IN


class SenderIdTypes(Dictionary):
    key = "sender_id_types"
    name = "Sender ID types"
    entries = (
        ("alphanumeric", "Alphanumeric"),
        ("short_code", "Short code"),
        ("long_code", "Long code"),
    )
    source = BUILT_IN


class Periodicity(Dictionary):
    key = "periodicity"
    name = "Periodicity"
    entries = (("monthly", "Monthly"), ("weekly", "Weekly"))
    source = BUILT_IN
