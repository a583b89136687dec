"""Sort keys copied from a joined row onto the row a list reads (issue 9).

A list sorted by a name reached through a foreign key (agreements by their company's name)
sorted every row of its scope on every page: no index holds a column of another table. The
name is therefore copied onto the row, as ``sort_<key>``, and indexed after the list's scope
column, so such a page is one index range like any other. The database keeps the copies
(migration ``2026-12-01T11:20:02``): a trigger sets one on insert and on a change of its
foreign key (or of the copy itself: a value a caller writes is overwritten), and a trigger on
the referenced table follows a rename onto every row that points at it. No service writes them.

The copy is NULL where the join finds no row (a company without its own legal entity), so the
list's order is exactly the join's: ``core.web.keyset`` puts NULL last ascending either way.

An agreement's ledger balance is copied the other way round: ``balance_accounts`` points at
the agreement, and the copy ``agreements.sort_balance`` follows every write of the account's
``balance`` (migration ``2026-12-01T17:40:01``; the posting service moves balances with one
UPDATE of ``balance_accounts``, whose trigger updates the agreements it moved). It is only
the list's order key (``(seller_id, sort_balance, id)``): the balance shown is still read
from the account. NOT NULL, 0 until the account opens, as the account opens at 0.
"""

from __future__ import annotations

# table -> copy column -> (foreign key column, referenced table, referenced column). The
# migration holds its own copy of this map (tests/test_sort_copies.py checks they agree).
COPIES: dict[str, dict[str, tuple[str, str, str]]] = {
    "agreements": {"sort_company": ("company", "companies", "name")},
    "companies": {"sort_own_legal_entity": ("own_legal_entity", "legal_entities", "name")},
    "legal_entities": {"sort_company": ("company", "companies", "name")},
    "bank_accounts": {
        "sort_company": ("company", "companies", "name"),
        "sort_legal_entity": ("legal_entity", "legal_entities", "name"),
        "sort_bank": ("bank", "banks", "name"),
    },
    "portals": {"sort_company": ("company", "companies", "name")},
    "invitations": {"sort_company": ("company", "companies", "name")},
    "users": {"sort_company": ("company", "companies", "name")},
}


# table -> copy column -> (the table that points at it, its foreign key, the copied column)
FOLLOWED: dict[str, dict[str, tuple[str, str, str]]] = {
    "agreements": {"sort_balance": ("balance_accounts", "agreement", "balance")},
}


def copied(tablename: str) -> dict[str, tuple[str, str, str]]:
    """The copy columns of a table reached through its own foreign keys (none for most)."""
    return COPIES.get(tablename, {})


def copy_columns(tablename: str) -> set[str]:
    """Every column of a table the database derives for a list's order: never a change
    anyone made, so the audit leaves them out."""
    return {*COPIES.get(tablename, {}), *FOLLOWED.get(tablename, {})}
