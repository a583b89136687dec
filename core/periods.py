"""Time periods in one place: effective-dated rows and billing calendars.

Anything dated (agreement versions, reselling associations, and next scopes, enabled services,
fee rules) takes its rules from here rather than carrying its own copy, so "in force at t",
overlaps and the started rules mean the same thing everywhere, and every billing calendar
(invoices, fee periods) cuts time the same way.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.errors import Conflict, Invalid
from core.validation import Problems

# ---- Effective-dated rows ----
# Effective-dated rows: the rules every table with ``effective_from``/``effective_till`` shares.
#
# A row holds for the half-open period [from, till); ``till`` None means indefinitely. Half-open
# ends let one row start exactly where the previous one stops with no instant in both and none in
# neither, which is what "the version in force at t" needs to have exactly one answer.
#
# People enter the ends as local date-times in an IANA zone; we store whole-second UTC instants
# and keep the zone only to show the ends as entered, so a later change of a zone's rules or of
# the viewer's zone never moves an instant that is already stored. A local time skipped by a
# clock change is refused rather than shifted: shifting would silently store a time nobody typed.
# An ambiguous local time (a repeated hour) is read as its first occurrence.
#
# History is protected by the "started" rules: once a row's start has passed, what was in force
# is a fact others (rating, balances, invoices) may have relied on, so its start cannot move
# and, where the table asks for it, the row cannot be deleted.


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


# ---- Billing periods ----
# Billing periods: which [start, end) of an agreement's billing calendar an instant falls in.
#
# An agreement version sets a billing timezone, a period (daily, weekly, monthly, quarterly), a
# billing day and, for daily and weekly periods, "split by month". Periods are whole local days in
# the billing zone, so an invoice reads "1 to 30 September" in the client's own calendar; the
# billing day is the day each period starts on:
#
# - daily: every local day; there is no day to choose.
# - weekly: 1 (Monday) to 7 (Sunday), the weekday each week starts on.
# - monthly: 1 to 31, the day of the month each period starts on; in a month too short for it, the
#   month's last day (so day 31 starts periods on 31 January, 28 or 29 February, 31 March, ...,
#   and no month is skipped or started twice).
# - quarterly: 1 to 31, a day of each calendar quarter's first month (January, April, July,
#   October), clamped to that month's length the same way.
# - split by month: a period that crosses a local month end is cut there (a week from Monday
#   29 September to Sunday 5 October becomes 29-30 September and 1-5 October). A daily period
#   never crosses one, so for it the flag changes nothing.
#
# A period starts at the first instant of its first local day: local midnight, or, where a clock
# change skips midnight, the instant the clocks jump past it. Local days are therefore 23, 24,
# 25 hours long (23.5 or 24.5 on Lord Howe) and a day skipped outright (Pacific/Apia on 30
# December 2011) has no instant: a daily period for it would be empty, so none is returned.
# Because every boundary is "the first instant at or after a local wall time", boundaries never
# go back in time, and ``period_of`` chooses the period by the boundaries themselves (not by the
# wall clock, which a repeated hour can carry back over one: Goose Bay turned its clocks back at
# 00:01, so for an hour after a day began the clock showed the day before), the periods tile
# time: no gap, no overlap, each instant in exactly one.

PERIODS = ("daily", "weekly", "monthly", "quarterly")
# (lowest, highest, how the day is read) per period; daily has no day to choose.
DAY_RULES = {
    "weekly": (1, 7, "1 (Monday) to 7 (Sunday)"),
    "monthly": (1, 31, "1 to 31; in a shorter month a later day means its last day"),
    "quarterly": (
        1,
        31,
        "1 to 31, a day of the quarter's first month; in a shorter month its last day",
    ),
}
SPLITTABLE = ("daily", "weekly")
SPLIT_REFUSED = "only daily and weekly periods can be split by month"
ONE_DAY = timedelta(days=1)


def billing_day(period: str, day: int | None) -> int:
    """The stored billing day of ``period``: checked, or the period's first when left empty."""
    if period not in PERIODS:
        raise Invalid.field("billing_period", f"must be one of: {', '.join(PERIODS)}")
    if period == "daily":
        if day not in (None, 1):
            raise Invalid.field("billing_day", "a daily period has no billing day; leave it empty")
        return 1
    low, high, meaning = DAY_RULES[period]
    day = low if day is None else day
    if not low <= day <= high:
        raise Invalid.field("billing_day", f"for a {period} period use {meaning}")
    return day


def check_split(period: str, split: bool) -> None:
    if split and period not in SPLITTABLE:
        raise Invalid.field("split_by_month", SPLIT_REFUSED)


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """[start, end) as aware UTC instants, and the local days it covers in the billing zone."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date


# --- local calendar arithmetic (dates only; instants come later) -----------------------------


def _first_of_next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_back(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - months
    return index // 12, index % 12 + 1


def _start_on_or_before(period: str, day: int, d: date) -> date:
    """The local day the unsplit period holding day ``d`` starts on."""
    if period == "daily":
        return d
    if period == "weekly":
        return d - timedelta(days=(d.isoweekday() - day) % 7)
    step = 1 if period == "monthly" else 3
    year, month = d.year, d.month - (d.month - 1) % step
    start = _clamped(year, month, day)
    if start > d:
        start = _clamped(*_month_back(year, month, step), day)
    return start


def _start_after(period: str, day: int, d: date) -> date:
    """The local day the unsplit period after the one holding ``d`` starts on."""
    start = _start_on_or_before(period, day, d)
    if period == "daily":
        return start + ONE_DAY
    if period == "weekly":
        return start + timedelta(days=7)
    step = 1 if period == "monthly" else 3
    year, month = _month_back(start.year, start.month, -step)
    return _clamped(year, month, day)


# --- local days as instants --------------------------------------------------------------------


def _wall(t: datetime, tz: ZoneInfo) -> datetime:
    return t.astimezone(tz).replace(tzinfo=None)


@lru_cache(maxsize=8192)
def day_start(d: date, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local wall time in ``tz`` is at or after ``d`` 00:00.

    Usually local midnight (its first occurrence if repeated). Where a clock change skips
    midnight, the clocks jump over it at the transition, which lies between the two readings of
    midnight with the offset before and after it: found there by bisection on whole seconds
    (tz transitions fall on whole seconds).
    """
    wall = datetime.combine(d, time(0))
    early = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(early, tz) == wall:
        return early
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = (int(x.timestamp()) for x in sorted((early, other)))
    # invariant: the wall clock reads before midnight at ``low`` and at or after it at ``high``
    while high - low > 1:
        mid = (low + high) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= wall:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


# --- the calendar ------------------------------------------------------------------------------


class BillingPeriods:
    """One billing calendar: build it from a version's terms, then ask ``period_of(t)`` or
    ``periods_between(a, b)``. Inputs are checked on construction, every broken one named."""

    __slots__ = ("day", "period", "split_by_month", "tz")

    def __init__(
        self,
        timezone: str,
        period: str,
        day: int | None = None,
        split_by_month: bool = False,
    ) -> None:
        problems = Problems()
        self.tz = problems.attempt(zone, timezone, "billing_timezone")
        self.day = problems.attempt(billing_day, period, day)
        if period in PERIODS:
            problems.attempt(check_split, period, bool(split_by_month))
        problems.raise_if_any()
        self.period = period
        self.split_by_month = bool(split_by_month) and period == "weekly"

    @classmethod
    def of_version(cls, version: dict) -> BillingPeriods:
        """The calendar of an agreement version as stored (``versions_in_force`` rows)."""
        return cls(
            version["billing_timezone"],
            version["billing_period"],
            version["billing_day"],
            version["split_by_month"],
        )

    def __repr__(self) -> str:
        split = ", split by month" if self.split_by_month else ""
        return f"BillingPeriods({self.tz.key}, {self.period}, day {self.day}{split})"

    # labels: the local day each period starts on
    def _label_on_or_before(self, d: date) -> date:
        start = _start_on_or_before(self.period, self.day, d)
        return max(start, d.replace(day=1)) if self.split_by_month else start

    def _label_after(self, label: date) -> date:
        after = _start_after(self.period, self.day, label)
        return min(after, _first_of_next_month(label)) if self.split_by_month else after

    def _period(self, label: date, start: datetime) -> BillingPeriod | None:
        following = self._label_after(label)
        end = day_start(following, self.tz)
        if end == start:  # every local day of it was skipped by a clock change
            return None
        return BillingPeriod(start, end, label, following - ONE_DAY)

    def period_of(self, t: datetime) -> BillingPeriod:
        """The period holding the instant ``t`` (aware): start <= t < end."""
        t = aware_utc(t, "period_of")
        try:
            label = self._label_on_or_before(t.astimezone(self.tz).date())
            start = day_start(label, self.tz)  # never after t: t's wall clock had reached it
            while True:  # past the periods that ended before t (or were skipped outright)
                found = self._period(label, start)
                if found is not None and t < found.end:
                    return found
                label = self._label_after(label)
                start = day_start(label, self.tz)
        except OverflowError:
            raise ValueError(f"{t:%Y-%m-%d} is outside the supported calendar") from None

    def periods_between(self, a: datetime, b: datetime) -> list[BillingPeriod]:
        """The periods covering [a, b) in order: the first holds ``a``, the last ends at or
        after ``b``; empty when a == b."""
        a, b = aware_utc(a, "periods_between"), aware_utc(b, "periods_between")
        if b < a:
            raise ValueError(f"the range ends ({b:%Y-%m-%d %H:%M} UTC) before it starts")
        if a == b:
            return []
        found = [self.period_of(a)]
        try:
            while found[-1].end < b:
                label = found[-1].last_day + ONE_DAY
                following = self._period(label, found[-1].end)
                if following is not None:
                    found.append(following)
                else:  # skipped days: the next label starts at the same instant
                    found.append(self.period_of(found[-1].end))
        except OverflowError:
            raise ValueError(f"{b:%Y-%m-%d} is outside the supported calendar") from None
        return found
