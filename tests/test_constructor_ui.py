"""Finance → Services → a service: the Scopes section and its forms, the rate-tree constructor
page with its JSON routes, and the "Try a rate" panel. Pages render for a rate manager and a
viewer (who gets no edit controls and whose writes are refused), another company's service,
scope or node is a 404, form errors show under their fields, and node edits through the
console answer the node API's messages."""

from __future__ import annotations

import re

from test_ui_helpers import post_form, sign_in, token_for

from core.access.testing import role_id, user_with_role
from core.audit.models import AuditEvent
from core.catalogue.scopes.models import ServiceScope
from core.catalogue.trees import examples
from core.catalogue.trees.models import RateNode

PAYG = {"name": "Retail", "type": "pay_as_you_go", "currency": "EUR"}


async def _company(bo_factory, kind: str = "reseller"):
    return await bo_factory.company(await bo_factory.owner(), kind)


async def _service_with_sms_tree(bo_factory, bo_api, company) -> tuple[int, int]:
    api = await bo_api(await bo_factory.user(company))
    sid = (await api.post("/api/v1/services", json=PAYG)).json()["id"]
    res = await api.post(
        f"/api/v1/services/{sid}/scopes", json={"effective_from": "2026-01-01T00:00:00"}
    )
    scope_id = res.json()["id"]
    res = await api.put(f"/api/v1/scopes/{scope_id}/tree", json=examples.sms())
    assert res.status_code == 200, res.text
    return sid, scope_id


async def _json(client, method: str, url: str, page: str, **kwargs):
    """A console JSON request as constructor.js sends it: session cookie plus CSRF header."""
    token = await token_for(client, page)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    return await client.request(method, url, headers=headers, **kwargs)


async def test_scopes_section_new_edit_delete(bo_client, bo_factory, bo_api):
    company = await _company(bo_factory)
    sid, tree_scope = await _service_with_sms_tree(bo_factory, bo_api, company)
    await sign_in(bo_client, await bo_factory.user(company))

    view = await bo_client.get(f"/services/{sid}")
    assert view.status_code == 200
    assert 'id="scopes"' in view.text and "In force now" in view.text
    assert "2026-01-01 00:00:00" in view.text and f'href="/scopes/{tree_scope}"' in view.text
    assert f'href="/services/{sid}/scopes/new"' in view.text

    form = await bo_client.get(f"/services/{sid}/scopes/new")
    assert form.status_code == 200
    assert f'<option value="{tree_scope}">Retail · scope {tree_scope} from' in form.text

    # errors under their fields, values kept: a non-draft needs a start; a skipped local time
    bad = {"effective_from": "", "effective_till": "", "timezone": "UTC"}
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", bad)
    assert res.status_code == 422
    assert re.search(r'data-error-for="effective_from">Is required unless the scope', res.text)
    bad = {"effective_from": "2026-03-29T02:30", "timezone": "Europe/Madrid"}
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", bad)
    assert res.status_code == 422 and "does not exist in Europe/Madrid" in res.text
    assert 'value="2026-03-29T02:30"' in res.text
    bad = {"effective_from": "2026-02-01T00:00", "timezone": "Mars/Base"}
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", bad)
    assert res.status_code == 422 and "is not an IANA timezone name" in res.text
    bad = {"effective_from": "2026-02-01T00:00", "timezone": "UTC", "copy_from_scope_id": "99999"}
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", bad)
    assert res.status_code == 422 and "No scope 99999 among your services" in res.text, re.findall(
        r"field-error[^<]*<", res.text
    )

    bad = {"effective_from": "2026-13-45T00:00", "timezone": "UTC", "copy_from_scope_id": "9" * 30}
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", bad)
    assert res.status_code == 422
    assert 'data-error-for="effective_from"' in res.text
    assert 'data-error-for="copy_from_scope_id"' in res.text
    # a draft copying the tree: the new scope has the same number of nodes
    good = {
        "effective_from": "2027-01-01T00:00",
        "effective_till": "2028-01-01T00:00",
        "timezone": "Europe/Madrid",
        "draft": "1",
        "copy_from_scope_id": str(tree_scope),
    }
    res = await post_form(bo_client, f"/services/{sid}/scopes/new", good)
    assert res.status_code == 303, res.text
    new = await ServiceScope.select().where(ServiceScope.id != tree_scope).first()
    assert res.headers["location"] == f"/scopes/{new['id']}"
    assert new["draft"] is True and new["timezone"] == "Europe/Madrid"
    copied = await RateNode.count().where(RateNode.scope == new["id"])
    assert copied == await RateNode.count().where(RateNode.scope == tree_scope) > 10

    edit = await bo_client.get(f"/scopes/{new['id']}/edit")
    assert 'value="2027-01-01T00:00"' in edit.text and "checked" in edit.text
    res = await post_form(
        bo_client,
        f"/scopes/{new['id']}/edit",
        {
            "effective_from": "2027-01-01T00:00",
            "effective_till": "2026-01-01T00:00",
            "timezone": "Europe/Madrid",
        },
    )
    assert res.status_code == 422 and "Must be later than the start" in res.text
    res = await post_form(
        bo_client,
        f"/scopes/{new['id']}/edit",
        {"effective_from": "2027-01-01T00:00", "effective_till": "", "timezone": "Europe/Madrid"},
    )
    assert res.status_code == 303, res.text
    saved = await ServiceScope.select().where(ServiceScope.id == new["id"]).first()
    assert saved["draft"] is False and saved["effective_till"] is None

    confirm = await bo_client.get(f"/scopes/{new['id']}/delete")
    assert confirm.status_code == 200 and f"rate tree of {copied} nodes" in confirm.text
    res = await post_form(bo_client, f"/scopes/{new['id']}/delete", {})
    assert res.status_code == 303
    assert not await ServiceScope.exists().where(ServiceScope.id == new["id"])
    assert await RateNode.count().where(RateNode.scope == new["id"]) == 0
    actions = {e["action"] for e in await AuditEvent.select(AuditEvent.action)}
    assert {"Service scope created", "Service scope updated", "Service scope deleted"} <= actions


async def test_constructor_page_reads_one_level_and_the_json_routes_edit(
    bo_client, bo_factory, bo_api
):
    company = await _company(bo_factory)
    sid, scope_id = await _service_with_sms_tree(bo_factory, bo_api, company)
    await sign_in(bo_client, await bo_factory.user(company))
    page = await bo_client.get(f"/scopes/{scope_id}")
    assert page.status_code == 200
    assert "constructor.js" in page.text and "data-add-root" in page.text
    sms = (
        await RateNode.select().where(RateNode.scope == scope_id, RateNode.parent.is_null()).first()
    )
    assert f'href="/scopes/{scope_id}?parent={sms["id"]}"' in page.text  # no-JS expand link
    message = (
        await RateNode.select()
        .where(RateNode.parent == sms["id"], RateNode.key == "sms_message")
        .first()
    )

    # without JavaScript: one level per page, a trail back up
    level = await bo_client.get(f"/scopes/{scope_id}?parent={message['id']}")
    assert level.status_code == 200 and "All domains" in level.text
    assert "Depends on country" in level.text  # MT branches on country
    assert "Default (submitted)" in level.text or "submitted" in level.text

    base = f"/ui/rate-tree/scopes/{scope_id}/nodes"
    got = (await bo_client.get(f"{base}?parent={message['id']}")).json()
    keys = [n["key"] for n in got["items"]]
    assert keys == ["MO", "MT"] and got["next_after"] is None
    mt = got["items"][1]
    assert mt["quantity_rule_shown"] == "Default (segments)" and mt["has_children"]
    res = await bo_client.get(f"{base}?parent=abc")
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "parent"
    res = await bo_client.get(f"{base}?parent={message['id']}&limit=5000")
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "limit"

    page_url = f"/scopes/{scope_id}"
    # a value twice under one parent: the node API's message, naming the node
    res = await _json(
        bo_client,
        "POST",
        base,
        page_url,
        json={"parent_id": mt["id"], "key": "es", "rate": {"type": "flat", "price": "0.1"}},
    )
    assert res.status_code == 422, res.text
    assert "appears twice" in res.json()["errors"][0]["message"]
    res = await _json(
        bo_client,
        "POST",
        base,
        page_url,
        json={"parent_id": mt["id"], "key": "PT", "rate": {"type": "flat", "price": "-1"}},
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"].endswith("price")
    res = await _json(bo_client, "POST", base, page_url, content=b"{not json")
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "body"
    res = await _json(
        bo_client,
        "POST",
        base,
        page_url,
        json={"parent_id": mt["id"], "key": "PT", "rate": {"type": "flat", "price": "0.07"}},
    )
    assert res.status_code == 201, res.text
    pt = res.json()
    assert pt["label"] == "Portugal" and pt["price"] == "0.07"
    res = await _json(
        bo_client,
        "PATCH",
        f"/ui/rate-tree/nodes/{pt['id']}",
        page_url,
        json={
            "rate": {
                "type": "scale",
                "scale": "tier",
                "tiers": [{"up_to": 10, "price": "1"}, {"up_to": 5, "price": "2"}, {"price": "3"}],
            }
        },
    )
    assert res.status_code == 422 and "tiers" in res.json()["errors"][0]["field"]
    res = await _json(
        bo_client,
        "PATCH",
        f"/ui/rate-tree/nodes/{pt['id']}",
        page_url,
        json={"rate": {"type": "flat", "price": "0.06", "billing_rule": "delivered"}},
    )
    assert res.status_code == 200 and res.json()["billing_rule_shown"] == "delivered"

    # the delete question counts the subtree
    one = (await bo_client.get(f"/ui/rate-tree/nodes/{mt['id']}")).json()
    assert one["subtree_nodes"] == await _subtree(mt["id"])
    res = await _json(bo_client, "DELETE", f"/ui/rate-tree/nodes/{pt['id']}", page_url)
    assert res.status_code == 200
    assert not await RateNode.exists().where(RateNode.id == pt["id"])

    # the value picker searches the attribute's dictionary
    found = (await bo_client.get("/ui/rate-tree/dictionaries/countries?q=spa")).json()
    assert "ES" in [v["key"] for v in found["items"]]
    res = await bo_client.get("/ui/rate-tree/dictionaries/nope")
    assert res.status_code == 404
    domains = (await bo_client.get("/ui/rate-tree/domains")).json()["items"]
    assert "sms" in [d["key"] for d in domains]

    # a write without the CSRF header is refused
    res = await bo_client.delete(f"/ui/rate-tree/nodes/{mt['id']}")
    assert res.status_code == 403
    assert await RateNode.exists().where(RateNode.id == mt["id"])


async def _subtree(node_id: int) -> int:
    count, todo = 0, [node_id]
    while todo:
        current = todo.pop()
        count += 1
        todo += [
            r["id"] for r in await RateNode.select(RateNode.id).where(RateNode.parent == current)
        ]
    return count


async def test_try_a_rate_panel(bo_client, bo_factory, bo_api):
    company = await _company(bo_factory)
    sid, scope_id = await _service_with_sms_tree(bo_factory, bo_api, company)
    await sign_in(bo_client, await bo_factory.user(company))
    view = await bo_client.get(f"/services/{sid}")
    assert "data-try-form" in view.text, view.text[-3000:]
    # the panel opens on the channel the service prices
    assert '<option value="sms/sms_message" selected>SMS message</option>' in view.text
    assert 'name="attr.direction"' in view.text
    fields = await bo_client.get(
        f"/services/{sid}/try", params={"resource": "sms/sms_message", "partial": "1"}
    )
    assert 'name="attr.direction"' in fields.text and "data-try-result" not in fields.text
    query = {
        "run": "1",
        "at": "2026-06-01T12:00",
        "timezone": "Europe/Madrid",
        "resource": "sms/sms_message",
        "attr.direction": "MT",
        "attr.country": "ES",
        "attr.network": examples.VODAFONE_ES,
    }
    res = await bo_client.get(f"/services/{sid}/try", params=query)
    assert res.status_code == 200
    assert 'data-field="price">0.04 EUR' in res.text
    assert "sms / sms_message / MT / ES / 21401" in res.text
    res = await bo_client.get(
        f"/services/{sid}/try",
        params={**query, "attr.country": "FR", "attr.network": "", "partial": "1"},
    )
    assert res.status_code == 200 and "<html" not in res.text
    assert "up to 10000" in res.text and "MT / *" in res.text
    # before the scope starts nothing is in force
    res = await bo_client.get(f"/services/{sid}/try", params={**query, "at": "2025-06-01T12:00"})
    assert "Not found" in res.text and "none in force" in res.text
    # errors under their fields
    res = await bo_client.get(
        f"/services/{sid}/try",
        params={**query, "at": "tomorrow", "timezone": "Nowhere", "resource": "x/y"},
    )
    assert "Is not a date and time" in res.text and "is not an IANA timezone name" in res.text
    assert "Is not a resource your company can price" in res.text


async def test_viewer_reads_without_edit_controls_and_cannot_write(bo_client, bo_factory, bo_api):
    company = await _company(bo_factory)
    sid, scope_id = await _service_with_sms_tree(bo_factory, bo_api, company)
    viewer = await user_with_role(
        bo_factory, company, "backoffice", await role_id("backoffice", "Finance manager")
    )
    await sign_in(bo_client, viewer)
    view = await bo_client.get(f"/services/{sid}")
    assert view.status_code == 200 and f'href="/scopes/{scope_id}"' in view.text
    assert "/scopes/new" not in view.text and f"/scopes/{scope_id}/delete" not in view.text
    page = await bo_client.get(f"/scopes/{scope_id}")
    assert page.status_code == 200
    assert 'data-can-manage="false"' in page.text and "data-add-root" not in page.text
    res = await bo_client.get(
        f"/services/{sid}/try",
        params={
            "run": "1",
            "resource": "sms/sms_message",
            "attr.direction": "MO",
            "at": "2026-06-01T00:00",
        },
    )
    assert "Free" in res.text
    for url in (
        f"/services/{sid}/scopes/new",
        f"/scopes/{scope_id}/edit",
        f"/scopes/{scope_id}/delete",
    ):
        assert (await bo_client.get(url)).status_code == 403
    sms = await RateNode.select().where(RateNode.scope == scope_id).first()
    res = await _json(
        bo_client, "DELETE", f"/ui/rate-tree/nodes/{sms['id']}", f"/scopes/{scope_id}"
    )
    assert res.status_code == 403
    res = await _json(
        bo_client,
        "POST",
        f"/ui/rate-tree/scopes/{scope_id}/nodes",
        f"/scopes/{scope_id}",
        json={"key": "rcs"},
    )
    assert res.status_code == 403
    assert await RateNode.exists().where(RateNode.id == sms["id"])


async def test_other_companies_get_404_and_clients_are_refused(bo_client, bo_factory, bo_api):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller")
    sibling = await bo_factory.company(owner, "reseller")
    sid, scope_id = await _service_with_sms_tree(bo_factory, bo_api, mine)
    node = await RateNode.select().where(RateNode.scope == scope_id).first()
    await sign_in(bo_client, await bo_factory.user(sibling))
    page_of_mine = "/services"
    for url in (
        f"/scopes/{scope_id}",
        f"/scopes/{scope_id}/edit",
        f"/scopes/{scope_id}/delete",
        f"/services/{sid}/scopes/new",
        f"/services/{sid}/try",
        f"/ui/rate-tree/scopes/{scope_id}/nodes",
        f"/ui/rate-tree/nodes/{node['id']}",
        f"/scopes/{2**40}",
    ):
        assert (await bo_client.get(url)).status_code == 404, url
    res = await _json(bo_client, "DELETE", f"/ui/rate-tree/nodes/{node['id']}", page_of_mine)
    assert res.status_code == 404
    res = await _json(
        bo_client, "PATCH", f"/ui/rate-tree/nodes/{node['id']}", page_of_mine, json={"key": "x"}
    )
    assert res.status_code == 404
    res = await _json(
        bo_client,
        "POST",
        f"/ui/rate-tree/scopes/{scope_id}/nodes",
        page_of_mine,
        json={"key": "rcs"},
    )
    assert res.status_code == 404
    res = await post_form(bo_client, f"/scopes/{scope_id}/delete", {}, page="/services")
    assert res.status_code == 404
    assert await ServiceScope.exists().where(ServiceScope.id == scope_id)

    client_company = await bo_factory.company(mine, "client")
    await sign_in(bo_client, await bo_factory.user(client_company))
    for url in (f"/scopes/{scope_id}", f"/services/{sid}/try", f"/ui/rate-tree/nodes/{node['id']}"):
        assert (await bo_client.get(url)).status_code in (403, 404), url


async def test_a_5000_node_level_is_paged(bo_client, bo_factory, bo_api):
    """A wide level never travels whole: the page shows 200 rows and a link on, the JSON
    route a page with where to continue."""
    company = await _company(bo_factory)
    api = await bo_api(await bo_factory.user(company))
    sid = (await api.post("/api/v1/services", json=PAYG)).json()["id"]
    res = await api.post(
        f"/api/v1/services/{sid}/scopes", json={"effective_from": "2026-01-01T00:00:00"}
    )
    scope_id = res.json()["id"]
    children = [
        {"value": f"S{i:05d}", "rate": {"type": "flat", "price": "0.01"}} for i in range(5000)
    ]
    doc = {
        "format": 1,
        "domains": [
            {
                "domain": "sms",
                "resources": [
                    {
                        "resource": "sms_message",
                        "rate": {"depends_on": "sender_id", "children": children},
                    }
                ],
            }
        ],
    }
    assert (await api.put(f"/api/v1/scopes/{scope_id}/tree", json=doc)).status_code == 200
    await sign_in(bo_client, await bo_factory.user(company))
    message = await RateNode.select().where(RateNode.key == "sms_message").first()
    page = await bo_client.get(f"/scopes/{scope_id}?parent={message['id']}")
    assert page.status_code == 200
    assert page.text.count('class="tree-row"') == 200 and "S00199" in page.text
    assert "S00200" not in page.text and "after=" in page.text
    base = f"/ui/rate-tree/scopes/{scope_id}/nodes?parent={message['id']}"
    first = (await bo_client.get(base)).json()
    assert len(first["items"]) == 200 and first["next_after"] is not None
    second = (await bo_client.get(f"{base}&after={first['next_after']}")).json()
    assert second["items"][0]["key"] == "S00200"
