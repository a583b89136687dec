"""Refusing to delete a row that other rows still point at, with a message naming them.

The foreign keys restrict such deletes anyway, but a database error says neither what uses
the row nor what to do; counting the users first, inside the delete's transaction, turns that
into a 409 the caller can act on. Counts are not scoped on purpose: a row in use anywhere must
stay, and only the kinds and numbers of its users are told, never their names.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.columns.combination import Where
from piccolo.table import Table

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.reselling.models import ResellingAssociation
from core.errors import Conflict
from tenants.models import Company


@dataclass(frozen=True)
class Usage:
    """One kind of row that may reference the row being deleted."""

    singular: str
    plural: str
    table: type[Table]
    references: Where


def _counted(count: int, usage: Usage) -> str:
    return f"{count} {usage.singular if count == 1 else usage.plural}"


async def refuse_if_used(label: str, usages: list[Usage]) -> None:
    """Raise ``Conflict`` listing every kind of user with its count; return when none exists."""
    found = []
    for usage in usages:
        count = await usage.table.count().where(usage.references)
        if count:
            found.append(_counted(count, usage))
    if not found:
        return
    users = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
    raise Conflict(f"{label} is still used by {users}; change or delete those first")


def bank_usages(bank_id: int) -> list[Usage]:
    return [Usage("bank account", "bank accounts", BankAccount, BankAccount.bank == bank_id)]


def bank_account_usages(account_id: int) -> list[Usage]:
    either = (Agreement.bank_account == account_id) | (Agreement.own_bank_account == account_id)
    return [Usage("agreement", "agreements", Agreement, either)]


def legal_entity_usages(entity_id: int) -> list[Usage]:
    either = (Agreement.legal_entity == entity_id) | (Agreement.own_legal_entity == entity_id)
    return [
        Usage("bank account", "bank accounts", BankAccount, BankAccount.legal_entity == entity_id),
        Usage("agreement", "agreements", Agreement, either),
        Usage(
            "reselling association",
            "reselling associations",
            ResellingAssociation,
            ResellingAssociation.legal_entity == entity_id,
        ),
        Usage(
            "company it sells to",
            "companies it sells to",
            Company,
            Company.own_legal_entity == entity_id,
        ),
    ]
