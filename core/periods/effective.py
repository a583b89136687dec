"""Effective-dated rows: the rules every table with ``effective_from``/``effective_till`` shares.

A row holds for the half-open period [from, till); ``till`` None means indefinitely. Half-open
ends let one row start exactly where the previous one stops with no instant in both and none in
neither, which is what "the version in force at t" needs to have exactly one answer.

People enter the ends as local date-times in an IANA zone; we store whole-second UTC instants
and keep the zone only to show the ends as entered, so a later change of a zone's rules or of
the viewer's zone never moves an instant that is already stored. A local time skipped by a
clock change is refused rather than shifted: shifting would silently store a time nobody typed.
An ambiguous local time (a repeated hour) is read as its first occurrence.

History is protected by the "started" rules: once a row's start has passed, what was in force
is a fact others (rating, balances, invoices) may have relied on, so its start cannot move
and, where the table asks for it, the row cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from core.errors import Conflict, Invalid


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    name = (name or "").strip()
    if name not in _zones():
        raise Invalid.field(field, f"“{name}” is not an IANA timezone name (e.g. Europe/Berlin)")
    return ZoneInfo(name)


def zone_names() -> list[str]:
    return sorted(_zones())


def instant(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A local date-time (naive, read in ``tz``) or an aware one, as a whole-second UTC instant."""
    value = value.replace(microsecond=0)
    try:
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        aware = value.replace(tzinfo=tz)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
            raise Invalid.field(
                field, f"{value:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it)"
            )
        return aware.astimezone(UTC)
    except OverflowError:
        raise Invalid.field(field, "is out of the supported date range") from None


def utc(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite may hand back strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_text(value: datetime | None, tz_name: str) -> str | None:
    """An instant in the zone it was entered in, as ``YYYY-MM-DDTHH:MM:SS``."""
    if value is None:
        return None
    tz = ZoneInfo(tz_name) if tz_name in _zones() else UTC
    return utc(value).astimezone(tz).replace(tzinfo=None).isoformat()


def period_instants(values: dict, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """``effective_from``/``effective_till`` of ``values`` read in ``tz``, checked in order."""
    start = instant(values["effective_from"], tz, "effective_from")
    till = values.get("effective_till")
    till = instant(till, tz, "effective_till") if till is not None else None
    if till is not None and till <= start:
        raise Invalid.field("effective_till", "must be later than the start (or empty)")
    return start, till


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- periods against periods and instants ------------------------------------------------------


def overlaps(a_from: datetime, a_till, b_from: datetime, b_till) -> bool:
    """Do the half-open periods [a_from, a_till) and [b_from, b_till) share an instant?"""
    return (b_till is None or a_from < b_till) and (a_till is None or b_from < a_till)


def first_overlap(start: datetime, till: datetime | None, others: Iterable[dict]) -> dict | None:
    """The first of ``others`` (rows with aware ``effective_from``/``effective_till``) whose
    period shares an instant with [start, till); the caller words the refusal for its table."""
    for other in others:
        if overlaps(start, till, other["effective_from"], other["effective_till"]):
            return other
    return None


def contains(start: datetime, till: datetime | None, at: datetime) -> bool:
    return start <= at and (till is None or at < till)


def status(start: datetime, till: datetime | None, now: datetime) -> str:
    if start > now:
        return "upcoming"
    if till is not None and till <= now:
        return "past"
    return "current"


def describe(start: datetime, till: datetime | None) -> str:
    end = f"{till:%Y-%m-%d %H:%M} UTC" if till else "indefinitely"
    return f"{start:%Y-%m-%d %H:%M} UTC to {end}"


# --- "in force" as a query, for any table with effective_from / effective_till ---------------


def aware_utc(at: datetime, who: str) -> datetime:
    """``at`` in UTC; a naive value is a programming error (whose zone would it be?)."""
    if at.tzinfo is None:
        raise ValueError(f"{who} needs an aware datetime")
    return at.astimezone(UTC)


def in_force_at(table, at: datetime, who: str = "in_force_at"):
    """The where-clause "the row is in force at ``at``" (aware) for a piccolo table with
    ``effective_from``/``effective_till`` columns; both ends are plain comparisons so an index
    on (owner, effective_from) serves it."""
    at = aware_utc(at, who)
    return (table.effective_from <= at) & (
        table.effective_till.is_null() | (table.effective_till > at)
    )


def in_force_during(table, start: datetime, end: datetime, who: str = "in_force_during"):
    """The where-clause "the row is in force at some instant of [start, end)"."""
    start, end = aware_utc(start, who), aware_utc(end, who)
    return (table.effective_from < end) & (
        table.effective_till.is_null() | (table.effective_till > start)
    )


# --- the "started" rules -----------------------------------------------------------------------


def has_started(start: datetime, now: datetime) -> bool:
    return start <= now


def refuse_moving_started(
    subject: str, old_start: datetime, new_start: datetime, now: datetime
) -> None:
    """A started row keeps its start. ``subject`` reads like "version 7 is already in force"."""
    if new_start != old_start and has_started(old_start, now):
        raise Conflict(f"{subject} since {old_start:%Y-%m-%d %H:%M} UTC; its start cannot be moved")


def refuse_deleting_started(label: str, noun: str, start: datetime, now: datetime) -> None:
    """A started row stays. ``label`` names the row ("version 7"), ``noun`` its kind."""
    if has_started(start, now):
        raise Conflict(
            f"{label} started on {start:%Y-%m-%d %H:%M} UTC; "
            f"a {noun} that has started cannot be deleted"
        )
