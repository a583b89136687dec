"""The agreements' CSV export read straight into columns, without an ``AgreementOut`` a row.

Building two Structs an agreement (the agreement and its version in force) and taking them
apart again, a field at a time, was half of the export's cost (issue 9). Here each column of
a batch is made whole from the rows the list reads (``agreements.page_rows``, the same query,
filters and order): the values the Structs' fields would hold, by the same functions
(``amount_text``, ``status``, ``local_text``), then formatted by the plan of ``AgreementOut``
like any list. Functions of values that repeat from row to row (an e-mail list's JSON, a
credit limit, a start in a time zone) are computed once a batch per distinct value.
``tests/test_csv_export.py`` checks every column against the Struct path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from core.accounts.agreements import versions
from core.accounts.agreements.schemas import EMAIL_FIELDS
from core.accounts.agreements.service import AgreementFilters, batch_columns
from core.db.rows import Columnar
from core.money import amount_text
from core.periods import local_text, status, utc
from core.web.csv_cells import Columns, once
from core.web.listing import Cursors, ListQuery
from tenants.scope import Scope

# AgreementOut's fields read as they are from the list's row: field -> the row's key
AS_READ = {
    "id": "id",
    "company_id": "company",
    "company_name": "company_name",
    "direction": "direction",
    "legal_entity_id": "legal_entity",
    "legal_entity_name": "legal_entity_name",
    "own_legal_entity_id": "own_legal_entity",
    "own_legal_entity_name": "own_legal_entity_name",
    "bank_account_id": "bank_account",
    "bank_account_name": "bank_account_name",
    "own_bank_account_id": "own_bank_account",
    "own_bank_account_name": "own_bank_account_name",
    "code": "code",
    "agreement_date": "agreement_date",
    "currency": "currency",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
# VersionOut's fields read as they are from the version's stored row
VERSION_AS_READ = {
    "id": "id",
    "agreement_id": "agreement",
    "timezone": "timezone",
    "billing_timezone": "billing_timezone",
    "billing_period": "billing_period",
    "billing_day": "billing_day",
    "split_by_month": "split_by_month",
    "days_for_payment": "days_for_payment",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


async def columns(
    scope: Scope, filters: AgreementFilters, query: ListQuery
) -> tuple[Columns, int, Cursors]:
    """One batch of ``list_agreements`` as columns (``csv_export.respond``'s ``columns``)."""
    now = versions.now_utc()
    read = await batch_columns(scope, filters, query, now)
    values: dict[tuple[str, ...], Sequence] = {
        (field,): read[key] for field, key in AS_READ.items()
    }
    values[("balance",)] = [amount_text(micros) for micros in read["balance"]]
    in_force = read[versions.IN_FORCE_ID]
    stored = await versions.stored_columns(in_force)
    nested = _version_columns(_in_batch_order(stored, in_force), now)
    if None in in_force:
        nested = {name: _spread(column, in_force) for name, column in nested.items()}
    for name, column in nested.items():
        values[("current_version", name)] = column
    values[("credit_limit",)] = nested["credit_limit"]
    return Columns(read.size, values), 0, Cursors()


def _in_batch_order(stored: Columnar, in_force: Sequence[int | None]) -> dict[str, Sequence]:
    """The versions' columns in the order of the batch's rows that have one (the versions
    were read by id, in any order)."""
    if not stored.size:
        return {column._meta.name: () for column in versions.COLUMNS}
    at = {version_id: n for n, version_id in enumerate(stored["id"])}
    order = [at[version_id] for version_id in in_force if version_id is not None]
    if order == list(range(stored.size)):
        return stored.columns
    pick = itemgetter(*order)
    if len(order) == 1:
        return {name: (column[order[0]],) for name, column in stored.columns.items()}
    return {name: pick(column) for name, column in stored.columns.items()}


def _version_columns(read: dict[str, Sequence], now: datetime) -> dict[str, Sequence]:
    """VersionOut's fields of each version (``out_of_normalised`` of ``normalise``d rows)."""
    out: dict[str, Sequence] = {field: read[key] for field, key in VERSION_AS_READ.items()}
    starts = [_utc(v) for v in read["effective_from"]]
    tills = [_utc(v) for v in read["effective_till"]]
    zones = out["timezone"]
    out["effective_from"], out["effective_till"] = starts, tills
    out["status"] = [status(start, till, now) for start, till in zip(starts, tills, strict=True)]
    out["effective_from_local"] = once(local_text, starts, zones)
    out["effective_till_local"] = once(local_text, tills, zones)
    out["credit_limit"] = once(amount_text, read["credit_limit"])
    for field in EMAIL_FIELDS:
        out[field] = once(versions.emails, read[field])
    return out


def _utc(value: Any) -> datetime | None:
    """``periods.utc``, skipped for what both databases give: an aware UTC instant."""
    if value.__class__ is datetime and value.tzinfo is UTC:
        return value
    return utc(value)


def _spread(column: Sequence, in_force: Sequence[int | None]) -> list:
    """A column of the rows that have a version in force, spread over all the rows: ``None``
    where there is none (the Struct's ``current_version`` is then ``None``)."""
    values = iter(column)
    return [None if v is None else next(values) for v in in_force]
