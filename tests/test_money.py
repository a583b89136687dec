"""Money is exact: micro-unit integers in the database, Decimal in Python, never float."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import MoneyError, from_micros, round_money, to_decimal, to_micros

amounts = st.decimals(
    min_value=Decimal("-9000000000000"),
    max_value=Decimal("9000000000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(amounts)
def test_round_trip_is_exact(amount):
    assert from_micros(to_micros(amount)) == amount


@given(st.lists(amounts, max_size=50))
def test_sum_of_micros_equals_decimal_sum(values):
    assert from_micros(sum(to_micros(v) for v in values)) == sum(values, Decimal(0))


def test_worked_examples():
    assert to_micros("0.000001") == 1
    assert to_micros("1050") == 1_050_000_000
    assert from_micros(440_000_000) == Decimal("440.000000")
    assert round_money(Decimal("0.0000005")) == Decimal("0.000000")  # half to even
    assert round_money(Decimal("0.0000015")) == Decimal("0.000002")


@pytest.mark.parametrize("bad", [0.1, "abc", "1.0000001", "NaN", "Infinity", None])
def test_refuses_floats_and_junk(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_refuses_amounts_too_large_to_store():
    with pytest.raises(MoneyError, match="too large"):
        to_micros("9300000000000")
    for huge in ("1e30", "9" * 40):  # beyond the decimal context: a clear error, not a crash
        with pytest.raises(MoneyError, match="too large"):
            to_decimal(huge)


def test_a_huge_negative_is_too_small_not_too_large():
    with pytest.raises(MoneyError, match="too small"):
        to_micros("-9300000000000")
    for huge in ("-1e30", "-" + "9" * 40):
        with pytest.raises(MoneyError, match="too small"):
            to_decimal(huge)


@settings(max_examples=25, deadline=None)
@given(amounts)
async def test_database_stores_money_exactly(amount):
    """The same value read back from SQLite or PostgreSQL, through a real BIGINT column."""
    from core.db.engine import engine

    db = engine()
    await db.run_ddl("CREATE TABLE IF NOT EXISTS money_probe (id INTEGER PRIMARY KEY, v BIGINT)")
    try:
        await db.run_ddl("DELETE FROM money_probe")
        await db.run_ddl(f"INSERT INTO money_probe (id, v) VALUES (1, {to_micros(amount)})")
        rows = await db.run_ddl("SELECT v FROM money_probe WHERE id = 1")
        assert from_micros(rows[0]["v"]) == amount
    finally:
        await db.run_ddl("DROP TABLE IF EXISTS money_probe")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "0.00"),
        ("500.000000", "500.00"),
        ("1234567.5", "1\u202f234\u202f567.50"),
        ("0.000123", "0.000123"),  # never rounded away
        ("-19906.670000", "-19\u202f906.67"),
    ],
)
def test_display_amount_is_exact_and_readable(amount, shown):
    from core.money import display_amount

    assert display_amount(amount) == shown
