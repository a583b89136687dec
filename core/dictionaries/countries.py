"""Built-in plugin: the ISO 3166-1 countries, the dictionary rate trees price destinations by.

Entries come from ``pycountry`` and load on first use, so start-up does not pay for them.
"""

from __future__ import annotations

from core.plugins.declarations import Dictionary
from core.plugins.hookspecs import hookimpl


def _load_countries() -> list[tuple[str, str, dict]]:
    import pycountry

    return [
        (c.alpha_2, c.name, {"alpha_3": c.alpha_3, "numeric": c.numeric})
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    ]


class Countries(Dictionary):
    key = "countries"
    name = "Countries (ISO 3166-1)"
    entries = staticmethod(_load_countries)


@hookimpl
def register_dictionaries() -> list:
    return [Countries]
