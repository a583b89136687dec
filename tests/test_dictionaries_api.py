"""The dictionaries API: token required, search and paging, unknown keys as problem+json."""

from __future__ import annotations

from core.plugins.hookspecs import hookimpl


async def _api(bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")  # client users are refused (issue 8)
    return await bo_api(await bo_factory.user(reseller, is_admin=False))


async def test_dictionaries_need_a_bearer_token(bo_client):
    for path in ("/api/v1/dictionaries", "/api/v1/dictionaries/countries"):
        res = await bo_client.get(path)
        assert res.status_code == 401
        assert res.headers["content-type"].startswith("application/problem+json")


async def test_list_names_every_registered_dictionary(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get("/api/v1/dictionaries")
    assert res.status_code == 200, res.text
    assert {"key": "countries", "name": "Countries (ISO 3166-1)"} in res.json()["items"]


async def test_countries_page_and_search(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get("/api/v1/dictionaries/countries", params={"page_size": 2})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] == 249 and body["pages"] == 125 and body["page"] == 1
    assert body["items"][0] == {
        "code": "AD",
        "name": "Andorra",
        "extra": {"alpha_3": "AND", "numeric": "020"},
    }
    res = await api.get("/api/v1/dictionaries/countries", params={"page_size": 2, "page": 2})
    assert [e["code"] for e in res.json()["items"]] == ["AF", "AG"]
    found = (await api.get("/api/v1/dictionaries/countries", params={"q": "germ"})).json()
    assert [e["code"] for e in found["items"]] == ["DE"] and found["total"] == 1
    by_code = (await api.get("/api/v1/dictionaries/countries", params={"q": "fr"})).json()
    assert "FR" in [e["code"] for e in by_code["items"]]


async def test_bad_paging_and_unknown_keys_are_problems(bo_factory, bo_api):
    api = await _api(bo_factory, bo_api)
    res = await api.get("/api/v1/dictionaries/no-such-thing")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "no-such-thing" in res.json()["detail"]
    for params in ({"page": 0}, {"page_size": 501}, {"q": "x" * 101}):
        res = await api.get("/api/v1/dictionaries/countries", params=params)
        assert res.status_code == 400, params
        assert res.json()["errors"]


async def test_plugin_dictionaries_are_served_too(bo_register_plugin, bo_factory, bo_api):
    from core.plugins.declarations import Dictionary

    class Sizes(Dictionary):
        key = "sizes"
        name = "Sizes"
        entries = [("s", "Small"), ("l", "Large", {"rank": 2})]

    class SizesPlugin:
        @hookimpl
        def register_dictionaries(self):
            return [Sizes]

    bo_register_plugin(SizesPlugin(), name="sizes-plugin")
    api = await _api(bo_factory, bo_api)
    res = await api.get("/api/v1/dictionaries/sizes", params={"q": "LAR"})
    assert res.json()["items"] == [{"code": "l", "name": "Large", "extra": {"rank": 2}}]
