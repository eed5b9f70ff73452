"""Which calendar date a :class:`commands.when_grammar.Day` names, given today.

Rules (see docs/WHEN.md):

- relative words ("tomorrow", "in 3 days") count from the user's own today;
  weekday names, dates and holidays are labels in the text's zone;
- "tue" and "next tue" are the first Tuesday after today ("next tue" while that
  Tuesday is this week is a question, asked in :mod:`commands.when_resolve`);
  "this tue" lets today count; "thu next week" is the Thursday of next week
  (weeks start on Monday);
- a date, day of the month, "second Monday of November" or holiday without a
  year is its next occurrence, today included; with "this month" it is this
  month's, even if that has passed (the caller then says so);
- bookings go up to :data:`MAX_YEARS_AHEAD` years ahead.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from commands.when_errors import UnsureTime, WhenError
from commands.when_holidays import HOLIDAYS, holiday_date, nth_weekday, region_of, rule_for
from commands.when_types import Day

__all__ = [
    "MAX_YEARS_AHEAD", "Today", "WhichHoliday", "add_months", "calendar_day", "next_weekday",
]  # fmt: skip

MAX_YEARS_AHEAD = 5
_NTH_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NOT_A_DATE = ("Dec 5 3pm Budget review", "2026-12-05 15:00 Budget review")


class Today(NamedTuple):
    """Today in the text's zone (for labels), in the user's zone (for "tomorrow"),
    and the user's zone key (holidays differ by region)."""

    here: date
    user: date
    zone_key: str


def next_weekday(today: date, weekday: int, *, today_counts: bool = False) -> date:
    """The first ``weekday`` after today (or today itself when ``today_counts``)."""
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead or today_counts else 7)


@lru_cache(maxsize=1024)
def calendar_day(day: Day, today: Today) -> date:
    """The date ``day`` names. Raises WhenError for dates that do not exist.
    Cached: "tomorrow" asked by many people on the same day is one computation."""
    found = _RESOLVERS[day.kind](day, today)
    if day.plus:
        found += timedelta(days=day.plus)
    if day.months and day.kind != "offset":
        found = add_months(found, day.months)
    if (found - today.here).days > 366 * MAX_YEARS_AHEAD:
        raise WhenError(f"“{day.text}” is too far ahead; I book up to {MAX_YEARS_AHEAD} years out.")
    return found


def _offset(day: Day, today: Today) -> date:
    later = today.user + timedelta(days=day.days)
    return add_months(later, day.months) if day.months else later


def _weekday(day: Day, today: Today) -> date:
    return next_weekday(today.here, day.weekday, today_counts=day.this)


def _week(day: Day, today: Today) -> date:
    monday = today.here - timedelta(days=today.here.weekday())
    return monday + timedelta(days=7 * day.weeks + day.weekday)


def _date(day: Day, today: Today) -> date:
    """Dec 5 without a year is its next occurrence; Feb 29 finds the next leap year."""
    years = [day.year] if day.year else [today.here.year + i for i in range(9)]
    for year in years:
        if year > today.here.year + MAX_YEARS_AHEAD:
            break
        try:
            found = date(year, day.month, day.day)
        except ValueError:
            continue
        if day.year or found >= today.here:
            return found
    if day.year and day.year > today.here.year + MAX_YEARS_AHEAD:
        raise WhenError(f"“{day.text}” is too far ahead; I book up to {MAX_YEARS_AHEAD} years out.")
    raise WhenError(f"“{day.text}” is not a real date.", examples=_NOT_A_DATE)


def add_months(day: date, count: int) -> date:
    """Calendar months later, keeping month ends sane (Jan 31 + 1 month = Feb 28),
    as dateutil's relativedelta does, at a tenth of its cost."""
    first = _months_from(day, count)
    last = (_months_from(first, 1) - timedelta(days=1)).day
    return first.replace(day=min(day.day, last))


def _months_from(today: date, count: int) -> date:
    """The first day of the month ``count`` months after today's."""
    year, month = divmod(today.month - 1 + count, 12)
    return date(today.year + year, month + 1, 1)


def _monthday(day: Day, today: Today) -> date:
    """ "the 4th": this month's if still ahead (today counts), else the next month
    that has such a day; "the 31st of next month" must exist in that month."""
    if day.month_rel is not None:
        first = _months_from(today.here, day.month_rel)
        try:
            return first.replace(day=day.day)
        except ValueError:
            raise WhenError(
                f"{first:%B %Y} has no {day.day}th, so “{day.text}” is not a real date.",
                examples=_NOT_A_DATE,
            ) from None
    for count in range(13):
        first = _months_from(today.here, count)
        try:
            found = first.replace(day=day.day)
        except ValueError:
            continue
        if found >= today.here:
            return found
    raise WhenError(f"“{day.text}” is not a real date.", examples=_NOT_A_DATE)  # pragma: no cover


def _nth(day: Day, today: Today) -> date:
    """ "second Monday of November" (next occurrence), "last Thursday of the month",
    "last day of next month"."""
    if day.month_rel is not None:
        first = _months_from(today.here, day.month_rel)
        return _nth_in(day, first.year, first.month)
    years = [day.year] if day.year else [today.here.year, today.here.year + 1]
    for year in years:
        found = _nth_in(day, year, day.month)
        if day.year or found >= today.here:
            return found
    return found  # pragma: no cover - next year's is always ahead


def _nth_in(day: Day, year: int, month: int) -> date:
    if day.weekday < 0:  # "first day" / "last day" of a month
        first = date(year, month, 1)
        return first if day.nth == 1 else _months_from(first, 1) - timedelta(days=1)
    try:
        return nth_weekday(year, month, day.weekday, day.nth)
    except ValueError:
        raise WhenError(
            f"There is no {_NTH_NAMES[day.nth]} {_DAY_NAMES[day.weekday]} in "
            f"{date(year, month, 1):%B %Y}, so “{day.text}” is not a real date.",
            examples=(
                f"last {_DAY_NAMES[day.weekday][:3].lower()} of the month 3pm Budget review",
                "Dec 5 3pm Budget review",
            ),
        ) from None


class WhichHoliday(UnsureTime):
    """A holiday whose date differs by country, with no rule for the user's region.
    ``dates``: the next day after today of each rule we know ("Independence Day":
    Jul 4), for examples that rewrite the user's command."""

    def __init__(self, day: Day, dates: tuple[date, ...]) -> None:
        super().__init__(
            f"Which day is “{day.text}” for you? It differs by country; give the date.",
            unexplained=(day.text,),
        )
        self.dates = dates


def _holiday(day: Day, today: Today) -> date:
    holiday = HOLIDAYS[day.holiday]
    rule = rule_for(holiday, region_of(today.zone_key))
    if rule is None:
        dates = []
        for known in holiday.rules.values():
            this_year = holiday_date(known, today.here.year)
            after = this_year > today.here
            dates.append(this_year if after else holiday_date(known, today.here.year + 1))
        raise WhichHoliday(day, tuple(dates))
    for year in (today.here.year, today.here.year + 1):
        found = holiday_date(rule, year)
        if found >= today.here:
            return found
    return found  # pragma: no cover - next year's is always ahead


_RESOLVERS = {
    "offset": _offset, "weekday": _weekday, "week": _week, "date": _date,
    "monthday": _monthday, "nth": _nth, "holiday": _holiday,
}  # fmt: skip


CACHED = (calendar_day,)  # see commands.when.clear_caches
