"""ISO 3166-1 countries and ISO 4217 currencies from ``pycountry``, with French names.

French names come from the gettext catalogues ``pycountry`` ships, so they follow the ISO
data of the installed version instead of a hand-kept list; a name without a translation
stays English, as the catalogues do.
"""

from __future__ import annotations

import gettext
from importlib import metadata

from core.plugins.declarations import Dictionary


def _french(domain: str):
    import pycountry

    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["fr"]).gettext


def _countries() -> list[tuple[str, str, dict]]:
    import pycountry

    french = _french("iso3166-1")
    return [
        (
            c.alpha_2,
            c.name,
            {
                "alpha_3": c.alpha_3,
                "numeric": c.numeric,
                "name_en": c.name,
                "name_fr": french(c.name),
            },
        )
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    ]


def _currencies() -> list[tuple[str, str, dict]]:
    import pycountry

    french = _french("iso4217")
    return [
        (c.alpha_3, c.name, {"numeric": c.numeric, "name_en": c.name, "name_fr": french(c.name)})
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    ]


def _pycountry() -> str:
    return f"pycountry {metadata.version('pycountry')}"


class Countries(Dictionary):
    key = "countries"
    name = "Countries (ISO 3166-1)"
    entries = staticmethod(_countries)
    searched = ("alpha_3", "name_fr")
    source = staticmethod(_pycountry)


class Currencies(Dictionary):
    key = "currencies"
    name = "Currencies (ISO 4217)"
    entries = staticmethod(_currencies)
    searched = ("name_fr",)
    source = staticmethod(_pycountry)
