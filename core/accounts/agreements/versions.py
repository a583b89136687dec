"""Agreement versions: the terms of an agreement over time, and "which terms are in force at t".

A version holds the terms for the half-open period [from, till) (till None: indefinitely).
Versions of one agreement never overlap, so at most one answers "in force at t", and this
module is the one place that asks the question, always through ``core.periods.in_force_at``:
``versions_in_force`` for rating, balances and the company profile, and ``in_force_id`` inside
the agreements list's own query (an export reads thousands of agreements a batch). History is
protected: a version that has started cannot be deleted nor have its start moved, and the only
version of an agreement cannot be deleted.
Every write locks the agreement row first (PostgreSQL ``FOR UPDATE``; SQLite serialises writers
with ``BEGIN IMMEDIATE``), so two concurrent adds cannot both pass the overlap check.

The period rules themselves (local ends in an IANA zone stored as UTC, overlaps, "in force at
t", the started rules, billing days) live in ``core.periods``; this module applies them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.agreements.schemas import (
    EMAIL_FIELDS,
    TERM_FIELDS,
    VersionCreate,
    VersionOut,
    VersionUpdate,
)
from core.audit.recorder import AuditContext, Change, diff, record_event
from core.db.engine import is_postgres, transaction
from core.db.rows import Columnar, IntegerExpression, fetch_columns
from core.db.rows import fetch as fetch_rows
from core.errors import Conflict, Invalid, NotFound
from core.events import announce
from core.money import MoneyError, amount_text, to_micros
from core.periods import (
    billing_day,
    check_split,
    describe,
    first_overlap,
    in_force_at,
    local_text,
    now_utc,
    period_instants,
    refuse_deleting_started,
    refuse_moving_started,
    status,
    utc,
    zone,
)
from core.periods import zone_names as zone_names  # re-exported for the forms
from core.validation import Problems, clean_email_list
from tenants.scope import Scope

TABLE = "agreement_versions"
COLUMNS = [
    AgreementVersion.id,
    AgreementVersion.agreement,
    AgreementVersion.effective_from,
    AgreementVersion.effective_till,
    AgreementVersion.timezone,
    AgreementVersion.credit_limit,
    AgreementVersion.billing_timezone,
    AgreementVersion.billing_period,
    AgreementVersion.billing_day,
    AgreementVersion.split_by_month,
    AgreementVersion.days_for_payment,
    AgreementVersion.invoice_emails,
    AgreementVersion.account_emails,
    AgreementVersion.rate_change_emails,
    AgreementVersion.service_emails,
    AgreementVersion.payment_alert_emails,
    AgreementVersion.created_at,
    AgreementVersion.updated_at,
]
AUDIT_KEYS = [c._meta.name for c in COLUMNS if c._meta.name not in ("created_at", "updated_at")]


def emails(value) -> list[str]:
    # msgspec parses the stored JSON text several times faster than json.loads (exports)
    return msgspec.json.decode(value) if isinstance(value, str) else list(value or [])


# --- the terms of a version ------------------------------------------------------------------


def _credit_limit(raw) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        micros = to_micros(str(raw).strip())
    except MoneyError as exc:
        raise Invalid.field("credit_limit", f"{exc}; use a decimal such as 1500.00") from None
    except ArithmeticError:  # decimal.InvalidOperation: more digits than Decimal can quantize
        side = "too small" if str(raw).strip().startswith("-") else "too large"
        raise Invalid.field("credit_limit", f"is {side} to store") from None
    if micros < 0:
        raise Invalid.field("credit_limit", "must be 0 or more (leave it empty for unlimited)")
    return micros


def clean_terms(values: dict, problems: Problems | None = None) -> dict:
    """Validated terms as stored: UTC instants, micro-units, checked zones, days and emails.

    Every broken term is reported in one Invalid (with those already in ``problems``); an
    unknown zone still lets the period be checked, read in UTC.
    """
    problems = problems or Problems()
    tz = problems.attempt(zone, values["timezone"], "timezone", default=ZoneInfo("UTC"))
    start, till = problems.attempt(period_instants, values, tz, default=(None, None))
    problems.attempt(zone, values["billing_timezone"], "billing_timezone")
    period = values["billing_period"]
    day = problems.attempt(billing_day, period, values.get("billing_day"))
    split = bool(values.get("split_by_month"))
    problems.attempt(check_split, period, split)
    days = values["days_for_payment"]
    if not 0 <= days <= 365:
        side = "too small" if days < 0 else "too large"
        problems.add("days_for_payment", f"{side}: use 0 to 365")
    cleaned = {
        "effective_from": start,
        "effective_till": till,
        "timezone": tz.key,
        "credit_limit": problems.attempt(_credit_limit, values.get("credit_limit")),
        "billing_timezone": values["billing_timezone"].strip(),
        "billing_period": period,
        "billing_day": day,
        "split_by_month": split,
        "days_for_payment": days,
    }
    for field in EMAIL_FIELDS:
        items = list(values.get(field) or [])
        cleaned[field] = problems.attempt(clean_email_list, field, items)
    problems.raise_if_any()
    return cleaned


def terms_of(data: VersionCreate | VersionUpdate) -> dict:
    return {
        k: v
        for k, v in msgspec.structs.asdict(data).items()
        if k in TERM_FIELDS and v is not msgspec.UNSET
    }


def normalise(row: dict) -> dict:
    row = dict(row)
    row["effective_from"] = utc(row["effective_from"])
    row["effective_till"] = utc(row["effective_till"])
    for field in EMAIL_FIELDS:
        row[field] = emails(row[field])
    return row


def audit_view(row: dict) -> dict:
    view = {}
    for key in AUDIT_KEYS:
        value = row.get(key)
        view[key] = value.isoformat() if isinstance(value, datetime) else value
    return view


def _db_values(terms: dict) -> dict:
    return {**terms, **{f: json.dumps(terms[f]) for f in EMAIL_FIELDS}}


def to_out(row: dict, now: datetime | None = None) -> VersionOut:
    return out_of_normalised(normalise(row), now)


def out_of_normalised(row: dict, now: datetime | None = None) -> VersionOut:
    """``to_out`` of a row ``normalise`` already gave (``versions_in_force`` rows): a list
    of thousands of agreements would otherwise parse every e-mail list twice."""
    limit = row["credit_limit"]
    return VersionOut(
        id=row["id"],
        agreement_id=row["agreement"],
        status=status(row["effective_from"], row["effective_till"], now or now_utc()),
        effective_from=row["effective_from"],
        effective_till=row["effective_till"],
        timezone=row["timezone"],
        effective_from_local=local_text(row["effective_from"], row["timezone"]),
        effective_till_local=local_text(row["effective_till"], row["timezone"]),
        credit_limit=amount_text(limit),
        billing_timezone=row["billing_timezone"],
        billing_period=row["billing_period"],
        billing_day=row["billing_day"],
        split_by_month=row["split_by_month"],
        days_for_payment=row["days_for_payment"],
        invoice_emails=row["invoice_emails"],
        account_emails=row["account_emails"],
        rate_change_emails=row["rate_change_emails"],
        service_emails=row["service_emails"],
        payment_alert_emails=row["payment_alert_emails"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# --- "in force at t": the one answer ----------------------------------------------------------


async def versions_in_force(agreement_ids: list[int], at: datetime) -> dict[int, dict]:
    """For each agreement, the version in force at ``at`` (aware), in one query.

    Values are as stored, normalised: ``effective_from``/``effective_till`` aware UTC,
    ``credit_limit`` micro-units or None (unlimited), e-mail lists as lists, ``agreement`` the
    agreement id. Agreements with no version in force at ``at`` are absent from the result.
    """
    in_force = in_force_at(AgreementVersion, at, "versions_in_force")
    ids = sorted(set(agreement_ids))
    if not ids:
        return {}
    rows = await AgreementVersion.select(*COLUMNS).where(
        AgreementVersion.agreement.is_in(ids), in_force
    )
    found: dict[int, dict] = {}
    for row in sorted(rows, key=lambda r: utc(r["effective_from"])):
        found[row["agreement"]] = normalise(row)  # never more than one: versions never overlap
    return found


IN_FORCE_ID = "version_in_force_id"


def in_force_id(at: datetime) -> QueryString:
    """A column of an ``Agreement`` select: the id of the row's version in force at ``at``
    (NULL when none is). The question is asked in the database, in the list's own query, one
    index lookup per agreement, where ``versions_in_force`` needs the page's ids first."""
    in_force = in_force_at(AgreementVersion, at, "in_force_id")
    version = (
        AgreementVersion.select(AgreementVersion.id)
        .where(WhereRaw('"agreement_versions"."agreement" = "agreements"."id"'), in_force)
        .limit(1)  # never more than one: versions never overlap
    )
    return IntegerExpression("({})", version.querystrings[0], alias=IN_FORCE_ID)


async def versions_by_id(version_ids: list[int]) -> dict[int, dict]:
    """Versions (normalised, as ``versions_in_force`` gives them) by their id, in one query."""
    return {row["id"]: normalise(row) for row in await stored_by_id(version_ids)}


async def stored_by_id(version_ids: list[int]) -> list[dict]:
    """Versions as stored (not normalised), any order."""
    select = _by_id(version_ids)
    return [] if select is None else await fetch_rows(select)


async def stored_columns(version_ids: Sequence[int | None]) -> Columnar:
    """Versions as stored, as columns (an export decodes them whole), any order."""
    select = _by_id(version_ids)
    return Columnar({}, 0) if select is None else await fetch_columns(select)


def _by_id(version_ids: Iterable[int | None]) -> Any:
    """The select of the versions ``version_ids`` names, ``None`` for none.

    The ids are integers written into the statement: thousands of them as bound parameters cost
    more to build than the query takes to run.
    """
    ids = sorted({int(i) for i in version_ids if i is not None})
    if not ids:
        return None
    listed = WhereRaw(f'"agreement_versions"."id" IN ({", ".join(map(str, ids))})')
    return AgreementVersion.select(*COLUMNS).where(listed)


async def version_in_force(agreement_id: int, at: datetime) -> dict | None:
    return (await versions_in_force([agreement_id], at)).get(agreement_id)


# --- the agreements a caller manages ----------------------------------------------------------


def managed(scope: Scope) -> WhereRaw:
    """Agreements of the companies the caller created; its own purchases are not managed here.

    ``seller_id`` is the company's parent, stored on the row by a database trigger (migration
    2026-12-01T04:30) so that one index serves the scope and the list's sort together.
    """
    return WhereRaw('"agreements"."seller_id" = {}', scope.company_id)


async def agreement_row(scope: Scope, agreement_id: int, *columns) -> dict:
    row = (
        await Agreement.select(*(columns or (Agreement.id, Agreement.company)))
        .where(Agreement.id == agreement_id, managed(scope))
        .first()
    )
    if row is None:
        raise NotFound(f"agreement {agreement_id} not found")
    return row


async def lock_agreement(agreement_id: int) -> None:
    """Serialise version writes of one agreement; SQLite's BEGIN IMMEDIATE already does."""
    if is_postgres():
        await Agreement.raw("SELECT id FROM agreements WHERE id = {} FOR UPDATE", agreement_id)


async def _versions(agreement_id: int) -> list[dict]:
    rows = await AgreementVersion.select(*COLUMNS).where(AgreementVersion.agreement == agreement_id)
    return sorted((normalise(r) for r in rows), key=lambda r: r["effective_from"])


def _refuse_overlap(terms: dict, others: list[dict]) -> None:
    other = first_overlap(terms["effective_from"], terms["effective_till"], others)
    if other is not None:
        raise Conflict(
            f"the period overlaps version {other['id']} "
            f"({describe(other['effective_from'], other['effective_till'])}); "
            "versions of one agreement never overlap"
        )


async def _row(scope: Scope, agreement_id: int, version_id: int) -> tuple[dict, dict]:
    agreement = await agreement_row(scope, agreement_id)
    row = (
        await AgreementVersion.select(*COLUMNS)
        .where(AgreementVersion.id == version_id, AgreementVersion.agreement == agreement_id)
        .first()
    )
    if row is None:
        raise NotFound(f"version {version_id} of agreement {agreement_id} not found")
    return agreement, normalise(row)


async def list_versions(scope: Scope, agreement_id: int) -> list[VersionOut]:
    await agreement_row(scope, agreement_id)
    now = now_utc()
    return [to_out(r, now) for r in await _versions(agreement_id)]


async def get_version(scope: Scope, agreement_id: int, version_id: int) -> VersionOut:
    return to_out((await _row(scope, agreement_id, version_id))[1])


async def insert_version(agreement_id: int, company_id: int, terms: dict) -> Change:
    """Store validated terms (from ``clean_terms``); the caller checked overlaps and locks."""
    version = AgreementVersion(agreement=agreement_id, **_db_values(terms))
    await version.save()
    view = audit_view({"id": version.id, "agreement": agreement_id, **terms})
    return Change(TABLE, "insert", version.id, {}, view, company_id)


async def _end_previous(terms: dict, others: list[dict], company_id: int) -> list[Change]:
    """End the version in force at the new start there, when the caller asked for it."""
    start = terms["effective_from"]
    changes = []
    for other in others:
        contains = other["effective_from"] < start and (
            other["effective_till"] is None or start < other["effective_till"]
        )
        if contains:
            await AgreementVersion.update(
                {AgreementVersion.effective_till: start, AgreementVersion.updated_at: now_utc()}
            ).where(AgreementVersion.id == other["id"])
            before = {"effective_till": audit_view(other)["effective_till"]}
            changes.append(
                Change(
                    TABLE,
                    "update",
                    other["id"],
                    before,
                    {"effective_till": start.isoformat()},
                    company_id,
                )
            )
            other["effective_till"] = start
    return changes


async def add_version(
    ctx: AuditContext,
    scope: Scope,
    agreement_id: int,
    data: VersionCreate,
) -> VersionOut:
    async with transaction():
        agreement = await agreement_row(scope, agreement_id)
        terms = clean_terms(terms_of(data))
        await lock_agreement(agreement_id)
        others = await _versions(agreement_id)
        changes = []
        if data.end_previous:
            changes = await _end_previous(terms, others, agreement["company"])
        _refuse_overlap(terms, others)
        insert = await insert_version(agreement_id, agreement["company"], terms)
        await record_event(ctx, "Agreement version added", [insert, *changes])
        await announce.agreement_version_started(ctx.user_id, insert.object_id)
    return await get_version(scope, agreement_id, insert.object_id)


def _as_terms(row: dict) -> dict:
    """A stored version in the shape ``clean_terms`` takes (instants stay instants)."""
    terms = {k: row[k] for k in TERM_FIELDS}
    limit = row["credit_limit"]
    terms["credit_limit"] = amount_text(limit)
    return terms


async def update_version(
    ctx: AuditContext,
    scope: Scope,
    agreement_id: int,
    version_id: int,
    data: VersionUpdate,
    now: datetime | None = None,
) -> VersionOut:
    now = now or now_utc()
    async with transaction():
        agreement, old = await _row(scope, agreement_id, version_id)
        terms = clean_terms({**_as_terms(old), **terms_of(data)})
        refuse_moving_started(
            f"version {version_id} is already in force",
            old["effective_from"],
            terms["effective_from"],
            now,
        )
        await lock_agreement(agreement_id)
        others = [v for v in await _versions(agreement_id) if v["id"] != version_id]
        _refuse_overlap(terms, others)
        before, after = diff(audit_view(old), audit_view({**old, **terms}))
        if after:
            stored = _db_values(terms)
            await AgreementVersion.update(
                {getattr(AgreementVersion, k): stored[k] for k in after}
                | {AgreementVersion.updated_at: now_utc()}
            ).where(AgreementVersion.id == version_id)
            change = Change(TABLE, "update", version_id, before, after, agreement["company"])
            await record_event(ctx, "Agreement version updated", [change])
            # a start moved to now comes into force with this change
            await announce.agreement_version_started(ctx.user_id, version_id)
    return await get_version(scope, agreement_id, version_id)


async def delete_version(
    ctx: AuditContext,
    scope: Scope,
    agreement_id: int,
    version_id: int,
    now: datetime | None = None,
) -> None:
    now = now or now_utc()
    async with transaction():
        agreement, old = await _row(scope, agreement_id, version_id)
        await lock_agreement(agreement_id)
        refuse_deleting_started(f"version {version_id}", "version", old["effective_from"], now)
        count = await AgreementVersion.count().where(AgreementVersion.agreement == agreement_id)
        if count <= 1:
            raise Conflict("this is the only version of the agreement; it cannot be deleted")
        await AgreementVersion.delete().where(AgreementVersion.id == version_id)
        change = Change(TABLE, "delete", version_id, audit_view(old), {}, agreement["company"])
        await record_event(ctx, "Agreement version deleted", [change])
