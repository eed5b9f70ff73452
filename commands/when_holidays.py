"""Holidays people book around, as a table: a name, its spellings, and its rule.

A rule is data: ``("fixed", month, day)``, ``("nth", month, weekday, n)`` (n = -1
for the last one) or ``("easter", days)`` (days from Western Easter Sunday, from
:func:`dateutil.easter.easter`). Where countries disagree, ``rules`` is keyed by
region (derived from the user's zone) and ``"*"`` is everybody else; a holiday with
no rule for the user's region is asked about rather than guessed ("Independence
Day" for a user in Kolkata). Adding a holiday is one row and one test.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from dateutil.easter import easter

__all__ = ["HOLIDAYS", "UNKNOWN_HOLIDAYS", "Holiday", "holiday_date", "region_of"]


class Holiday(NamedTuple):
    name: str  # for messages: "Thanksgiving"
    spellings: tuple[str, ...]  # regex fragments, lower-case
    rules: dict[str, tuple]  # region ("us", "ca", "uk", "au", "*") -> rule


_APOS = "(?:['’]?s|s['’])?"  # "mother's", "mothers", "mothers'"
HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("New Year's Eve", (rf"new\s+year{_APOS}\s+eve", "nye"), {"*": ("fixed", 12, 31)}),
    Holiday(
        "New Year's Day",
        (r"new\s+year(?:['’]?s)(?:\s+day)?", r"new\s+year\s+day"),
        {"*": ("fixed", 1, 1)},
    ),  # fmt: skip
    Holiday("Christmas Eve", (r"(?:christmas|xmas|x-mas)\s+eve",), {"*": ("fixed", 12, 24)}),
    Holiday("Christmas Day", (r"(?:christmas|xmas|x-mas)(?:\s+day)?",), {"*": ("fixed", 12, 25)}),
    Holiday("Boxing Day", (r"boxing\s+day",), {"*": ("fixed", 12, 26)}),
    Holiday(
        "Valentine's Day", (rf"(?:st\.?\s+)?valentine{_APOS}(?:\s+day)?",), {"*": ("fixed", 2, 14)}
    ),  # fmt: skip
    Holiday(
        "St Patrick's Day",
        (rf"(?:st\.?|saint)\s+patrick{_APOS}(?:\s+day)?",),
        {"*": ("fixed", 3, 17)},
    ),  # fmt: skip
    Holiday("Halloween", (r"hallowe['’]?en",), {"*": ("fixed", 10, 31)}),
    Holiday(
        "Independence Day",
        (r"independence\s+day", r"(?:the\s+)?fourth\s+of\s+july"),
        {"us": ("fixed", 7, 4)},
    ),  # fmt: skip
    Holiday(
        "Thanksgiving",
        (r"thanksgiving(?:\s+day)?",),
        {"ca": ("nth", 10, 0, 2), "*": ("nth", 11, 3, 4)},
    ),  # fmt: skip
    Holiday("Good Friday", (r"good\s+friday",), {"*": ("easter", -2)}),
    Holiday("Easter Monday", (r"easter\s+monday",), {"*": ("easter", 1)}),
    Holiday("Easter Sunday", (r"easter(?:\s+sunday|\s+day)?",), {"*": ("easter", 0)}),
    Holiday("Labor Day", (r"labor\s+day",), {"*": ("nth", 9, 0, 1)}),
    Holiday("Memorial Day", (r"memorial\s+day",), {"*": ("nth", 5, 0, -1)}),
    Holiday(
        "Mother's Day",
        (rf"mother{_APOS}\s+day", r"mothering\s+sunday"),
        {"uk": ("easter", -21), "*": ("nth", 5, 6, 2)},
    ),  # fmt: skip
    Holiday(
        "Father's Day", (rf"father{_APOS}\s+day",), {"au": ("nth", 9, 6, 1), "*": ("nth", 6, 6, 3)}
    ),  # fmt: skip
)

# Holiday names whose date moves by a calendar we do not compute (lunar, or one
# that differs by country): the parser asks for the date instead of guessing.
UNKNOWN_HOLIDAYS = (
    "diwali", "deepavali", "eid", "hanukkah", "chanukah", "ramadan", "passover", "pesach",
    "rosh hashanah", "yom kippur", "holi", "vesak", "kwanzaa", "juneteenth", "lunar new year",
    "chinese new year", "mardi gras", "carnival", "presidents day", "presidents' day",
    "mlk day", "columbus day", "veterans day", "canada day", "australia day", "anzac day",
    "bastille day", "remembrance day", "victoria day", "family day", "labour day",
    "bank holiday", "boxing day monday", "whit monday", "pentecost", "ascension day",
    "orthodox easter", "songkran", "onam", "pongal", "navratri", "durga puja",
)  # fmt: skip

_CANADA = (
    "America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg",
    "America/Halifax", "America/St_Johns", "America/Regina", "America/Montreal",
    "America/Moncton", "America/Whitehorse", "America/Yellowknife", "America/Iqaluit",
)  # fmt: skip


@lru_cache(maxsize=64)
def region_of(zone_key: str) -> str:
    """The holiday region a user's IANA zone implies ("us", "ca", "uk", "au", "*")."""
    if zone_key in _CANADA:
        return "ca"
    if zone_key.startswith(("America/", "US/", "Pacific/Honolulu")):
        return "us"
    if zone_key in ("Europe/London", "Europe/Dublin", "Europe/Belfast"):
        return "uk"
    if zone_key.startswith("Australia/"):
        return "au"
    return "*"


def rule_for(holiday: Holiday, region: str) -> tuple | None:
    """The rule for ``region``, else the general one, else None (then we ask)."""
    return holiday.rules.get(region) or holiday.rules.get("*")


@lru_cache(maxsize=256)
def holiday_date(rule: tuple, year: int) -> date:
    """The date a rule gives in ``year``."""
    kind = rule[0]
    if kind == "fixed":
        return date(year, rule[1], rule[2])
    if kind == "easter":
        return easter(year) + timedelta(days=rule[1])
    return nth_weekday(year, rule[1], rule[2], rule[3])


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ``weekday`` (Monday=0) of a month, n = -1 for the last one. Raises
    ValueError when the month has no such day (a fifth Monday)."""
    if n < 0:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    if found.month != month:
        raise ValueError("no such weekday in that month")
    return found
