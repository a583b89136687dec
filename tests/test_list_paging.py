"""Lists at scale: capped totals on every list, key-based paging (first/previous/next/last) on
the audit log, and the cursor's bad inputs answered 422 (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.audit.models import AuditEvent
from core.db.bulk import insert_many
from core.web import listing

START = datetime(2026, 1, 1, tzinfo=UTC)


async def _events(company_id: int, count: int, *, same_time: bool = False) -> None:
    """``count`` events; ``same_time`` puts them all at one instant (ties broken by id)."""
    await insert_many(
        AuditEvent,
        ["created_at", "company", "user_label", "ip", "action"],
        (
            (
                START if same_time else START + timedelta(minutes=n),
                company_id,
                f"user{n % 3}@x.test",
                "10.0.0.1",
                f"action {n % 4}",
            )
            for n in range(count)
        ),
    )


async def _tenant(bo_factory, bo_api, events: int, **kwargs):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Paged")
    api = await bo_api(await bo_factory.user(reseller))
    await AuditEvent.delete(force=True)
    await _events(reseller["id"], events, **kwargs)
    return api


async def _walk(api, url: str, start: str, link: str) -> list[int]:
    """Ids seen following ``link`` (next or previous) from cursor ``start`` to the end."""
    seen, cursor = [], start
    while cursor:
        body = (await api.get(f"{url}&cursor={cursor}")).json()
        page = [e["id"] for e in body["items"]]
        seen.extend(page if link == "next" else reversed(page))
        cursor = body[link]
    return seen


@pytest.mark.parametrize(
    ("sort", "same_time"), [("created_at", False), ("created_at", True), ("action", False)]
)
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_audit_keyset_walks_every_row_once_both_ways(
    bo_factory, bo_api, sort, same_time, order
):
    api = await _tenant(bo_factory, bo_api, 23, same_time=same_time)
    url = f"/api/v1/audit?page_size=5&sort={sort}&order={order}"
    everything = (await api.get(f"{url}&page_size=100")).json()["items"]
    expected = [e["id"] for e in everything]
    assert len(expected) == 23

    first = (await api.get(f"{url}&cursor=first")).json()
    assert first["first"] == "first" and first["last"] == "last"
    assert first["previous"] is None and first["page"] == 1
    assert await _walk(api, url, "first", "next") == expected

    last = (await api.get(f"{url}&cursor=last")).json()
    assert [e["id"] for e in last["items"]] == expected[-5:]
    assert last["next"] is None and last["page"] == 0
    assert await _walk(api, url, "last", "previous") == list(reversed(expected))


async def test_audit_keyset_pages_join_up_and_keep_the_filters(bo_factory, bo_api):
    api = await _tenant(bo_factory, bo_api, 12)
    url = "/api/v1/audit?page_size=2&action=action%201"
    first = (await api.get(url)).json()
    assert first["total"] == 3 and not first["total_is_capped"]
    second = (await api.get(f"{url}&cursor={first['next']}")).json()
    assert second["next"] is None
    back = (await api.get(f"{url}&cursor={second['previous']}")).json()
    assert back["items"] == first["items"]
    assert {e["action"] for e in first["items"] + second["items"]} == {"action 1"}


async def test_audit_cursor_of_another_tenant_shows_nothing_of_it(bo_factory, bo_api):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine")
    theirs = await bo_factory.company(owner, "reseller", name="Theirs")
    await AuditEvent.delete(force=True)
    await _events(mine["id"], 4)
    await _events(theirs["id"], 4)
    their_api = await bo_api(await bo_factory.user(theirs))
    cursor = (await their_api.get("/api/v1/audit?page_size=2")).json()["next"]
    my_api = await bo_api(await bo_factory.user(mine))
    body = (await my_api.get(f"/api/v1/audit?page_size=10&cursor={cursor}")).json()
    assert {e["company_id"] for e in body["items"]} <= {mine["id"]}


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("garbage!!", "not a cursor"),
        ("W10", "not a cursor"),  # base64 of []
        ("x" * 601, "cursor"),
        ("WyJhZnRlciIsImFjdGlvbiIsImFzYyIsbnVsbCwxXQ", "not a cursor"),  # null value
    ],
)
async def test_bad_cursors_answer_422(bo_factory, bo_api, cursor, message):
    api = await _tenant(bo_factory, bo_api, 3)
    res = await api.get(f"/api/v1/audit?sort=action&order=asc&cursor={cursor}")
    assert res.status_code in (400, 422), res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert message in res.text


async def test_cursor_of_another_sort_is_refused(bo_factory, bo_api):
    api = await _tenant(bo_factory, bo_api, 6)
    cursor = (await api.get("/api/v1/audit?page_size=2&sort=action")).json()["next"]
    res = await api.get(f"/api/v1/audit?page_size=2&sort=ip&cursor={cursor}")
    assert res.status_code == 422 and "another sort" in res.text


async def test_page_numbers_still_work_on_the_audit_log(bo_factory, bo_api):
    api = await _tenant(bo_factory, bo_api, 7)
    everything = [e["id"] for e in (await api.get("/api/v1/audit?page_size=50")).json()["items"]]
    third = (await api.get("/api/v1/audit?page_size=3&page=3")).json()
    assert [e["id"] for e in third["items"]] == everything[6:]
    assert third["page"] == 3 and third["pages"] == 3


async def test_totals_are_capped(bo_factory, bo_api, monkeypatch):
    monkeypatch.setattr(listing, "TOTAL_CAP", 5)
    monkeypatch.setattr("core.ui.tables.TOTAL_CAP", 5)
    api = await _tenant(bo_factory, bo_api, 8)
    capped = (await api.get("/api/v1/audit?page_size=2")).json()
    assert capped["total"] == 5 and capped["total_is_capped"] is True
    assert capped["pages"] == 3
    exact = (await api.get("/api/v1/audit?page_size=2&action=action%201")).json()
    assert exact["total"] == 2 and exact["total_is_capped"] is False
    # a list paged by number reports the cap the same way
    companies = (await api.get("/api/v1/companies")).json()
    assert companies["total_is_capped"] is False


async def test_capped_count_counts_up_to_one_past_the_cap(bo_factory, bo_api):
    await _tenant(bo_factory, bo_api, 9)
    assert await listing.capped_count(AuditEvent, [], cap=4) == 5
    assert await listing.capped_count(AuditEvent, [], cap=100) == 9
    assert await listing.capped_count(AuditEvent, [AuditEvent.action == "action 0"]) == 3


async def test_every_list_takes_a_cursor(bo_factory, bo_api):
    api = await _tenant(bo_factory, bo_api, 1)
    page = (await api.get("/api/v1/companies?cursor=last")).json()
    assert page["first"] == "first" and page["last"] == "last" and page["page"] == 0


@pytest.mark.parametrize("sort", ["type", "enabled", "own_legal_entity", "created_at"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_export_by_key_reads_every_row_once_across_ties(
    bo_factory, bo_api, monkeypatch, sort, order
):
    """Batches resume after the last key read: ties on the sort key are split by id, and a
    key that may be NULL (a joined name) resumes by key too, NULLs last."""
    from core.web import csv_export

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Exporter")
    for n in range(7):
        await bo_factory.company(reseller, "reseller" if n % 3 == 0 else "client", name=f"C{n}")
    api = await bo_api(await bo_factory.user(reseller))
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    res = await api.get(f"/api/v1/companies?format=csv&sort={sort}&order={order}")
    assert res.status_code == 200, res.text
    lines = res.text.lstrip("\ufeff").strip().split("\r\n")
    header = lines[0].split(",")
    names = [line.split(",")[header.index("name")] for line in lines[1:]]
    assert sorted(names) == [f"C{n}" for n in range(7)]
    listed = (await api.get(f"/api/v1/companies?sort={sort}&order={order}&page_size=50")).json()
    assert names == [c["name"] for c in listed["items"]]


async def test_audit_page_links_first_previous_next_last(bo_client, bo_factory):
    """The audit page pages by key too; a stale or edited link shows the first page, said so."""
    import html
    import re

    from test_ui_helpers import sign_in

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Paged UI")
    user = await bo_factory.user(reseller)
    await sign_in(bo_client, user)
    await AuditEvent.delete(force=True)
    await _events(reseller["id"], 23)

    def links(page: str) -> dict[str, str]:
        found = re.findall(r'href="(/audit\?[^"]*)"[^>]*>([^<]+)</a>', page)
        return {re.sub("[^A-Za-z]", "", label): html.unescape(href) for href, label in found}

    first = await bo_client.get("/audit?page_size=10")
    assert first.status_code == 200 and "1\u201310 of 23" in first.text
    nav = links(first.text)
    assert "Next" in nav and "Last" in nav and "Previous" not in nav
    second = await bo_client.get(nav["Next"])
    assert second.status_code == 200
    back = links(second.text)["Previous"]

    def ids(page: str) -> set[str]:
        return set(re.findall(r'href="/audit/(\d+)"', page))

    again = await bo_client.get(back)
    assert ids(again.text) == ids(first.text) and len(ids(first.text)) == 10
    assert not ids(second.text) & ids(first.text)
    last = await bo_client.get(nav["Last"])
    assert len(ids(last.text)) == 10 and "Next" not in links(last.text)
    stale = await bo_client.get("/audit?page_size=10&cursor=bogus")
    assert stale.status_code == 200 and "out of date" in stale.text
