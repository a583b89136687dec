"""Billing periods and effective-period rules (core.periods): the periods tile time (no gap, no
overlap) across DST changes, skipped days and short months, split-by-month never crosses a
local month end, and worked examples pin the exact instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import periods
from core.errors import Conflict, Invalid
from core.periods import BillingPeriods

# zones with the awkward cases: a 30-minute DST shift (Lord Howe), a skipped day (Apia,
# 30 December 2011), midnight skipped by DST (Santiago), a 45-minute offset (Chatham),
# half-hour offsets, zones without DST, a zone moved back and forth (Casablanca's Ramadan
# changes), clocks turned back just after midnight (Goose Bay until 2010).
ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Zagreb",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "America/Santiago",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "Etc/GMT+3",
    "America/Goose_Bay",
]
SECOND = timedelta(seconds=1)
TINY = timedelta(microseconds=1)
LOW, HIGH = datetime(1995, 1, 1), datetime(2040, 1, 1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@st.composite
def calendars(draw) -> BillingPeriods:
    period = draw(st.sampled_from(periods.PERIODS))
    if period == "daily":
        day = None
    elif period == "weekly":
        day = draw(st.integers(1, 7))
    else:  # days at the ends of months are the interesting ones
        day = draw(st.one_of(st.integers(28, 31), st.integers(1, 31)))
    split = period in ("daily", "weekly") and draw(st.booleans())
    return BillingPeriods(draw(st.sampled_from(ZONES)), period, day, split)


instants = st.datetimes(LOW, HIGH).map(lambda d: d.replace(tzinfo=UTC))


def wall(t: datetime, tz: ZoneInfo) -> datetime:
    return t.astimezone(tz).replace(tzinfo=None)


def midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def check_period(cal: BillingPeriods, p: periods.BillingPeriod) -> None:
    """What every period promises on its own."""
    assert p.start.tzinfo is not None and p.end.tzinfo is not None
    assert p.start < p.end and p.first_day <= p.last_day
    # it starts at the first instant of its first local day, and ends at the next one's
    assert p.start == periods.day_start(p.first_day, cal.tz)
    assert p.end == periods.day_start(p.last_day + timedelta(days=1), cal.tz)
    assert wall(p.start, cal.tz) >= midnight(p.first_day) > wall(p.start - SECOND, cal.tz)
    if cal.split_by_month:
        assert (p.first_day.year, p.first_day.month) == (p.last_day.year, p.last_day.month)
        first, last = wall(p.start, cal.tz), wall(p.end - TINY, cal.tz)
        assert (first.year, first.month) == (last.year, last.month)
    if cal.period == "daily":
        assert p.first_day == p.last_day
    elif cal.period == "weekly":
        assert p.first_day.isoweekday() == cal.day or (cal.split_by_month and p.first_day.day == 1)
        assert (p.last_day - p.first_day).days < 7
    else:
        months = 1 if cal.period == "monthly" else 3
        assert p.first_day.month % 3 == 1 or months == 1
        last_of_month = (p.first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
        assert p.first_day.day == min(cal.day, (last_of_month - timedelta(days=1)).day)


@settings(max_examples=400, deadline=None)
@given(calendars(), instants)
def test_an_instant_lies_in_its_period_and_its_neighbours_meet_it_exactly(cal, t):
    p = cal.period_of(t)
    assert p.start <= t < p.end
    check_period(cal, p)
    # the next period starts exactly where this one ends, the previous ends where it starts
    assert cal.period_of(p.end).start == p.end
    assert cal.period_of(p.start - TINY).end == p.start
    # any instant of the period answers the same period
    assert cal.period_of(p.start) == p == cal.period_of(p.end - TINY)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, st.integers(0, 120 * 24 * 3600))
def test_periods_between_tile_the_range_with_no_gap_and_no_overlap(cal, a, seconds):
    b = a + timedelta(seconds=seconds)
    found = cal.periods_between(a, b)
    if a == b:
        assert found == []
        return
    assert found[0].start <= a < found[0].end
    assert found[-1].start < b <= found[-1].end
    for before, after in pairwise(found):
        assert before.end == after.start  # no gap, no overlap
    for p in found:
        check_period(cal, p)
        assert cal.period_of(p.start) == p


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "period,day,split",
    [
        ("daily", None, False),
        ("weekly", 1, False),
        ("weekly", 5, True),
        ("monthly", 31, False),
        ("monthly", 29, False),
        ("quarterly", 31, False),
    ],
)
def test_every_real_clock_change_of_2010_to_2013_is_tiled(zone, period, day, split):
    """Walk every period of four years (Apia's skipped day, Casablanca's many changes, every
    DST change of each zone), not only where random instants happen to land."""
    cal = BillingPeriods(zone, period, day, split)
    found = cal.periods_between(at(2010, 1, 1), at(2014, 1, 1))
    for before, after in pairwise(found):
        assert before.end == after.start
        assert before.last_day < after.first_day
    for p in found:
        check_period(cal, p)
        assert cal.period_of(p.end - TINY) == p


# --- worked examples ---------------------------------------------------------------------------


def test_the_guides_weekly_split_example():
    """A week from Monday 29 September to Sunday 5 October 2025, split by month, in Zagreb."""
    cal = BillingPeriods("Europe/Zagreb", "weekly", 1, True)
    first, second = cal.periods_between(at(2025, 9, 29), at(2025, 10, 5, 12))
    assert (first.first_day, first.last_day) == (date(2025, 9, 29), date(2025, 9, 30))
    assert (first.start, first.end) == (at(2025, 9, 28, 22), at(2025, 9, 30, 22))
    assert (second.first_day, second.last_day) == (date(2025, 10, 1), date(2025, 10, 5))
    assert (second.start, second.end) == (at(2025, 9, 30, 22), at(2025, 10, 5, 22))
    unsplit = BillingPeriods("Europe/Zagreb", "weekly", 1).period_of(at(2025, 10, 1))
    assert (unsplit.start, unsplit.end) == (at(2025, 9, 28, 22), at(2025, 10, 5, 22))
    # across the October DST change the week is 169 hours
    week = BillingPeriods("Europe/Zagreb", "weekly", 1).period_of(at(2025, 10, 26, 12))
    assert (week.start, week.end) == (at(2025, 10, 19, 22), at(2025, 10, 26, 23))


def test_daily_periods_are_23_and_25_hours_at_the_london_changes():
    cal = BillingPeriods("Europe/London", "daily")
    spring = cal.period_of(at(2025, 3, 30, 12))
    assert (spring.start, spring.end) == (at(2025, 3, 30, 0), at(2025, 3, 30, 23))
    autumn = cal.period_of(at(2025, 10, 26, 12))
    assert (autumn.start, autumn.end) == (at(2025, 10, 25, 23), at(2025, 10, 27, 0))


def test_lord_howes_half_hour_change_makes_a_23_and_a_half_hour_day():
    cal = BillingPeriods("Australia/Lord_Howe", "daily")
    day = cal.period_of(at(2025, 10, 5, 0))
    assert day.first_day == date(2025, 10, 5)
    assert (day.start, day.end) == (at(2025, 10, 4, 13, 30), at(2025, 10, 5, 13))
    assert day.end - day.start == timedelta(hours=23, minutes=30)


def test_apias_skipped_day_has_no_daily_period():
    cal = BillingPeriods("Pacific/Apia", "daily")
    days = cal.periods_between(at(2011, 12, 29, 10), at(2011, 12, 31, 10))
    assert [p.first_day for p in days] == [date(2011, 12, 29), date(2011, 12, 31)]
    assert days[0].end == days[1].start == at(2011, 12, 30, 10)
    # a week starting on the Friday that never was still starts at the jump and lasts 6 days
    week = BillingPeriods("Pacific/Apia", "weekly", 5).period_of(at(2011, 12, 31))
    assert (week.first_day, week.start) == (date(2011, 12, 30), at(2011, 12, 30, 10))
    assert week.end - week.start == timedelta(days=6)


def test_a_midnight_skipped_by_dst_starts_the_day_at_the_jump():
    cal = BillingPeriods("America/Santiago", "daily")
    day = cal.period_of(at(2024, 9, 8, 12))  # clocks went from 00:00 to 01:00 that day
    assert day.first_day == date(2024, 9, 8)
    assert day.start == at(2024, 9, 8, 4)  # 01:00 -03
    assert wall(day.start, cal.tz) == datetime(2024, 9, 8, 1)


def test_a_midnight_inside_a_gap_starts_the_day_where_the_clocks_land():
    """Toronto, 30 March 1919: clocks jumped from 23:30 to 00:30, so midnight never showed; the
    day began at the jump (04:30 UTC), not at midnight read with either offset."""
    cal = BillingPeriods("America/Toronto", "daily")
    day = cal.period_of(at(1919, 3, 31, 12))
    assert day.first_day == date(1919, 3, 31)
    assert day.start == at(1919, 3, 31, 4, 30)
    assert wall(day.start, cal.tz) == datetime(1919, 3, 31, 0, 30)
    assert cal.period_of(day.start - TINY).end == day.start


def test_a_repeated_hour_after_midnight_belongs_to_the_new_day():
    """Goose Bay, 7 November 2010: the clocks went back from 00:01 to 23:01, so for an hour the
    wall clock showed 6 November although 7 November had begun; those instants are in the day
    that had begun (periods follow their boundaries, not the wall clock)."""
    cal = BillingPeriods("America/Goose_Bay", "daily")
    t = at(2010, 11, 7, 3, 30)
    assert wall(t, cal.tz).date() == date(2010, 11, 6)
    day = cal.period_of(t)
    assert day.first_day == date(2010, 11, 7) and day.start <= t < day.end
    assert day.start == at(2010, 11, 7, 3)  # 00:00 ADT, the first time
    assert day.end - day.start == timedelta(hours=25)


def test_monthly_day_31_falls_back_to_the_last_day_of_short_months():
    cal = BillingPeriods("America/New_York", "monthly", 31)
    found = cal.periods_between(at(2024, 1, 31, 12), at(2024, 5, 1))
    assert [p.first_day for p in found] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert found[1].last_day == date(2024, 3, 30)
    # February's period starts at EST midnight and ends at EDT midnight
    assert (found[1].start, found[1].end) == (at(2024, 2, 29, 5), at(2024, 3, 31, 4))
    common = BillingPeriods("UTC", "monthly", 30).periods_between(at(2025, 1, 30), at(2025, 3, 31))
    assert [p.first_day for p in common] == [
        date(2025, 1, 30),
        date(2025, 2, 28),
        date(2025, 3, 30),
    ]


def test_quarterly_periods_start_on_the_day_in_each_quarters_first_month():
    cal = BillingPeriods("UTC", "quarterly", 31)
    found = cal.periods_between(at(2025, 1, 31), at(2025, 12, 31))
    assert [p.first_day for p in found] == [
        date(2025, 1, 31),
        date(2025, 4, 30),
        date(2025, 7, 31),
        date(2025, 10, 31),
    ]
    assert cal.period_of(at(2025, 1, 15)).first_day == date(2024, 10, 31)
    plain = BillingPeriods("Europe/London", "quarterly", 1).period_of(at(2025, 5, 5))
    assert (plain.start, plain.end) == (at(2025, 3, 31, 23), at(2025, 6, 30, 23))


def test_a_calendar_from_a_stored_version():
    version = {
        "billing_timezone": "Europe/Berlin",
        "billing_period": "weekly",
        "billing_day": 7,
        "split_by_month": False,
    }
    week = BillingPeriods.of_version(version).period_of(at(2025, 12, 1))
    assert (week.first_day, week.last_day) == (date(2025, 11, 30), date(2025, 12, 6))


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,field,words",
    [
        (("UTC", "yearly"), "billing_period", "must be one of: daily, weekly, monthly, quarterly"),
        (("UTC", "weekly", 8), "billing_day", "1 (Monday) to 7 (Sunday)"),
        (("UTC", "weekly", 0), "billing_day", "1 (Monday) to 7 (Sunday)"),
        (("UTC", "monthly", 32), "billing_day", "1 to 31"),
        (("UTC", "quarterly", 0), "billing_day", "quarter's first month"),
        (("UTC", "daily", 3), "billing_day", "a daily period has no billing day"),
        (("UTC", "monthly", 1, True), "split_by_month", "only daily and weekly"),
        (("Mars/Olympus", "daily"), "billing_timezone", "not an IANA timezone"),
    ],
)
def test_broken_calendars_are_refused_naming_the_field(args, field, words):
    with pytest.raises(Invalid) as caught:
        BillingPeriods(*args)
    assert caught.value.errors[0]["field"] == field
    assert words in caught.value.errors[0]["message"]


def test_every_broken_field_is_named_at_once():
    with pytest.raises(Invalid) as caught:
        BillingPeriods("Nowhere", "quarterly", 40, True)
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["billing_timezone", "billing_day", "split_by_month"]


def test_naive_instants_and_reversed_ranges_are_refused():
    cal = BillingPeriods("UTC", "daily")
    with pytest.raises(ValueError, match="period_of needs an aware datetime"):
        cal.period_of(datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="periods_between needs an aware datetime"):
        cal.periods_between(at(2025, 1, 1), datetime(2025, 2, 1))
    with pytest.raises(ValueError, match="before it starts"):
        cal.periods_between(at(2025, 2, 1), at(2025, 1, 1))
    with pytest.raises(ValueError, match="outside the supported calendar"):
        cal.period_of(datetime(9999, 12, 31, 23, tzinfo=UTC))


# --- effective periods -------------------------------------------------------------------------


def test_overlap_is_half_open_and_an_open_till_is_forever():
    jan, feb, mar = at(2025, 1, 1), at(2025, 2, 1), at(2025, 3, 1)
    assert not periods.overlaps(jan, feb, feb, mar)  # touching ends share no instant
    assert periods.overlaps(jan, None, mar, None)
    assert periods.overlaps(feb, mar, jan, None)
    rows = [{"id": 1, "effective_from": jan, "effective_till": feb}]
    assert periods.first_overlap(feb, None, rows) is None
    assert periods.first_overlap(jan - SECOND, jan + SECOND, rows)["id"] == 1
    assert periods.contains(jan, feb, jan) and not periods.contains(jan, feb, feb)


def test_local_ends_are_stored_utc_and_skipped_times_refused():
    london = ZoneInfo("Europe/London")
    assert periods.instant(datetime(2025, 7, 1, 9), london, "f") == at(2025, 7, 1, 8)
    with pytest.raises(Invalid, match="does not exist in Europe/London"):
        periods.instant(datetime(2025, 3, 30, 1, 30), london, "effective_from")
    assert periods.local_text(at(2025, 7, 1, 8), "Europe/London") == "2025-07-01T09:00:00"


def test_started_rules():
    now, start = at(2025, 6, 1), at(2025, 1, 1)
    with pytest.raises(Conflict, match="row 3 is in force since 2025-01-01 00:00 UTC"):
        periods.refuse_moving_started("row 3 is in force", start, at(2025, 2, 1), now)
    periods.refuse_moving_started("row 3 is in force", start, start, now)  # unmoved: fine
    periods.refuse_moving_started("row 4", at(2026, 1, 1), at(2026, 2, 1), now)  # upcoming
    with pytest.raises(Conflict, match="a fee rule that has started cannot be deleted"):
        periods.refuse_deleting_started("fee rule 3", "fee rule", start, now)
    periods.refuse_deleting_started("fee rule 4", "fee rule", at(2026, 1, 1), now)


def test_in_force_queries_need_aware_instants():
    from core.accounts.agreements.models import AgreementVersion

    with pytest.raises(ValueError, match="scopes_in_force needs an aware datetime"):
        periods.in_force_at(AgreementVersion, datetime(2025, 1, 1), "scopes_in_force")
    with pytest.raises(ValueError, match="needs an aware datetime"):
        periods.in_force_during(AgreementVersion, datetime(2025, 1, 1), at(2025, 1, 2))
