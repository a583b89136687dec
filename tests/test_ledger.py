"""The ledger's posting service: balances, idempotency, the credit limit, the hot path, and the
append-only rule, on whichever engine the suite runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import ledger
from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.legal_entities.models import LegalEntity
from core.errors import Invalid
from core.ledger import BalanceAccount, Entry, LedgerEntry, LimitExceeded

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def open_agreement(bo_factory, code: str, limits=((T0, None, 100_000_000),)) -> int:
    """An agreement (its account opened by the database) with one version per
    ``(from, till, credit_limit)``; returns its balance account id."""
    owner = await bo_factory.owner()
    buyer = await bo_factory.company(owner, "client")
    theirs = LegalEntity(company=buyer["id"], name=f"{code} b", legal_name="B", country="DE")
    ours = LegalEntity(company=owner["id"], name=f"{code} s", legal_name="S", country="DE")
    await theirs.save()
    await ours.save()
    agreement = Agreement(
        company=buyer["id"],
        legal_entity=theirs.id,
        own_legal_entity=ours.id,
        code=code,
        agreement_date=date(2026, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    for start, till, limit in limits:
        await AgreementVersion(
            agreement=agreement.id, effective_from=start, effective_till=till, credit_limit=limit
        ).save()
    return await ledger.main_account(agreement.id)


async def balance(account: int) -> int:
    row = (
        await BalanceAccount.select(BalanceAccount.balance)
        .where(BalanceAccount.id == account)
        .first()
    )
    return row["balance"]


async def ledger_sum(account: int) -> int:
    rows = await LedgerEntry.select(LedgerEntry.amount).where(LedgerEntry.account == account)
    return sum(r["amount"] for r in rows)


def key() -> str:
    return uuid.uuid4().hex


async def test_a_batch_moves_balances_and_records_each_resulting_balance(bo_factory):
    a = await open_agreement(bo_factory, "L-1")
    b = await open_agreement(bo_factory, "L-2")
    posted = await ledger.post(
        [
            Entry(a, 5_000_000, "payment", "pay-1"),
            Entry(a, -1_250_000, "edr", "edr-1"),
            Entry(b, -3, "fee", "fee-1"),
        ],
        idempotency_key="batch-1",
        enforce_limit=True,
    )
    assert posted.balances == {a: 3_750_000, b: -3} and posted.entries == 3
    assert not posted.replayed
    rows = await LedgerEntry.select().order_by(LedgerEntry.id)
    assert [r["resulting_balance"] for r in rows] == [5_000_000, 3_750_000, -3]
    assert [r["idempotency_key"] for r in rows] == ["batch-1/0", "batch-1/1", "batch-1/2"]
    assert {r["batch_id"] for r in rows} == {posted.batch_id}
    assert all(r["currency"] == "EUR" for r in rows)
    assert await balance(a) == 3_750_000 == await ledger_sum(a)


async def test_the_same_key_again_returns_the_first_result_and_writes_nothing(bo_factory):
    a = await open_agreement(bo_factory, "L-1")
    first = await ledger.post([Entry(a, 7, "adjustment")], idempotency_key="k", enforce_limit=False)
    again = await ledger.post(
        [Entry(a, 999, "adjustment")], idempotency_key="k", enforce_limit=False
    )
    assert again.replayed and again.batch_id == first.batch_id
    assert again.balances == first.balances == {a: 7} and again.entries == 1
    assert await LedgerEntry.count() == 1 and await balance(a) == 7


async def test_concurrent_retries_of_one_key_write_once(bo_factory):
    a = await open_agreement(bo_factory, "L-1")
    results = await asyncio.gather(
        *(
            ledger.post([Entry(a, 10, "payment")], idempotency_key="same", enforce_limit=False)
            for _ in range(8)
        )
    )
    assert {r.batch_id for r in results} == {results[0].batch_id}
    assert sum(not r.replayed for r in results) == 1
    assert await balance(a) == 10 and await LedgerEntry.count() == 1


async def test_a_debit_past_the_credit_limit_refuses_the_whole_batch(bo_factory):
    a = await open_agreement(bo_factory, "LIM-1", [(T0, None, 100_000_000)])  # limit 100
    other = await open_agreement(bo_factory, "LIM-2")
    await ledger.post([Entry(a, -90_000_000, "edr")], idempotency_key="k1", enforce_limit=True)
    with pytest.raises(LimitExceeded) as refused:
        await ledger.post(
            [Entry(other, 5, "payment"), Entry(a, -12_000_000, "edr", "edr-9")],
            idempotency_key="k2",
            enforce_limit=True,
        )
    message = refused.value.detail
    assert "LIM-1" in message and "-90.000000" in message and "100.000000" in message
    assert "12.000000" in message and refused.value.status_code == 422
    assert refused.value.errors[0]["field"] == "amount"
    assert await balance(a) == -90_000_000 and await balance(other) == 0
    assert await LedgerEntry.count() == 1
    # Without enforce_limit the same debit passes (rating decides before posting).
    await ledger.post([Entry(a, -12_000_000, "edr")], idempotency_key="k3", enforce_limit=False)
    assert await balance(a) == -102_000_000


async def test_the_limit_is_the_one_in_force_at_the_entry_time(bo_factory):
    mid = T0 + timedelta(days=10)
    a = await open_agreement(
        bo_factory, "LIM-T", [(T0, mid, 1_000_000), (mid, None, None)]
    )  # 1.00 then unlimited
    with pytest.raises(LimitExceeded):
        await ledger.post(
            [Entry(a, -2_000_000, "edr", time=T0 + timedelta(days=1))],
            idempotency_key="early",
            enforce_limit=True,
        )
    await ledger.post(
        [Entry(a, -2_000_000_000, "edr", time=mid)], idempotency_key="late", enforce_limit=True
    )
    # Before any version (no terms in force): no credit at all.
    with pytest.raises(LimitExceeded):
        await ledger.post(
            [Entry(a, -1, "edr", time=T0 - timedelta(days=1))],
            idempotency_key="before",
            enforce_limit=True,
        )
    assert await balance(a) == -2_000_000_000


async def test_a_credit_earlier_in_the_batch_makes_room_for_a_debit(bo_factory):
    a = await open_agreement(bo_factory, "LIM-C", [(T0, None, 0)])
    posted = await ledger.post(
        [Entry(a, 5, "payment"), Entry(a, -5, "edr")], idempotency_key="k", enforce_limit=True
    )
    assert posted.balances == {a: 0}
    with pytest.raises(LimitExceeded):  # the debit comes first: the balance would dip below 0
        await ledger.post(
            [Entry(a, -5, "edr"), Entry(a, 5, "payment")], idempotency_key="k2", enforce_limit=True
        )


@pytest.mark.parametrize(
    "entry, field",
    [
        (lambda a: Entry(a, 1.5, "edr"), "entries[0].amount"),
        (lambda a: Entry(a, True, "edr"), "entries[0].amount"),
        (lambda a: Entry(a, 2**63, "edr"), "entries[0].amount"),
        (lambda a: Entry(a, 1, "gift"), "entries[0].cause_kind"),
        (lambda a: Entry(a, 1, "edr", "x" * 201), "entries[0].cause_ref"),
        (lambda a: Entry(a, 1, "edr", time=datetime(2026, 1, 1)), "entries[0].time"),
        (lambda a: Entry(a, 1, "edr", time="2026-01-01"), "entries[0].time"),
        (lambda a: Entry(a, 1, "edr", None), "entries[0].cause_ref"),
        (lambda a: Entry(str(a), 1, "edr"), "entries[0].account"),
        (lambda a: Entry(a + 1000, 1, "edr"), "account"),
    ],
)
async def test_bad_entries_are_refused_in_our_words(bo_factory, entry, field):
    a = await open_agreement(bo_factory, "BAD")
    with pytest.raises(Invalid) as refused:
        await ledger.post([entry(a)], idempotency_key="k", enforce_limit=False)
    assert refused.value.errors[0]["field"] == field
    assert await LedgerEntry.count() == 0 and await balance(a) == 0


async def test_empty_batches_and_keys_are_refused(bo_factory):
    a = await open_agreement(bo_factory, "BAD")
    with pytest.raises(Invalid):
        await ledger.post([], idempotency_key="k", enforce_limit=False)
    for bad in ("", " ", "k" * 201):
        with pytest.raises(Invalid):
            await ledger.post([Entry(a, 1, "edr")], idempotency_key=bad, enforce_limit=False)


async def test_entries_cannot_be_updated_or_deleted(bo_factory):
    a = await open_agreement(bo_factory, "AO")
    await ledger.post([Entry(a, 1, "payment")], idempotency_key="k", enforce_limit=False)
    with pytest.raises(Exception, match="append-only"):
        await LedgerEntry.update({LedgerEntry.amount: 2}).where(LedgerEntry.account == a)
    with pytest.raises(Exception, match="append-only"):
        await LedgerEntry.delete().where(LedgerEntry.account == a)
    assert await ledger_sum(a) == 1
    # the service offers no way to change or remove an entry
    assert not {n for n in dir(ledger) if n.startswith(("update", "delete", "remove", "edit"))}


async def test_an_agreement_created_through_the_service_has_its_account(bo_factory, bo_api):
    from test_agreements_api import make, world

    w = await world(bo_factory)
    created = await make(await bo_api(w["user"]), w, currency="USD")
    account = await BalanceAccount.select().where(BalanceAccount.agreement == created["id"]).first()
    assert account["currency"] == "USD" and account["balance"] == 0


async def test_the_hot_path_posts_many_accounts_in_one_batch(bo_factory):
    accounts = [await open_agreement(bo_factory, f"H-{i}") for i in range(5)]
    rows = [(accounts[i % 5], -(i + 1), "edr", f"edr-{i}", T0) for i in range(1_000)]
    posted = await ledger.post_rows(rows, idempotency_key="rating-1")
    for n, account in enumerate(accounts):
        expected = -sum(i + 1 for i in range(n, 1_000, 5))
        assert posted.balances[account] == expected == await balance(account)
        assert await ledger_sum(account) == expected
    last = (
        await LedgerEntry.select(LedgerEntry.resulting_balance)
        .where(LedgerEntry.idempotency_key == "rating-1/999")
        .first()
    )
    assert last["resulting_balance"] == posted.balances[accounts[4]]
    again = await ledger.post_rows(rows, idempotency_key="rating-1")
    assert again.replayed and again.balances == posted.balances and again.entries == 1_000


# --- property: balances always equal their ledger ---------------------------------------------

amount = st.integers(min_value=-50_000_000, max_value=50_000_000)
posting = st.tuples(
    st.lists(st.tuples(st.integers(0, 2), amount), min_size=1, max_size=4),
    st.integers(0, 5),  # key: small, so keys repeat (retries)
    st.booleans(),  # enforce the limit
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(postings=st.lists(posting, min_size=1, max_size=10))
async def test_random_postings_retries_and_refusals_keep_each_balance_equal_to_its_ledger(
    bo_factory, postings
):
    run = uuid.uuid4().hex[:8]
    accounts = [
        await open_agreement(bo_factory, f"P-{run}-{i}", [(T0, None, limit)])
        for i, limit in enumerate((0, 30_000_000, None))
    ]
    first_results: dict[int, ledger.Posted] = {}
    for entries, k, enforce in postings:
        batch = [Entry(accounts[i], a, "edr", time=T0) for i, a in entries]
        before = {a: await balance(a) for a in accounts}
        count = await LedgerEntry.count()
        try:
            posted = await ledger.post(batch, idempotency_key=f"{run}-{k}", enforce_limit=enforce)
        except LimitExceeded:
            assert {a: await balance(a) for a in accounts} == before  # refused as a whole
            assert await LedgerEntry.count() == count
            continue
        if k in first_results:  # a retried key changes nothing and answers the first result
            assert posted.replayed and posted.balances == first_results[k].balances
            assert {a: await balance(a) for a in accounts} == before
            assert await LedgerEntry.count() == count
        else:
            first_results[k] = posted
        for a in accounts:
            assert await balance(a) == await ledger_sum(a)
