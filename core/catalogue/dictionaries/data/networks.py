"""Mobile country codes and MCC-MNC networks from the ``mcc-mnc-p1`` data package.

Why that package (checked 2026-12): it is the only maintained one on PyPI (release 1.1.0 of
2026-09; ``mccmnc`` ships no data and downloads a web page, ``mobile-codes`` last changed in
2014) and it covers every ITU-T and Wikipedia entry (3,406 MCC-MNC, 243 MCC). Its code is
AGPL-3.0-or-later, so it is an optional extra (``backoffice[networks]``), and only its JSON
tables are read here, never its code imported. Without it, and without a stored copy
(``backoffice dictionaries update``), both dictionaries are empty and say so in their source.

A network's key is its PLMN code, MCC then MNC as one string ("20801", "310150"): the form
delivery reports and HLR lookups carry, and unambiguous because an MNC keeps its 2 or 3 digits.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import metadata, resources
from typing import Any

PACKAGE, TABLES = "mcc-mnc-p1", "mcc_mnc_lut"


def package_version() -> str | None:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def _table(name: str) -> dict:
    """One of the package's tables: a ``[licence note, {key: value}]`` pair on disk; the
    MCC table's second item is a list of ``[mcc, value]`` pairs instead."""
    body = json.loads(resources.files(TABLES).joinpath(name).read_text(encoding="utf-8"))[1]
    return dict(body) if isinstance(body, list) else body


def _country_names() -> dict[str, str]:
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


def _network(plmn: str, found: Any, names: dict[str, str]) -> tuple[str, str, dict]:
    """One network; a code that several territories share (23403: Guernsey, Jersey and the
    United Kingdom) is one value whose ``countries`` lists them all, first one first."""
    records = found if isinstance(found, list) else [found]
    first = records[0]
    countries: list[str] = []
    for record in records:
        countries += [c for c in record.get("cc2s") or [] if c not in countries]
    country = countries[0] if countries else None
    brand, operator = (first.get("brand") or "").strip(), (first.get("operator") or "").strip()
    extra = {
        "mcc": plmn[:3],
        "mnc": plmn[3:],
        "country": country,
        "countries": countries,
        "country_name": names.get(country, first.get("country") or "") if country else "",
        "operator": operator,
        "brand": brand,
    }
    return plmn, brand or operator or plmn, extra


def read_package() -> dict[str, list]:
    """Both dictionaries' rows, as stored by ``snapshot`` and served by the registry."""
    names = _country_names()
    networks = [_network(k, v, names) for k, v in sorted(_table("p1_mnc.json").items())]
    by_mcc: dict[str, Counter] = {}
    for _, _, extra in networks:
        by_mcc.setdefault(extra["mcc"], Counter()).update(extra["countries"])
    codes = []
    for mcc, found in sorted(_table("p1_mcc.json").items()):
        records = found if isinstance(found, list) else [found]  # 234: GB, GG, IM, JE
        # the country with most networks first: 310 is the United States' before Guam's
        count = by_mcc.get(mcc, Counter())
        countries = [r["cc2"] for r in records if r.get("cc2")]
        countries += [c for c in count if c not in countries]
        countries.sort(key=lambda c: -count[c])
        notes = next((r["notes"] for r in records if r.get("notes")), "")
        label = ", ".join(names.get(c, c) for c in countries) or notes or mcc
        codes.append(
            (mcc, label, {"country": countries[0] if countries else None, "countries": countries})
        )
    return {"mcc": codes, "networks": networks}
