"""The audit log's ``user`` and ``action_contains`` filters, read through the label dictionary
(``core.audit.labels``): exactly the rows of the old ``contains``, within the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.audit import service
from core.audit.labels import label_contains, label_filter
from core.audit.models import AuditEvent
from core.audit.recorder import AuditContext, record_event
from core.auth.models import User
from core.db.broad_search import Searched
from core.db.bulk import insert_many
from core.db.engine import is_postgres
from core.web.listing import ListQuery, contains
from tenants.scope import Scope, in_scope

T0 = datetime(2026, 3, 1, tzinfo=UTC)
LABELS = (
    "alice@r1.test",
    "ALICE.Admin@R1.test",
    "bob_smith@r1.test",
    "bobXsmith@r1.test",
    "50%off@r1.test",
    "500ff@r1.test",
    "müller@r1.test",
    "MÜLLER@r1.test",
    "józef@r1.test",
    "o'brien\\{0}}$1@r1.test",
    "system",
    "",
)
ACTIONS = ("User signed in", "Company updated", "=Company created", "100% done", "a_b", "aXb")
# rare, broad, none, short, LIKE wildcards, case, unicode, an FTS5 operator, the whole value
TEXTS = (
    "alice",
    "ALICE",
    "@",
    "r1.test",
    "zzzz",
    "a",
    "%",
    "_",
    "50%",
    "b_s",
    "müller",
    "MÜLLER",
    "ÜLL",
    "ó",
    '"',
    "OR",
    "system",
    "Company",
    "% d",
    "a_b",
    "signed in",
    "o'b",
    "\\{0}}",
    "'",
)


async def _world(bo_factory) -> dict:
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    r2 = await bo_factory.company(owner, "reseller", name="R2")
    c1 = await bo_factory.company(r1, "client", name="C1")
    await AuditEvent.delete(force=True)
    rows = []
    for n in range(120):
        company = (r1, c1, r2)[n % 3]
        label = LABELS[(n // 3) % len(LABELS)]  # every label in every company
        if company is r2:
            label = f"secret{n}@r2.test"
        action = ACTIONS[n % len(ACTIONS)] if company is not r2 else f"R2 only {n}"
        rows.append((T0 + timedelta(minutes=n // 2), company["id"], label, "10.0.0.1", action))
    await insert_many(AuditEvent, ["created_at", "company", "user_label", "ip", "action"], rows)
    return {"owner": owner, "r1": r1, "r2": r2, "c1": c1}


async def _old(scope: Scope, column, text: str) -> set[int]:
    rows = await AuditEvent.select(AuditEvent.id).where(
        in_scope(AuditEvent, scope), contains(column, text)
    )
    return {r["id"] for r in rows}


async def _listed(scope: Scope, filters: service.AuditFilters, **query) -> tuple[list[int], int]:
    """Every id of the filtered list, page after page by cursor, and the first page's total."""
    seen: list[int] = []
    cursor, total = None, None
    while True:
        page = ListQuery(page_size=7, cursor=cursor, **query)
        items, found, cursors = await service.list_events(scope, filters, page)
        total = found if total is None else total
        seen += [e.id for e in items]
        if cursors.next is None:
            return seen, total
        cursor = cursors.next


async def test_same_rows_as_the_old_contains(bo_factory):
    world = await _world(bo_factory)
    for who in ("r1", "owner", "c1"):
        scope = Scope.of(world[who])
        for text in TEXTS:
            for column, name in ((AuditEvent.user_label, "user"), (AuditEvent.action, "action")):
                expected = await _old(scope, column, text)
                # the dictionary's clause alone (on SQLite: the trigram-served form)
                rows = await AuditEvent.select(AuditEvent.id).where(
                    in_scope(AuditEvent, scope), label_contains(column, text)
                )
                assert {r["id"] for r in rows} == expected, (who, name, text)
                # as the list reads it (PostgreSQL: the values first, as an array), leading or
                # checked after another filter
                for lead in (True, False):
                    rows = await AuditEvent.select(AuditEvent.id).where(
                        in_scope(AuditEvent, scope), await label_filter(column, text, lead)
                    )
                    assert {r["id"] for r in rows} == expected, (who, name, text, lead)
                field = "user" if name == "user" else "action_contains"
                filters = service.AuditFilters(**{field: text})
                listed, total = await _listed(scope, filters)
                assert set(listed) == expected and len(listed) == len(expected), (name, text)
                assert total == len(expected), (name, text)


async def test_case_and_unicode_fold_as_before(bo_factory):
    world = await _world(bo_factory)
    scope = Scope.of(world["r1"])
    alice = await _old(scope, AuditEvent.user_label, "alice")
    assert alice and alice == await _old(scope, AuditEvent.user_label, "ALICE")
    upper = await _listed(scope, service.AuditFilters(user="MÜLLER"))
    lower = await _listed(scope, service.AuditFilters(user="müller"))
    # ILIKE folds every letter, SQLite's LIKE only ASCII: the old behaviour on each engine
    assert (set(upper[0]) == set(lower[0])) is is_postgres()
    wild = await _listed(scope, service.AuditFilters(user="b_s"))
    assert wild[1] == len(await _old(scope, AuditEvent.user_label, "bob_smith")) > 0
    percent = await _listed(scope, service.AuditFilters(action_contains="100%"))
    assert percent[1] > 0 and percent[1] == len(await _old(scope, AuditEvent.action, "100% "))


async def test_paging_both_ways_within_a_filter(bo_factory):
    world = await _world(bo_factory)
    scope = Scope.of(world["r1"])
    filters = service.AuditFilters(user="r1.test", action_contains="Company")
    for sort, order in (("created_at", "desc"), ("id", "asc"), ("user", "asc"), ("action", "desc")):
        forward, total = await _listed(scope, filters, sort=sort, order=order)
        assert total == len(forward) == len(set(forward)) > 7
        backward: list[int] = []
        cursor = "last"
        while cursor is not None:
            query = ListQuery(page_size=7, cursor=cursor, sort=sort, order=order)
            items, _, cursors = await service.list_events(scope, filters, query)
            backward = [e.id for e in items] + backward
            cursor = cursors.previous
        assert backward == forward, (sort, order)


async def test_another_tenants_labels_never_match(bo_factory, bo_api):
    world = await _world(bo_factory)
    user = await bo_factory.user(world["r1"])
    api = await bo_api(user)
    for params in ({"user": "secret"}, {"user": "r2.test"}, {"action_contains": "R2 only"}):
        body = (await api.get("/api/v1/audit", params=params)).json()
        assert body["items"] == [] and body["total"] == 0, params
    # the dictionary holds them (it is global) but no route reads it
    assert await _dictionary("user_label", "secret2@r2.test") == 1
    spec = (await api.get("/api/schema/openapi.json")).json()
    assert "audit_labels" not in str(spec)
    assert not [path for path in spec["paths"] if "label" in path]
    body = (await api.get("/api/v1/audit", params={"user": "@", "page_size": 500})).json()
    companies = {e["company_id"] for e in body["items"]}
    assert companies == {world["r1"]["id"], world["c1"]["id"]}
    assert body["total"] == len(await _old(Scope.of(world["r1"]), AuditEvent.user_label, "@"))


async def test_deleted_user_and_old_email_keep_matching(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    user = await bo_factory.user(r1, email="old.name@r1.test")
    ctx = AuditContext(company_id=r1["id"], user_id=user["id"], user_label=user["email"], ip="")
    before = await record_event(ctx, "Signed in", [])
    await User.update({User.email: "new.name@r1.test"}).where(User.id == user["id"])
    ctx = AuditContext(
        company_id=r1["id"], user_id=user["id"], user_label="new.name@r1.test", ip=""
    )
    after = await record_event(ctx, "Signed in", [])
    await User.delete().where(User.id == user["id"])
    scope = Scope.of(r1)

    async def ids(text: str) -> list[int]:
        items, _, _ = await service.list_events(scope, service.AuditFilters(user=text), ListQuery())
        return [e.id for e in items]

    assert await ids("old.name") == [before]
    assert await ids("new.name") == [after]
    assert await ids("name@r1") == [after, before]
    gone = await AuditEvent.select(AuditEvent.user).where(AuditEvent.id == before).first()
    assert gone["user"] is None  # the user is gone, the label stays


async def _dictionary(kind: str, value: str) -> int:
    rows = await AuditEvent.raw(
        "SELECT COUNT(*) AS n FROM audit_labels WHERE kind = {} AND value = {}", kind, value
    )
    return rows[0]["n"]


async def test_every_write_path_fills_the_dictionary(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    await AuditEvent(company=r1["id"], user_label="saved@x.test", action="saved.one").save()
    await AuditEvent.insert(
        AuditEvent(company=r1["id"], user_label="inserted@x.test", action="inserted.one"),
        AuditEvent(company=r1["id"], user_label="inserted@x.test", action="inserted.two"),
    )
    columns = ["created_at", "company", "user_label", "ip", "action"]
    bulk = [(T0, r1["id"], "bulk@x.test", "", f"bulk.{n % 3}") for n in range(12_000)]
    await insert_many(AuditEvent, columns, bulk)  # executemany, COPY on PostgreSQL
    await AuditEvent.update({AuditEvent.user_label: "repaired@x.test"}).where(
        AuditEvent.action == "saved.one"
    )
    for kind, value in (
        ("user_label", "saved@x.test"),
        ("user_label", "inserted@x.test"),
        ("user_label", "bulk@x.test"),
        ("user_label", "repaired@x.test"),
        ("action", "saved.one"),
        ("action", "inserted.two"),
        ("action", "bulk.0"),
        ("action", "bulk.2"),
    ):
        assert await _dictionary(kind, value) == 1, (kind, value)  # once, however many events
    scope = Scope.of(r1)
    items, total, _ = await service.list_events(
        scope, service.AuditFilters(user="bulk@", action_contains="bulk.1"), ListQuery()
    )
    assert total == 4_000 and {e.action for e in items} == {"bulk.1"}
    items, total, _ = await service.list_events(
        scope, service.AuditFilters(user="repaired"), ListQuery()
    )
    assert [e.action for e in items] == ["saved.one"] and total == 1


async def test_a_broad_text_is_answered_on_sqlite_from_the_lists_order(bo_factory):
    """Thousands of events all matching: the page and its capped total are exact whichever
    way ``core.db.broad_search`` reads them."""
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    columns = ["created_at", "company", "user_label", "ip", "action"]
    rows = [
        (T0 + timedelta(seconds=n), r1["id"], f"u{n % 40}@r1.test", "", "Signed in")
        for n in range(12_000)
    ]
    await insert_many(AuditEvent, columns, rows)
    clause = label_contains(AuditEvent.user_label, "@r1")
    assert isinstance(clause, Searched) is not is_postgres()
    scope = Scope.of(r1)
    for filters, expected in (
        (service.AuditFilters(user="@r1"), 10_001),
        (service.AuditFilters(user="u7@"), 300),
        (service.AuditFilters(action_contains="signed", user="u1"), 3_300),
    ):
        items, total, cursors = await service.list_events(scope, filters, ListQuery())
        assert min(total, 10_001) == expected, filters
        newest = (
            await AuditEvent.select(AuditEvent.id)
            .where(in_scope(AuditEvent, scope), *await filters.clauses())
            .order_by(AuditEvent.created_at, ascending=False)
            .order_by(AuditEvent.id, ascending=False)
            .limit(25)
        )
        assert [e.id for e in items] == [r["id"] for r in newest]
        assert cursors.next is not None


async def _plan(query) -> str:
    """The query plan of a piccolo query; on PostgreSQL with table and bitmap reads ruled out
    (a test table is small enough that any read would do). Not plain index scans too: up to
    PostgreSQL 17 ``enable_indexscan = off`` prices index-only scans as disabled as well, so a
    tiny table's sequential scan won or lost against them by a few rows."""
    from core.db.engine import engine, transaction

    sql, args = query.querystrings[0].compile_string(engine_type=engine().engine_type)
    async with transaction() as txn:
        if is_postgres():
            await txn.connection.execute("SET LOCAL enable_seqscan = off")
            await txn.connection.execute("SET LOCAL enable_bitmapscan = off")
            rows = await txn.connection.fetch("EXPLAIN " + sql, *args)
            return "\n".join(row[0] for row in rows)
        cursor = await txn.connection.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(str(row["detail"]) for row in await cursor.fetchall())


async def test_a_capped_total_counts_each_arm_from_its_label_index(bo_factory):
    """A text filter's total is counted arm by arm, each from the arm's ``(arm, user_label,
    action, …)`` or ``(arm, action, …)`` index alone (a count of 10,001 matches read as many
    table rows: 80 ms on PostgreSQL at 1,000,000 events), both filters together as the
    (label, action) pairs they name; and it is the old ``LIKE``'s count."""
    from core.db import disjoint
    from core.db.statistics import refresh_statistics

    world = await _world(bo_factory)
    scope = Scope.of(world["r1"])
    await refresh_statistics()  # PostgreSQL: the visibility map an index-only read needs
    for filters, index in (
        (service.AuditFilters(user="alice"), "user_label_action_scope"),
        (service.AuditFilters(action_contains="Company"), "_action_scope"),
        (service.AuditFilters(user="alice", action_contains="Company"), "user_label_action_scope"),
    ):
        where = await service.scoped_clauses(scope, filters)
        parts = disjoint.counted_apart(where)
        assert len(parts) == 2, filters  # one per arm, the filters with each
        for part, arm in zip(parts, ("company", "tenant_id"), strict=True):
            query = AuditEvent.select(AuditEvent.id)
            for clause in part:
                query = query.where(clause)
            plan = await _plan(query)
            assert f"audit_events_{arm}_" in plan and index in plan, (filters, plan)
            # SQLite says so; PostgreSQL's choice between an index-only and a plain scan of the
            # same index follows the visibility map, which another session's open transaction
            # on the shared server can keep unset: the index holding every column is the point
            assert ("COVERING INDEX" in plan) or ("Index" in plan and "Scan" in plan), (
                filters,
                plan,
            )
        old = AuditEvent.select(AuditEvent.id).where(in_scope(AuditEvent, scope))
        if filters.user:
            old = old.where(contains(AuditEvent.user_label, filters.user))
        if filters.action_contains:
            old = old.where(contains(AuditEvent.action, filters.action_contains))
        expected = len(await old)
        _, total, _ = await service.list_events(scope, filters, ListQuery())
        assert total == expected > 0, filters


async def _both_ways(scope: Scope, filters: service.AuditFilters, sort: str, order: str):
    """Every page forward by cursor, then backward from ``last``: ids in order, and the total."""
    forward, total = await _listed(scope, filters, sort=sort, order=order)
    backward: list[int] = []
    cursor = "last"
    while cursor is not None:
        query = ListQuery(page_size=7, cursor=cursor, sort=sort, order=order)
        items, _, cursors = await service.list_events(scope, filters, query)
        backward = [e.id for e in items] + backward
        cursor = cursors.previous
    return forward, backward, total


async def test_pair_ranges_and_the_dictionary_path_give_the_same_pages(bo_factory, monkeypatch):
    """SQLite reads the two text filters as (label, action) ranges when they name few pairs
    (``core.audit.label_pairs``), else one text at a time through the dictionary: the same
    pages, in the same order both ways, and the same totals, for every sort."""
    from core.audit import label_pairs

    world = await _world(bo_factory)
    scope = Scope.of(world["r1"])
    cases = (
        service.AuditFilters(user="r1.test"),
        service.AuditFilters(user="ALICE"),
        service.AuditFilters(user="b_s"),
        service.AuditFilters(action_contains="Company"),
        service.AuditFilters(action_contains="%"),
        service.AuditFilters(user="r1", action_contains="Company"),
        service.AuditFilters(user="o'b", action_contains="a"),
        service.AuditFilters(user="zzzz", action_contains="Company"),
        service.AuditFilters(user="müller", date_from=T0 + timedelta(minutes=5)),
    )
    for filters in cases:
        for sort, order in (("created_at", "desc"), ("id", "asc"), ("user", "asc")):
            # the dictionary is global: other tests' values may make more pairs than the limit
            monkeypatch.setattr(label_pairs, "MAX_PAIRS", 100_000)
            paired = await label_pairs.pair_filters(filters.user, filters.action_contains)
            assert (paired is None) is is_postgres() or not paired, filters
            pairs = await _both_ways(scope, filters, sort, order)
            monkeypatch.setattr(label_pairs, "MAX_PAIRS", 0)
            one_by_one = await _both_ways(scope, filters, sort, order)
            monkeypatch.undo()
            assert pairs == one_by_one, (filters, sort, order)
            forward, backward, total = pairs
            assert forward == backward and total == len(forward), (filters, sort, order)
            old = AuditEvent.select(AuditEvent.id).where(in_scope(AuditEvent, scope))
            if filters.user:
                old = old.where(contains(AuditEvent.user_label, filters.user))
            if filters.action_contains:
                old = old.where(contains(AuditEvent.action, filters.action_contains))
            if filters.date_from:
                old = old.where(AuditEvent.created_at >= filters.date_from)
            assert set(forward) == {r["id"] for r in await old}, (filters, sort, order)


async def test_pair_ranges_read_a_page_from_the_pair_index(bo_factory):
    """SQLite: each arm's page of ``user`` (with every action of the dictionary) and of both
    texts seeks the ``(arm, user_label, action, created_at, id)`` ranges of the pairs, once
    the statistics say a pair holds many events (on a few rows SQLite rightly scans them)."""
    if is_postgres():
        return
    from core.audit.label_pairs import pair_filters
    from core.db.statistics import refresh_statistics

    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="R1")
    c1 = await bo_factory.company(r1, "client", name="C1")
    rows = [
        (T0 + timedelta(seconds=n), (r1, c1)[n % 2]["id"], f"p{n % 4}@r1.test", "", f"act.{n % 3}")
        for n in range(6_000)
    ]
    await insert_many(AuditEvent, ["created_at", "company", "user_label", "ip", "action"], rows)
    await refresh_statistics()
    arms = in_scope(AuditEvent, Scope.of(r1)).arms
    for user, action in (("p1@", None), ("r1.test", "act.2")):
        clauses = await pair_filters(user, action)
        for arm, name in zip(arms, ("company", "tenant_id"), strict=True):
            query = (
                AuditEvent.select(*service.EVENT_COLUMNS)
                .where(arm, *clauses)
                .order_by(AuditEvent.created_at, ascending=False)
                .order_by(AuditEvent.id, ascending=False)
                .limit(26)
            )
            plan = await _plan(query)
            index = f"audit_events_{name}_user_label_action_scope"
            assert f"{index} ({name}=? AND user_label=? AND action=?)" in plan, plan
