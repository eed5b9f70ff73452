"""The vocabulary of :mod:`commands.when`: every word the parser knows, as tables.

Grammar as data: a new spelling is one row here (and one test). Patterns built from
these tables live in :mod:`commands.when_grammar`; nothing here compiles a regex or
reads a clock. All keys are lower-case ASCII, as the scanner sees the text.
"""

from __future__ import annotations

__all__ = [
    "HOUR_WORDS",
    "MINUTE_WORDS",
    "MONTHS",
    "NUMBER_WORDS",
    "ORDINAL_WORDS",
    "WEEKDAYS",
    "ZONE_ABBREVIATIONS",
]

WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
WEEKDAY_PLURALS = {
    "mondays": 0, "tuesdays": 1, "wednesdays": 2, "thursdays": 3, "fridays": 4,
    "saturdays": 5, "sundays": 6,
}  # fmt: skip
# Weekday spellings that are also English words ("Sun lounge", "Sat nav", "newly
# wed"): alone, they give way to any other day (commands.when_types.Day.loose).
WORD_WEEKDAYS = frozenset({"sun", "sat", "wed"})
# Days said relative to today (the user's today), in days.
RELATIVE_DAYS = {
    "today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
    "tommorow": 1, "tommorrow": 1, "yesterday": -1, "overmorrow": 2,
    "day after tomorrow": 2, "the day after tomorrow": 2, "day after tmrw": 2,
    "the day after tmrw": 2, "day after tmr": 2,
}  # fmt: skip
# Words before a weekday → (today counts, "next": two readings when it is this week).
WEEKDAY_MODES = {
    "": (False, False), "on": (False, False), "coming": (False, False),
    "this": (True, False), "this coming": (True, False), "next": (False, True),
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


def _numbers_to(top: int) -> dict[str, int]:
    """Spelled numbers 1..top, compounds both hyphenated and spaced ("twenty-five")."""
    words = {word: i + 1 for i, word in enumerate(_UNITS)}
    words.update({word: i + 10 for i, word in enumerate(_TEENS)})
    for tens, value in _TENS.items():
        words[tens] = value
        for i, unit in enumerate(_UNITS):
            words[f"{tens}-{unit}"] = words[f"{tens} {unit}"] = value + i + 1
    return {word: value for word, value in words.items() if value <= top}


# "eleven fifteen", "nine oh five": the minutes of a clock time said aloud.
HOUR_WORDS = _numbers_to(12)
MINUTE_WORDS = {w: v for w, v in _numbers_to(59).items() if v >= 10}
MINUTE_WORDS.update({f"{oh} {unit}": i + 1 for oh in ("oh", "o") for i, unit in enumerate(_UNITS)})
# Amounts: "in twenty minutes", "a couple of days", "a few minutes".
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "couple": 2, "few": 3, "ninety": 90, **_numbers_to(59)}
FUZZY_NUMBERS = {"couple": 2, "few": 3}  # named in notes: "a few" is read as 3

_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip


def _ordinal_words() -> dict[str, int]:
    words = {word: i + 1 for i, word in enumerate(_ORDINALS)}
    for i, word in enumerate(_ORDINALS[:9]):
        words[f"twenty-{word}"] = words[f"twenty {word}"] = 21 + i
    words.update({"thirtieth": 30, "thirty-first": 31, "thirty first": 31})
    return words


ORDINAL_WORDS = _ordinal_words()
# "second Monday of November", "last Thursday of the month": which one of the month.
NTH_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "last": -1, "final": -1,
}  # fmt: skip

# Minutes for "quarter past", "half past", "in 3/4 of an hour".
FRACTIONS = {"quarter": 15, "a quarter": 15, "half": 30, "three quarters": 45,
             "three-quarters": 45, "1/4": 15, "1/2": 30, "3/4": 45}  # fmt: skip

# Abbreviations name the region's wall clock (users say "PST" all year round);
# ``dst`` records what the abbreviation claims so the caller can note a mismatch.
ZONE_ABBREVIATIONS: dict[str, tuple[str, bool | None]] = {
    "utc": ("UTC", None), "gmt": ("UTC", None),
    "ist": ("Asia/Kolkata", None),
    "pst": ("America/Los_Angeles", False), "pdt": ("America/Los_Angeles", True),
    "est": ("America/New_York", False), "edt": ("America/New_York", True),
    "cst": ("America/Chicago", False), "cdt": ("America/Chicago", True),
    "mst": ("America/Denver", False), "mdt": ("America/Denver", True),
    "akst": ("America/Anchorage", False), "akdt": ("America/Anchorage", True),
    "hst": ("Pacific/Honolulu", None),
    "cet": ("Europe/Paris", False), "cest": ("Europe/Paris", True),
    "wet": ("Europe/Lisbon", False), "west": ("Europe/Lisbon", True),
    "bst": ("Europe/London", True),
    "eet": ("Europe/Athens", False), "eest": ("Europe/Athens", True),
    "msk": ("Europe/Moscow", None), "sast": ("Africa/Johannesburg", None),
    "gst": ("Asia/Dubai", None), "pkt": ("Asia/Karachi", None),
    "aest": ("Australia/Sydney", False), "aedt": ("Australia/Sydney", True),
    "acst": ("Australia/Adelaide", False), "acdt": ("Australia/Adelaide", True),
    "awst": ("Australia/Perth", None),
    "jst": ("Asia/Tokyo", None), "kst": ("Asia/Seoul", None),
    "sgt": ("Asia/Singapore", None), "hkt": ("Asia/Hong_Kong", None),
    "nzst": ("Pacific/Auckland", False), "nzdt": ("Pacific/Auckland", True),
}  # fmt: skip
# Short US forms are ordinary words too, so they count only right after a time.
SHORT_ZONES = {
    "pt": "America/Los_Angeles", "et": "America/New_York",
    "ct": "America/Chicago", "mt": "America/Denver",
}  # fmt: skip
# "<name> time": "3pm pacific time", "10am india time".
NAMED_ZONES = {
    "pacific": "America/Los_Angeles", "eastern": "America/New_York",
    "central": "America/Chicago", "mountain": "America/Denver",
    "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "uk": "Europe/London",
    "london": "Europe/London", "sydney": "Australia/Sydney", "tokyo": "Asia/Tokyo",
    "new york": "America/New_York", "singapore": "Asia/Singapore",
    "paris": "Europe/Paris", "berlin": "Europe/Berlin", "dublin": "Europe/Dublin",
    "melbourne": "Australia/Melbourne", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "toronto": "America/Toronto", "chicago": "America/Chicago",
    "san francisco": "America/Los_Angeles", "los angeles": "America/Los_Angeles",
}  # fmt: skip
IANA_AREAS = "africa|america|antarctica|arctic|asia|atlantic|australia|europe|indian|pacific|etc"

# Dayparts: the hint they give an hour without am/pm, and the hours they allow.
DAYPART_HINT = {"morning": "am", "afternoon": "pm", "evening": "pm", "night": "night"}
DAYPART_HOURS = {
    "morning": range(4, 13), "afternoon": range(12, 19), "evening": range(16, 24),
    "night": (*range(18, 24), 0, 1, 2, 3, 4, 24),
}  # fmt: skip
# Words that soften a time without changing it: "around 3pm", "noonish".
APPROX_WORDS = ("about", "around", "approximately", "approx", "roughly", "circa", "ish", "~")
