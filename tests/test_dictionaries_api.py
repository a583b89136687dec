"""The dictionaries API: the token guard, the list, pages and search like every list, one value
or its missed option, unknown keys and bad paging as problems."""

from __future__ import annotations

import pytest

from core.catalogue.dictionaries.builtin import CORE_DICTIONARIES

BASE = "/api/v1/dictionaries"


async def _api(bo_factory, bo_api, kind: str = "reseller"):
    owner = await bo_factory.owner()
    company = await bo_factory.company(owner, kind)
    return await bo_api(await bo_factory.user(company, is_admin=False))


async def test_dictionaries_need_a_bearer_token(bo_client):
    for path in (BASE, f"{BASE}/countries", f"{BASE}/countries/FR"):
        res = await bo_client.get(path)
        assert res.status_code == 401
        assert res.headers["content-type"].startswith("application/problem+json")


async def test_list_names_every_core_dictionary_with_its_size_and_source(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get(BASE)
    assert res.status_code == 200, res.text
    items = {i["key"]: i for i in res.json()["items"]}
    assert set(items) >= {d.key for d in CORE_DICTIONARIES}
    countries = items["countries"]
    assert countries["label"] == "Countries (ISO 3166-1)" and countries["size"] == 249
    assert countries["source"].startswith("pycountry ") and not countries["scoped"]
    assert countries["plugin"] == "core.catalogue.dictionaries.builtin"
    assert items["networks"]["size"] > 3000 and items["mcc"]["size"] > 200
    assert items["networks"]["source"].startswith("mcc-mnc-p1 ")
    assert items["directions"]["size"] == 2 and items["pricing_categories"]["size"] == 7


async def test_any_backoffice_user_reads_them_and_client_users_get_the_api_403(bo_factory, bo_api):
    """Reference data: no permission area, any signed-in BackOffice user (here one with no
    role) reads it; client-portal users are refused on the whole API until their portal exists
    (issue 8), these routes included."""
    api = await _api(bo_factory, bo_api)
    assert (await api.get(f"{BASE}/countries/FR")).json()["label"] == "France"
    client = await _api(bo_factory, bo_api, "client")
    res = await client.get(f"{BASE}/countries/FR")
    assert res.status_code == 403 and "client-portal users" in res.json()["detail"]


async def test_countries_page_sort_and_search(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get(f"{BASE}/countries", params={"page_size": 2})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] == 249 and body["pages"] == 125 and body["page"] == 1
    assert body["dictionary"] == "countries" and body["first"] == "first"
    assert body["items"][0] == {
        "key": "AD",
        "label": "Andorra",
        "extra": {"alpha_3": "AND", "numeric": "020", "name_en": "Andorra", "name_fr": "Andorre"},
        "missed": False,
    }
    second = (await api.get(f"{BASE}/countries", params={"page_size": 2, "page": 2})).json()
    assert [e["key"] for e in second["items"]] == ["AF", "AG"]
    by_cursor = await api.get(f"{BASE}/countries", params={"page_size": 2, "cursor": body["next"]})
    assert by_cursor.json()["items"] == second["items"]
    last = (await api.get(f"{BASE}/countries", params={"page_size": 2, "cursor": "last"})).json()
    assert [e["key"] for e in last["items"]] == ["ZW"] and last["next"] is None
    desc = await api.get(f"{BASE}/countries", params={"sort": "label", "order": "desc"})
    labels = [e["label"] for e in desc.json()["items"]]
    assert labels == sorted(labels, key=str.casefold, reverse=True)
    found = (await api.get(f"{BASE}/countries", params={"q": "germ"})).json()
    assert [e["key"] for e in found["items"]] == ["DE"] and found["total"] == 1


async def test_search_reads_french_names_alpha3_and_operators(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    french = (await api.get(f"{BASE}/countries", params={"q": "ALLEMAGNE"})).json()
    assert [e["key"] for e in french["items"]] == ["DE"]
    assert french["items"][0]["extra"]["name_fr"] == "Allemagne"
    alpha3 = (await api.get(f"{BASE}/countries", params={"q": "deu"})).json()
    assert "DE" in [e["key"] for e in alpha3["items"]]
    euro = (await api.get(f"{BASE}/currencies", params={"q": "EUR"})).json()
    assert "EUR" in [e["key"] for e in euro["items"]]
    orange = (await api.get(f"{BASE}/networks", params={"q": "orange", "page_size": 500})).json()
    keys = [e["key"] for e in orange["items"]]
    assert "20801" in keys and all("orange" in str(e).casefold() for e in orange["items"])
    by_country = (await api.get(f"{BASE}/networks", params={"q": "FR", "page_size": 500})).json()
    assert "20801" in [e["key"] for e in by_country["items"]]


async def test_networks_and_mcc_carry_their_countries(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    orange = (await api.get(f"{BASE}/networks/20801")).json()
    assert orange["label"] == "Orange" and not orange["missed"]
    assert orange["extra"]["mcc"] == "208" and orange["extra"]["mnc"] == "01"
    assert orange["extra"]["country"] == "FR" and orange["extra"]["operator"]
    mcc = (await api.get(f"{BASE}/mcc/208")).json()
    assert mcc["extra"]["country"] == "FR" and "France" in mcc["label"]
    us = (await api.get(f"{BASE}/mcc/310")).json()
    assert us["extra"]["country"] == "US"  # the country with most networks comes first


async def test_fixed_lists_hold_the_guide_values(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)

    async def keys(key: str) -> list[str]:
        return [e["key"] for e in (await api.get(f"{BASE}/{key}")).json()["items"]]

    assert set(await keys("pricing_categories")) == {
        "authentication",
        "authentication_international",
        "marketing",
        "marketing_lite",
        "utility",
        "service",
        "referral_conversion",
    }
    assert await keys("directions") == ["MO", "MT"]
    assert set(await keys("periodicity")) == {"monthly", "weekly"}
    assert set(await keys("sender_id_types")) == {"alphanumeric", "short_code", "long_code"}
    assert set(await keys("pricing_types")) == {
        "regular",
        "free_customer_service",
        "free_entry_point",
    }
    regions = (await api.get(f"{BASE}/whatsapp_regions", params={"page_size": 100})).json()
    by_key = {e["key"]: e for e in regions["items"]}
    assert by_key["rest_of_western_europe"]["label"] == "Rest of Western Europe"
    assert by_key["brazil"]["extra"]["country"] == "BR"
    assert {"north_america", "rest_of_latin_america", "mexico", "other"} <= set(by_key)


async def test_an_unknown_value_is_a_missed_option(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get(f"{BASE}/countries/XX")
    assert res.status_code == 200, res.text
    assert res.json() == {"key": "XX", "label": "XX", "extra": {}, "missed": True}
    known = (await api.get(f"{BASE}/countries/FR")).json()
    assert known["missed"] is False and known["extra"]["name_fr"] == "France"


async def test_unknown_dictionaries_are_404_and_bad_paging_is_refused(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    for path in (f"{BASE}/no-such-thing", f"{BASE}/no-such-thing/FR"):
        res = await api.get(path)
        assert res.status_code == 404
        assert res.headers["content-type"].startswith("application/problem+json")
        assert "no-such-thing" in res.json()["detail"]
    for params in ({"sort": "alpha_3"}, {"cursor": "p-1"}, {"cursor": "nope"}):
        res = await api.get(f"{BASE}/countries", params=params)
        assert res.status_code == 422, params
        assert res.json()["errors"]
    # parameter bounds are checked before the handler, as on every list
    for params in ({"page": 0}, {"page_size": 501}, {"q": "x" * 101}, {"order": "up"}):
        res = await api.get(f"{BASE}/countries", params=params)
        assert res.status_code == 400, params
        assert res.json()["errors"]


async def test_csv_export_holds_every_matching_value_like_the_list(bo_factory, bo_api):
    import csv
    import io

    api = await _api(bo_factory, bo_api)
    res = await api.get(f"{BASE}/networks", params={"format": "csv", "sort": "key"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["key", "label"]
    listed = (await api.get(f"{BASE}/networks", params={"page_size": 1})).json()["total"]
    assert len(rows) - 1 == listed and listed > 3000
    keys = [r[0] for r in rows[1:]]
    assert keys == sorted(keys) and "20801" in keys
    found = await api.get(f"{BASE}/countries", params={"format": "csv", "q": "allemagne"})
    lines = list(csv.reader(io.StringIO(found.text.lstrip("\ufeff"))))
    assert [r[0] for r in lines[1:]] == ["DE"]


@pytest.mark.parametrize("path", ["/api/v1/dictionaries/", "/api/v1/dictionaries/countries/"])
async def test_trailing_slashes_answer_like_the_plain_paths(bo_factory, bo_api, path):
    api = await _api(bo_factory, bo_api)
    assert (await api.get(path)).status_code == 200
