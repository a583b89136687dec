"""The four kinds of enabled rows (guide §6.4): which service types each takes, its API path
and the words the messages and pages use for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    path: str  # under /api/v1 and the console's /enabled-services
    label: str  # "Enabled pack"
    noun: str  # "enabled pack"
    tab: str  # the console tab's title
    service_types: frozenset[str]
    has_billing: bool = False
    is_bundle_pack: bool = False


SERVICE = Kind(
    "service",
    "enabled-services",
    "Enabled service",
    "enabled service",
    "Enabled services",
    frozenset({"pay_as_you_go"}),
)
PACK = Kind(
    "pack",
    "enabled-packs",
    "Enabled pack",
    "enabled pack",
    "Enabled packs",
    frozenset({"unit_pack", "monetary_pack"}),
    has_billing=True,
)
BUNDLE_INITIATOR = Kind(
    "bundle_initiator",
    "enabled-bundle-initiators",
    "Enabled bundle initiator",
    "enabled bundle initiator",
    "Enabled bundle initiators",
    frozenset({"bundle_initiator"}),
)
BUNDLE_PACK = Kind(
    "bundle_pack",
    "enabled-bundle-packs",
    "Enabled bundle pack",
    "enabled bundle pack",
    "Enabled bundle packs",
    frozenset({"bundle_pack"}),
    is_bundle_pack=True,
)
KINDS = {k.key: k for k in (SERVICE, PACK, BUNDLE_INITIATOR, BUNDLE_PACK)}
BY_PATH = {k.path: k for k in KINDS.values()}
BILLINGS = {"free": "Free of charge", "charge": "Charge"}
