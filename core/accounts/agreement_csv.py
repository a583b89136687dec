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
from typing import Any

from core.accounts import agreement_versions as versions
from core.accounts.agreement_schemas import EMAIL_FIELDS
from core.accounts.agreements import AgreementFilters, page_rows
from core.money import amount_text
from core.periods import local_text, status, utc
from core.web.csv_cells import Columns, once, transposed
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
    rows, total, cursors = await page_rows(scope, filters, query, now)
    stored = await versions.stored_by_id([r[versions.IN_FORCE_ID] for r in rows])
    by_id = {v["id"]: v for v in stored}
    in_force = [by_id.get(r[versions.IN_FORCE_ID]) for r in rows]
    keys = [*AS_READ.values(), "balance"]
    read = dict(zip(keys, transposed(rows, keys), strict=True))
    values: dict[tuple[str, ...], Sequence] = {
        (field,): read[key] for field, key in AS_READ.items()
    }
    values[("balance",)] = [amount_text(micros) for micros in read["balance"]]
    nested = _version_columns([v for v in in_force if v is not None], now)
    if None in in_force:
        nested = {name: _spread(column, in_force) for name, column in nested.items()}
    for name, column in nested.items():
        values[("current_version", name)] = column
    values[("credit_limit",)] = nested["credit_limit"]
    return Columns(len(rows), values), total, cursors


def _version_columns(found: list[dict], now: datetime) -> dict[str, Sequence]:
    """VersionOut's fields of each version (``out_of_normalised`` of ``normalise``d rows)."""
    keys = [*VERSION_AS_READ.values(), "effective_from", "effective_till", "credit_limit"]
    keys += EMAIL_FIELDS
    read = dict(zip(keys, transposed(found, keys), strict=True))
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


def _spread(column: Sequence, in_force: list[dict | None]) -> list:
    """A column of the rows that have a version in force, spread over all the rows: ``None``
    where there is none (the Struct's ``current_version`` is then ``None``)."""
    values = iter(column)
    return [None if v is None else next(values) for v in in_force]
