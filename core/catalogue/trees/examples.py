"""The guide's worked examples (§7.3.3 SMS, §7.3.4 WhatsApp, §7.3.5 RCS) as rate-tree
documents: the demo seeds the SMS one (``core/demo_services.py``) so a new installation opens
on a real tree, and the document, evaluation and API tests share all three so every layer is
checked against the same prices.

Networks are MCC-MNC keys of the networks dictionary: 21401 is Vodafone Spain, 21422 DIGI
mobil (Best Spain Telecom).
"""

from __future__ import annotations

VODAFONE_ES = "21401"
DIGI_ES = "21422"


def sms() -> dict:
    """§7.3.3: MO free; MT Spain by network (Vodafone flat, DIGI scale per sender ID, rest
    flat), rest of the world a three-tier scale; sender ID setup and usage fees by network."""
    return {
        "format": 1,
        "domains": [
            {
                "domain": "sms",
                "resources": [
                    {
                        "resource": "sms_message",
                        "billing_rule": "submitted",
                        "quantity_rule": "segments",
                        "rate": {
                            "depends_on": "direction",
                            "children": [
                                {"value": "MO", "rate": {"type": "free"}},
                                {
                                    "value": "MT",
                                    "rate": {
                                        "depends_on": "country",
                                        "children": [
                                            {"value": "ES", "rate": _spain_networks()},
                                            {
                                                "value": "*",
                                                "rate": {
                                                    "type": "scale",
                                                    "scale": "tier",
                                                    "tiers": [
                                                        {"up_to": 10000, "price": "0.05"},
                                                        {"up_to": 50000, "price": "0.04"},
                                                        {"price": "0.03"},
                                                    ],
                                                },
                                            },
                                        ],
                                    },
                                },
                            ],
                        },
                    },
                    {
                        "resource": "sender_id_setup_fee",
                        "rate": {
                            "depends_on": "network",
                            "children": [
                                {"value": VODAFONE_ES, "rate": {"type": "flat", "price": "50"}}
                            ],
                        },
                    },
                    {
                        "resource": "sender_id_usage_fee",
                        "quantity_rule": "full_period",
                        "rate": {
                            "depends_on": "network",
                            "children": [
                                {"value": VODAFONE_ES, "rate": {"type": "flat", "price": "10"}},
                                {"value": DIGI_ES, "rate": {"type": "flat", "price": "15"}},
                            ],
                        },
                    },
                ],
            }
        ],
    }


def _spain_networks() -> dict:
    return {
        "depends_on": "network",
        "children": [
            {"value": VODAFONE_ES, "rate": {"type": "flat", "price": "0.04"}},
            {
                "value": DIGI_ES,
                "rate": {
                    "type": "scale",
                    "scale": "tier",
                    "counter_group": ["sender_id"],
                    "tiers": [{"up_to": 1000, "price": "0.005"}, {"price": "0.004"}],
                },
            },
            {"value": "*", "rate": {"type": "flat", "price": "0.08"}},
        ],
    }


def _scale(*steps: tuple[int | None, str]) -> dict:
    tiers = [{"up_to": up_to, "price": price} for up_to, price in steps[:-1]]
    return {"type": "scale", "scale": "tier", "tiers": [*tiers, {"price": steps[-1][1]}]}


def _regular(rate: dict) -> dict:
    """A category priced for the regular pricing type only, as the guide sets it."""
    return {"depends_on": "pricing_type", "children": [{"value": "regular", "rate": rate}]}


ARGENTINA = {
    "authentication": _regular(
        _scale(
            (120_000, "0.0289"),
            (400_000, "0.0275"),
            (1_000_000, "0.0260"),
            (5_000_000, "0.0246"),
            (10_000_000, "0.0231"),
            (None, "0.0217"),
        )
    ),
    "utility": _regular(
        _scale(
            (100_000, "0.0289"),
            (1_000_000, "0.0275"),
            (4_500_000, "0.0260"),
            (15_000_000, "0.0246"),
            (30_000_000, "0.0231"),
            (None, "0.0217"),
        )
    ),
    "authentication_international": _regular({"type": "flat", "price": "0.0280"}),
    "marketing": _regular({"type": "flat", "price": "0.0618"}),
    "service": {"type": "free"},
    "*": {"type": "free"},
}

EGYPT = {
    "authentication": _regular(
        _scale(
            (300_000, "0.0052"),
            (2_000_000, "0.0049"),
            (10_000_000, "0.0047"),
            (20_000_000, "0.0044"),
            (40_000_000, "0.0042"),
            (None, "0.0039"),
        )
    ),
    "utility": _regular(
        _scale(
            (100_000, "0.0052"),
            (1_000_000, "0.0049"),
            (4_500_000, "0.0047"),
            (40_000_000, "0.0044"),
            (80_000_000, "0.00421"),
            (None, "0.0039"),
        )
    ),
    "authentication_international": _regular(
        _scale(
            (300_000, "0.0650"),
            (2_000_000, "0.0618"),
            (10_000_000, "0.0585"),
            (20_000_000, "0.0553"),
            (40_000_000, "0.0520"),
            (None, "0.0488"),
        )
    ),
    "marketing": _regular({"type": "flat", "price": "0.1073"}),
    "service": {"type": "free"},
    "*": {"type": "free"},
}


def _categories(prices: dict) -> dict:
    return {
        "depends_on": "pricing_category",
        "children": [{"value": value, "rate": rate} for value, rate in prices.items()],
    }


def whatsapp() -> dict:
    """§7.3.4: Argentina and Egypt by pricing category, then pricing type (regular)."""
    return {
        "format": 1,
        "domains": [
            {
                "domain": "whatsapp",
                "resources": [
                    {
                        "resource": "whatsapp_message",
                        "billing_rule": "submitted",
                        "quantity_rule": "messages",
                        "rate": {
                            "depends_on": "whatsapp_region",
                            "children": [
                                {"value": "argentina", "rate": _categories(ARGENTINA)},
                                {"value": "egypt", "rate": _categories(EGYPT)},
                            ],
                        },
                    }
                ],
            }
        ],
    }


RCS_PRICES = {
    "basic_message": {"ES": "0.04", "IT": "0.05", "FR": "0.034"},
    "a2p_conversation": {"ES": "0.08", "IT": "0.088", "FR": "0.09"},
    "single_message": {"ES": "0.93", "IT": "0.089", "FR": "1"},
}
RCS_OTHERS = "1.5"


def rcs() -> dict:
    """§7.3.5: basic, conversation and single messages by country; any other billing event
    at one flat price; everything billed on delivery."""
    events = [
        {
            "value": event,
            "rate": {
                "depends_on": "country",
                "children": [
                    {"value": country, "rate": {"type": "flat", "price": price}}
                    for country, price in prices.items()
                ],
            },
        }
        for event, prices in RCS_PRICES.items()
    ]
    events.append({"value": "*", "rate": {"type": "flat", "price": RCS_OTHERS}})
    return {
        "format": 1,
        "domains": [
            {
                "domain": "rcs",
                "resources": [
                    {
                        "resource": "rcs_message",
                        "billing_rule": "delivered",
                        "quantity_rule": "messages",
                        "rate": {"depends_on": "billing_event", "children": events},
                    }
                ],
            }
        ],
    }


EXAMPLES = {"sms": sms, "whatsapp": whatsapp, "rcs": rcs}
