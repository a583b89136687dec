"""Money is stored as integer micro-units (1e-6) and handled as ``Decimal`` in Python.

SQLite's NUMERIC affinity turns decimals into binary floats, so an integer column is the only
representation that stays exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

SCALE = 6
QUANTUM = Decimal(1).scaleb(-SCALE)
MICROS = 10**SCALE
MAX_MICROS = 2**63 - 1


class MoneyError(ValueError):
    pass


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Parse a money amount; floats are refused because they are already inexact."""
    if isinstance(value, float):
        raise MoneyError("money must not be given as a float; pass a string or Decimal")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        raise MoneyError(f"{value!r} is not a valid amount") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    try:
        exact = amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the decimal context holds, e.g. "1e30"
        raise MoneyError(f"{value} is {_beyond(amount)} to store") from None
    if amount != exact:
        raise MoneyError(f"{value} has more than {SCALE} decimal places")
    return exact


def to_micros(value: Decimal | int | str) -> int:
    micros = int(to_decimal(value) * MICROS)
    if abs(micros) > MAX_MICROS:
        raise MoneyError(f"{value} is {_beyond(micros)} to store")
    return micros


def _beyond(amount: Decimal | int) -> str:
    """A huge negative is too small, not too large: say which end was passed."""
    return "too small" if amount < 0 else "too large"


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).quantize(QUANTUM)


def amount_text(micros: int | None) -> str | None:
    """Stored micro-units as the API's exact decimal string (``None`` stays ``None``)."""
    return None if micros is None else str(from_micros(micros))


def round_money(value: Decimal) -> Decimal:
    """Rounds a computed amount (price x quantity) to storage precision, banker's rounding."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def _places(value: Decimal) -> int:
    """At least two decimals, and every significant one beyond (a sub-cent price keeps them)."""
    return max(2, -value.normalize().as_tuple().exponent)


def display_amount(amount: Decimal | str | int) -> str:
    """An exact amount for reading: thousands grouped by a narrow space, at least two decimals,
    never rounded (a sub-cent price keeps all its digits)."""
    value = to_decimal(amount)
    return f"{value:,.{_places(value)}f}".replace(",", "\u202f")


def input_amount(amount: Decimal | str | int | None) -> str:
    """An amount as a person types it back into a form ("500.00", not "500.000000"): no
    grouping, so the form reads it again unchanged; ``None`` is an empty field."""
    if amount is None or amount == "":
        return ""
    value = to_decimal(amount)
    return f"{value:.{_places(value)}f}"
