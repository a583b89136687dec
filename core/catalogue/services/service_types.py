"""The five service types (guide §7.3) and which of them carry a currency and a size."""

from __future__ import annotations

LABELS = {
    "pay_as_you_go": "Pay-as-you-go",
    "unit_pack": "Unit pack",
    "monetary_pack": "Monetary pack",
    "bundle_initiator": "Bundle initiator",
    "bundle_pack": "Bundle pack",
}
# A unit pack counts units of any channel, so it has no currency; every other type is priced.
WITHOUT_CURRENCY = frozenset({"unit_pack"})
PACKS = frozenset({"unit_pack", "monetary_pack", "bundle_pack"})
# Sized in money (micro-units of the currency, ``core.money``); the other packs count units.
MONEY_SIZED = frozenset({"monetary_pack"})
