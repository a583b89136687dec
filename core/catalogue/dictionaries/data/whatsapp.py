"""Meta's WhatsApp pricing markets: the regions its rate card prices template messages by.

A market is one country or a group ("Rest of Western Europe"); Meta moves countries between
them over time, and every move must reach rate trees as a value that is still there or a
missed option. The list is the rate card in force from 2026-10-01, when Bangladesh, Iraq,
Kazakhstan, Kuwait, Morocco, Nepal, Oman, Sri Lanka and Ukraine got rates of their own. A
single-country market carries its ISO 3166-1 code in ``country``.
"""

from __future__ import annotations

from core.plugins.declarations import Dictionary

_COUNTRY_MARKETS = {
    "argentina": ("Argentina", "AR"),
    "bangladesh": ("Bangladesh", "BD"),
    "brazil": ("Brazil", "BR"),
    "chile": ("Chile", "CL"),
    "colombia": ("Colombia", "CO"),
    "egypt": ("Egypt", "EG"),
    "france": ("France", "FR"),
    "germany": ("Germany", "DE"),
    "india": ("India", "IN"),
    "indonesia": ("Indonesia", "ID"),
    "iraq": ("Iraq", "IQ"),
    "israel": ("Israel", "IL"),
    "italy": ("Italy", "IT"),
    "kazakhstan": ("Kazakhstan", "KZ"),
    "kuwait": ("Kuwait", "KW"),
    "malaysia": ("Malaysia", "MY"),
    "mexico": ("Mexico", "MX"),
    "morocco": ("Morocco", "MA"),
    "nepal": ("Nepal", "NP"),
    "netherlands": ("Netherlands", "NL"),
    "nigeria": ("Nigeria", "NG"),
    "oman": ("Oman", "OM"),
    "pakistan": ("Pakistan", "PK"),
    "peru": ("Peru", "PE"),
    "russia": ("Russia", "RU"),
    "saudi_arabia": ("Saudi Arabia", "SA"),
    "south_africa": ("South Africa", "ZA"),
    "spain": ("Spain", "ES"),
    "sri_lanka": ("Sri Lanka", "LK"),
    "turkey": ("Turkey", "TR"),
    "ukraine": ("Ukraine", "UA"),
    "united_arab_emirates": ("United Arab Emirates", "AE"),
    "united_kingdom": ("United Kingdom", "GB"),
}

_GROUPS = {
    "north_america": "North America",
    "rest_of_africa": "Rest of Africa",
    "rest_of_asia_pacific": "Rest of Asia Pacific",
    "rest_of_central_eastern_europe": "Rest of Central & Eastern Europe",
    "rest_of_latin_america": "Rest of Latin America",
    "rest_of_middle_east": "Rest of Middle East",
    "rest_of_western_europe": "Rest of Western Europe",
    "other": "Other",
}


def _regions() -> list[tuple[str, str, dict]]:
    rows = [(k, label, {"country": cc}) for k, (label, cc) in _COUNTRY_MARKETS.items()]
    rows += [(k, label, {"country": None}) for k, label in _GROUPS.items()]
    return sorted(rows)


class WhatsAppRegions(Dictionary):
    key = "whatsapp_regions"
    name = "WhatsApp regions"
    entries = staticmethod(_regions)
    source = "Meta's WhatsApp rate card, markets in force from 2026-10-01"
