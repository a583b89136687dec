"""Built-in plugin: the core dictionaries, registered through the same hook as a channel
plugin's, so a plugin that declares one of these keys again is a registry conflict
(``backoffice plugins check`` names both) instead of silently replacing core values.

``packs`` is the one tenant dictionary among them: a company's own pack services, read per
request (``data/packs.py``).
"""

from __future__ import annotations

from core.catalogue.dictionaries.data.countries import Countries, Currencies
from core.catalogue.dictionaries.data.messaging import (
    Directions,
    Periodicity,
    PricingCategories,
    PricingTypes,
    RcsBillingEvents,
    SenderIdTypes,
)
from core.catalogue.dictionaries.data.packs import Packs
from core.catalogue.dictionaries.data.whatsapp import WhatsAppRegions
from core.catalogue.dictionaries.stored_networks import MobileCountryCodes, Networks
from core.plugins.hookspecs import hookimpl

CORE_DICTIONARIES = [
    Countries,
    MobileCountryCodes,
    Networks,
    Currencies,
    WhatsAppRegions,
    PricingCategories,
    PricingTypes,
    Directions,
    RcsBillingEvents,
    SenderIdTypes,
    Periodicity,
    Packs,
]


@hookimpl
def register_dictionaries() -> list:
    return list(CORE_DICTIONARIES)
