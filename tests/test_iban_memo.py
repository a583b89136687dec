"""An account's ``is_iban`` is remembered per distinct number: the same answer as checking it
afresh, and the memo stays bounded."""

from __future__ import annotations

from core.accounts.bank_accounts import service as accounts

NUMBERS = [
    "DE89370400440532013000",  # valid
    "DE88370400440532013000",  # check digits wrong
    "GB82WEST12345698765432",  # valid
    "XX82WEST12345698765432",  # no such IBAN country
    "DE8937040044053201300",  # one character short
    "12345-678",  # not shaped like an IBAN
    "",
]


def test_the_memo_answers_as_a_fresh_check(monkeypatch):
    monkeypatch.setattr(accounts, "_iban_memo", {})
    fresh = [accounts.looks_like_iban(n) and accounts.iban_problem(n) is None for n in NUMBERS]
    assert fresh[:3] == [True, False, True]
    assert [accounts.is_valid_iban(n) for n in NUMBERS] == fresh
    assert [accounts.is_valid_iban(n) for n in NUMBERS] == fresh  # now from the memo
    assert set(accounts._iban_memo) == set(NUMBERS)


def test_a_full_memo_starts_over(monkeypatch):
    monkeypatch.setattr(accounts, "_iban_memo", {})
    monkeypatch.setattr(accounts, "IBAN_MEMO_SIZE", 2)
    for number in NUMBERS:
        accounts.is_valid_iban(number)
        assert len(accounts._iban_memo) <= 2
    assert accounts.is_valid_iban(NUMBERS[0]) is True
