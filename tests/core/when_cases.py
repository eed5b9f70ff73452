"""The case table for :func:`commands.when.parse_when`, shared by
``tests/test_when.py`` and ``benchmarks/bench_when.py`` so that the accuracy the
benchmark prints is measured on exactly what the tests pin down.

Each case names a fixed "now" (a key of ``NOWS``: a zone and a wall-clock time
there) and the expected start as wall-clock time in that same zone, to the minute.
Where a wall time happens twice (DST fall-back) the expected start carries its UTC
offset ("2026-10-25 01:30+01:00").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# key: (user's zone, now as wall-clock time there, weekday for the reader)
NOWS: dict[str, tuple[str, str]] = {
    "kol": ("Asia/Kolkata", "2026-12-01 10:00"),  # Tue
    "ny": ("America/New_York", "2026-11-27 16:30"),  # Fri
    "ny_spring": ("America/New_York", "2027-03-13 09:00"),  # Sat; 2027-03-14 02:00 → 03:00
    "ny_fall": ("America/New_York", "2026-10-31 12:00"),  # Sat; 2026-11-01 02:00 → 01:00
    "lon": ("Europe/London", "2026-07-15 08:15"),  # Wed, BST
    "lon_fall": ("Europe/London", "2026-10-24 18:00"),  # Sat; 2026-10-25 02:00 → 01:00
    "lon_spring": ("Europe/London", "2027-03-27 20:00"),  # Sat; 2027-03-28 01:00 → 02:00
    "syd": ("Australia/Sydney", "2026-12-31 22:00"),  # Thu, New Year's Eve
    "syd_spring": ("Australia/Sydney", "2026-10-03 12:00"),  # Sat; 2026-10-04 02:00 → 03:00
    "syd_fall": ("Australia/Sydney", "2027-04-03 12:00"),  # Sat; 2027-04-04 03:00 → 02:00
    "utc": ("UTC", "2026-12-20 23:30"),  # Sun
}

WEEKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Case:
    text: str
    now: str
    start: str
    minutes: int = 30
    recurrence: str | None = None
    weekdays: tuple[int, ...] = ()
    topic: str = ""
    source_tz: str | None = None
    note: str | None = None  # a substring one of the notes must contain
    day_first: bool = False

    @property
    def tz(self) -> str:
        return NOWS[self.now][0]

    @property
    def now_dt(self) -> datetime:
        return datetime.fromisoformat(NOWS[self.now][1]).replace(tzinfo=ZoneInfo(self.tz))

    @property
    def start_dt(self) -> datetime:
        """Expected start, aware, in the user's zone (the offset, if given, decides
        between the two readings of a repeated wall time)."""
        parsed = datetime.fromisoformat(self.start)
        zone = ZoneInfo(self.tz)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone)

    @property
    def id(self) -> str:
        flag = " [day_first]" if self.day_first else ""
        return f"{self.now}: {self.text}{flag}"


C = Case
CASES: tuple[Case, ...] = (
    # --- Kolkata, Tue 2026-12-01 10:00 ------------------------------------------------
    C("tomorrow 3pm for 45m Budget review", "kol", "2026-12-02 15:00", 45, topic="Budget review"),
    C("3pm", "kol", "2026-12-01 15:00"),
    C("3 pm Sync", "kol", "2026-12-01 15:00", topic="Sync"),
    C("15:00 Design review", "kol", "2026-12-01 15:00", topic="Design review"),
    C("3.30pm", "kol", "2026-12-01 15:30"),
    C("at 1530 Retro", "kol", "2026-12-01 15:30", topic="Retro"),
    C("noon", "kol", "2026-12-01 12:00"),
    C("12 noon", "kol", "2026-12-01 12:00"),
    C("midnight", "kol", "2026-12-02 00:00"),
    C("half past 3", "kol", "2026-12-01 15:30"),
    C("quarter to 4", "kol", "2026-12-01 15:45"),
    C("quarter past 4", "kol", "2026-12-01 16:15"),
    C("at 9", "kol", "2026-12-02 09:00", note="has passed today"),
    C("at 11", "kol", "2026-12-01 11:00"),
    C("at 5", "kol", "2026-12-01 17:00"),
    C("9am", "kol", "2026-12-02 09:00", note="has passed today"),
    C("10am", "kol", "2026-12-01 10:00"),
    C("today 4pm", "kol", "2026-12-01 16:00"),
    C("today at 7", "kol", "2026-12-01 19:00", note="as 7:00 PM"),
    C("tonight", "kol", "2026-12-01 20:00", note="8:00 PM"),
    C("tonight at 9", "kol", "2026-12-01 21:00"),
    C("tomorrow", "kol", "2026-12-02 09:00", note="No time given"),
    C("day after tomorrow 11am", "kol", "2026-12-03 11:00"),
    C("wed 2pm", "kol", "2026-12-02 14:00"),
    C("tue 2pm", "kol", "2026-12-08 14:00"),
    C("next tue 2pm", "kol", "2026-12-08 14:00"),
    C("this tue 2pm", "kol", "2026-12-01 14:00"),
    C("next thu at 10", "kol", "2026-12-03 10:00"),
    C("on friday at 4:30pm Offsite prep", "kol", "2026-12-04 16:30", topic="Offsite prep"),
    C("in 2 hours", "kol", "2026-12-01 12:00"),
    C("in 30 min Quick sync", "kol", "2026-12-01 10:30", topic="Quick sync"),
    C("in 3 days at 10", "kol", "2026-12-04 10:00"),
    C("now", "kol", "2026-12-01 10:00"),
    C("2026-12-03 15:00", "kol", "2026-12-03 15:00"),
    C("Dec 5 2pm", "kol", "2026-12-05 14:00"),
    C("5 Dec 2pm", "kol", "2026-12-05 14:00"),
    C("December 5th at 3", "kol", "2026-12-05 15:00"),
    C("12/05 10am", "kol", "2026-12-05 10:00"),
    C("05/12 10am", "kol", "2026-12-05 10:00", day_first=True),
    C("Jan 3 10am Kickoff", "kol", "2027-01-03 10:00", topic="Kickoff"),
    C("Nov 30 10am", "kol", "2027-11-30 10:00"),
    C("Dec 5", "kol", "2026-12-05 09:00", note="No time given"),
    C("3pm for 1.5 hours", "kol", "2026-12-01 15:00", 90),
    C("3pm for 1h30", "kol", "2026-12-01 15:00", 90),
    C("3pm for 1h 30m", "kol", "2026-12-01 15:00", 90),
    C("3pm 90 minutes Planning", "kol", "2026-12-01 15:00", 90, topic="Planning"),
    C("3pm for an hour", "kol", "2026-12-01 15:00", 60),
    C("half an hour at 4pm Catch-up", "kol", "2026-12-01 16:00", 30, topic="Catch-up"),
    C("from 2 to 3:30pm", "kol", "2026-12-01 14:00", 90),
    C("2-3pm Interview", "kol", "2026-12-01 14:00", 60, topic="Interview"),
    C("tomorrow 10am-11:30am", "kol", "2026-12-02 10:00", 90),
    C("3pm until 4pm", "kol", "2026-12-01 15:00", 60),
    C("daily 9:30am Standup", "kol", "2026-12-02 09:30", recurrence="daily", topic="Standup"),
    C("every day at 6pm", "kol", "2026-12-01 18:00", recurrence="daily"),
    C("every weekday 9am", "kol", "2026-12-02 09:00", recurrence="weekdays", weekdays=WEEKDAYS),
    C("weekdays at 11", "kol", "2026-12-01 11:00", recurrence="weekdays", weekdays=WEEKDAYS),
    C(
        "weekly 3pm One-on-one",
        "kol",
        "2026-12-01 15:00",
        recurrence="weekly",
        weekdays=(1,),
        topic="One-on-one",
    ),
    C(
        "every Tuesday 4pm Team sync",
        "kol",
        "2026-12-01 16:00",
        recurrence="weekly",
        weekdays=(1,),
        topic="Team sync",
    ),
    C("every mon and wed 10am", "kol", "2026-12-02 10:00", recurrence="weekly", weekdays=(0, 2)),
    C("monthly 5pm Board", "kol", "2026-12-01 17:00", recurrence="monthly", topic="Board"),
    C("3pm IST", "kol", "2026-12-01 15:00", source_tz="Asia/Kolkata"),
    C("9am UTC", "kol", "2026-12-01 14:30", source_tz="UTC"),
    C("10am Europe/London", "kol", "2026-12-01 15:30", source_tz="Europe/London"),
    C("9am PST", "kol", "2026-12-01 22:30", source_tz="America/Los_Angeles"),
    C("tomorrow 9am EST", "kol", "2026-12-02 19:30", source_tz="America/New_York"),
    C("3pm UTC+5:30", "kol", "2026-12-01 15:00", source_tz="UTC+05:30"),
    C("tomorrow 9 Retro", "kol", "2026-12-02 09:00", topic="Retro"),
    C("Tue, Dec 8 3pm", "kol", "2026-12-08 15:00"),
    C("Feb 29 10am", "kol", "2028-02-29 10:00"),
    C("tomorrow evening at 7", "kol", "2026-12-02 19:00"),
    C("this afternoon", "kol", "2026-12-01 14:00", note="2:00 PM"),
    C("11pm-1am Release", "kol", "2026-12-01 23:00", 120, topic="Release"),
    C("11-1pm Workshop", "kol", "2026-12-01 11:00", 120, topic="Workshop"),
    C("in an hour and a half", "kol", "2026-12-01 11:30"),
    C("2 weeks from now", "kol", "2026-12-15 09:00"),
    C("Sync with Bob at 3 about Q4", "kol", "2026-12-01 15:00", topic="Sync with Bob about Q4"),
    C(
        "Standup every mon, wed and fri at 9:30am",
        "kol",
        "2026-12-02 09:30",
        recurrence="weekly",
        weekdays=(0, 2, 4),
        topic="Standup",
    ),
    C("Quarterly sync on Dec 5, 2026 at 2pm", "kol", "2026-12-05 14:00", topic="Quarterly sync"),
    C("45-minute sync tomorrow 3pm", "kol", "2026-12-02 15:00", 45, topic="sync"),
    C("tomorrow 3pm for about 2 hrs", "kol", "2026-12-02 15:00", 120),
    C("Budget review - tomorrow, 3pm", "kol", "2026-12-02 15:00", topic="Budget review"),
    C("TOMORROW 3PM Q4 Plan", "kol", "2026-12-02 15:00", topic="Q4 Plan"),
    C("2026-12-03T15:00Z", "kol", "2026-12-03 20:30", source_tz="UTC"),
    C("at 9 in the evening", "kol", "2026-12-01 21:00"),
    C("mon-fri 8:30am", "kol", "2026-12-02 08:30", recurrence="weekdays", weekdays=WEEKDAYS),
    C("tuesdays 3pm", "kol", "2026-12-01 15:00", recurrence="weekly", weekdays=(1,)),
    C("tomorrow 12am", "kol", "2026-12-02 00:00"),
    C("tomorrow midnight", "kol", "2026-12-03 00:00"),
    C("Tomorrow 3 P.M.", "kol", "2026-12-02 15:00"),
    C("Sprint 2-3 review tomorrow 3pm", "kol", "2026-12-02 15:00", topic="Sprint 2-3 review"),
    C(
        "Approve 19.99 invoice tomorrow 3pm",
        "kol",
        "2026-12-02 15:00",
        topic="Approve 19.99 invoice",
    ),
    C("1-on-1 tomorrow 3pm", "kol", "2026-12-02 15:00", topic="1-on-1"),
    C("Review (tomorrow 3pm)", "kol", "2026-12-02 15:00", topic="Review"),
    # --- New York, Fri 2026-11-27 16:30 EST -------------------------------------------
    C("5pm", "ny", "2026-11-27 17:00"),
    C("4pm", "ny", "2026-11-28 16:00", note="has passed today"),
    C("at 4", "ny", "2026-11-28 16:00"),
    C("monday 10am", "ny", "2026-11-30 10:00"),
    C("next mon 10am", "ny", "2026-11-30 10:00"),
    C("this fri 5pm", "ny", "2026-11-27 17:00"),
    C("tomorrow 11:30am", "ny", "2026-11-28 11:30"),
    C("in 45 minutes", "ny", "2026-11-27 17:15"),
    C("Dec 1 9am", "ny", "2026-12-01 09:00"),
    C("12/24 10am", "ny", "2026-12-24 10:00"),
    C("2pm IST", "ny", "2026-11-28 03:30", source_tz="Asia/Kolkata"),
    C("9am Europe/London", "ny", "2026-11-28 04:00", source_tz="Europe/London"),
    C("tomorrow 10am CET", "ny", "2026-11-28 04:00", source_tz="Europe/Paris"),
    C("every weekday 9am", "ny", "2026-11-30 09:00", recurrence="weekdays", weekdays=WEEKDAYS),
    C("every fri 5pm", "ny", "2026-11-27 17:00", recurrence="weekly", weekdays=(4,)),
    C("weekly on monday at 10", "ny", "2026-11-30 10:00", recurrence="weekly", weekdays=(0,)),
    C("daily at 8am", "ny", "2026-11-28 08:00", recurrence="daily"),
    C(
        "weekly sync every thursday 4pm",
        "ny",
        "2026-12-03 16:00",
        recurrence="weekly",
        weekdays=(3,),
        topic="sync",
    ),
    C("3-4pm Tuesday Design review", "ny", "2026-12-01 15:00", 60, topic="Design review"),
    C("Tuesday 3pm-4:30pm", "ny", "2026-12-01 15:00", 90),
    C("tonight 9-11 Launch party", "ny", "2026-11-27 21:00", 120, topic="Launch party"),
    C("now for 15m Quick call", "ny", "2026-11-27 16:30", 15, topic="Quick call"),
    C("in 2 hours for 90 min", "ny", "2026-11-27 18:30", 90),
    C("Jan 3 2pm", "ny", "2027-01-03 14:00"),
    C("2027-01-15 09:30 Annual planning", "ny", "2027-01-15 09:30", topic="Annual planning"),
    C("sat 10am", "ny", "2026-11-28 10:00"),
    C("sun at noon Brunch", "ny", "2026-11-29 12:00", topic="Brunch"),
    C("between 2 and 3pm on monday", "ny", "2026-11-30 14:00", 60),
    C("10am ET", "ny", "2026-11-28 10:00", source_tz="America/New_York"),
    C("11am pacific time", "ny", "2026-11-28 14:00", source_tz="America/Los_Angeles"),
    # --- New York spring forward: Sat 2027-03-13 09:00 EST ----------------------------
    C("tomorrow 2:30am", "ny_spring", "2027-03-14 03:30", note="doesn't exist"),
    C("tomorrow 2am", "ny_spring", "2027-03-14 03:00", note="spring forward"),
    C("tomorrow 1:30am", "ny_spring", "2027-03-14 01:30"),
    C("tomorrow 3am", "ny_spring", "2027-03-14 03:00"),
    C("in 24 hours", "ny_spring", "2027-03-14 10:00"),
    C("tomorrow 9am", "ny_spring", "2027-03-14 09:00"),
    C("tomorrow 1am-4am Maintenance", "ny_spring", "2027-03-14 01:00", 120, topic="Maintenance"),
    C("sun 2:15am", "ny_spring", "2027-03-14 03:15", note="3:15 AM"),
    C("2027-03-14 02:30 UTC", "ny_spring", "2027-03-13 21:30", source_tz="UTC"),
    # --- New York fall back: Sat 2026-10-31 12:00 EDT ---------------------------------
    C("tomorrow 1:30am", "ny_fall", "2026-11-01 01:30-04:00", note="happens twice"),
    C("tomorrow 1am-2am", "ny_fall", "2026-11-01 01:00-04:00", 120),
    C("tomorrow 2am", "ny_fall", "2026-11-01 02:00-05:00"),
    C("in 24 hours", "ny_fall", "2026-11-01 11:00"),
    C("sunday 1:15am", "ny_fall", "2026-11-01 01:15-04:00", note="EDT"),
    # --- London, Wed 2026-07-15 08:15 BST ---------------------------------------------
    C("9am", "lon", "2026-07-15 09:00"),
    C("8am", "lon", "2026-07-16 08:00"),
    C(
        "3pm PST",
        "lon",
        "2026-07-15 23:00",
        source_tz="America/Los_Angeles",
        note="PST is not in use",
    ),
    C("10am EDT", "lon", "2026-07-15 15:00", source_tz="America/New_York"),
    C("2pm IST", "lon", "2026-07-15 09:30", source_tz="Asia/Kolkata"),
    C("noon GMT", "lon", "2026-07-15 13:00", source_tz="UTC"),
    C("tomorrow 9am BST", "lon", "2026-07-16 09:00", source_tz="Europe/London"),
    C("Friday 14:00 Vendor call", "lon", "2026-07-17 14:00", topic="Vendor call"),
    C(
        "every tue and thu 10:30 Standup",
        "lon",
        "2026-07-16 10:30",
        recurrence="weekly",
        weekdays=(1, 3),
        topic="Standup",
    ),
    C(
        "every tue 6pm PST",
        "lon",
        "2026-07-22 02:00",
        recurrence="weekly",
        weekdays=(2,),
        source_tz="America/Los_Angeles",
    ),
    C("Aug 3 10:00", "lon", "2026-08-03 10:00"),
    C("3/8 2pm", "lon", "2027-03-08 14:00"),
    C("3/8 2pm", "lon", "2026-08-03 14:00", day_first=True),
    C("03/08/2027 2pm", "lon", "2027-08-03 14:00", day_first=True),
    C("in 3 days", "lon", "2026-07-18 09:00", note="No time given"),
    C("Retro at 4:45pm for 1h 15m", "lon", "2026-07-15 16:45", 75, topic="Retro"),
    C("tomorrow 15.30", "lon", "2026-07-16 15:30"),
    C("this evening", "lon", "2026-07-15 18:00"),
    C("10:00 Asia/Tokyo", "lon", "2026-07-16 02:00", source_tz="Asia/Tokyo"),
    # --- London fall back: Sat 2026-10-24 18:00 BST -----------------------------------
    C("tomorrow 1:30am", "lon_fall", "2026-10-25 01:30+01:00", note="happens twice"),
    C("tomorrow 1am", "lon_fall", "2026-10-25 01:00+01:00", note="BST"),
    C("tomorrow 2am", "lon_fall", "2026-10-25 02:00+00:00"),
    C(
        "tomorrow 9am BST",
        "lon_fall",
        "2026-10-25 09:00",
        source_tz="Europe/London",
        note="BST is not in use",
    ),
    C("tomorrow 1:30am UTC", "lon_fall", "2026-10-25 01:30+00:00", source_tz="UTC"),
    C("midnight", "lon_fall", "2026-10-25 00:00+01:00"),
    C("tomorrow 1am for 2 hours", "lon_fall", "2026-10-25 01:00+01:00", 120),
    # --- London spring forward: Sat 2027-03-27 20:00 GMT ------------------------------
    C("tomorrow 1:30am", "lon_spring", "2027-03-28 02:30", note="doesn't exist"),
    C("tomorrow 1am", "lon_spring", "2027-03-28 02:00", note="spring forward"),
    C("tomorrow 2am", "lon_spring", "2027-03-28 02:00"),
    C("in 12 hours", "lon_spring", "2027-03-28 09:00"),
    # --- Sydney, Thu 2026-12-31 22:00 AEDT --------------------------------------------
    C("tomorrow 10am", "syd", "2027-01-01 10:00"),
    C("Jan 2 9am", "syd", "2027-01-02 09:00"),
    C("Dec 31 11pm", "syd", "2026-12-31 23:00"),
    C("2pm", "syd", "2027-01-01 14:00", note="has passed today"),
    C("mon 9:30", "syd", "2027-01-04 09:30"),
    C("9am UTC", "syd", "2027-01-01 20:00", source_tz="UTC"),
    C("9am America/New_York", "syd", "2027-01-01 01:00", source_tz="America/New_York"),
    C("in 90m", "syd", "2026-12-31 23:30"),
    C("tonight 11pm", "syd", "2026-12-31 23:00"),
    C(
        "monthly 10am Finance review",
        "syd",
        "2027-01-01 10:00",
        recurrence="monthly",
        topic="Finance review",
    ),
    C("12/1 9am", "syd", "2027-12-01 09:00"),
    C("every weekday 8am", "syd", "2027-01-01 08:00", recurrence="weekdays", weekdays=WEEKDAYS),
    C("1/4/27 9am", "syd", "2027-04-01 09:00", day_first=True),
    # --- Sydney spring forward: Sat 2026-10-03 12:00 AEST -----------------------------
    C("tomorrow 2:30am", "syd_spring", "2026-10-04 03:30", note="doesn't exist"),
    C("tomorrow 9am", "syd_spring", "2026-10-04 09:00"),
    C("in 24 hours", "syd_spring", "2026-10-04 13:00"),
    # --- Sydney fall back: Sat 2027-04-03 12:00 AEDT ----------------------------------
    C("tomorrow 2:30am", "syd_fall", "2027-04-04 02:30+11:00", note="happens twice"),
    C("tomorrow 3am", "syd_fall", "2027-04-04 03:00+10:00"),
    # --- UTC, Sun 2026-12-20 23:30 ----------------------------------------------------
    C("tomorrow 9am IST", "utc", "2026-12-21 03:30", source_tz="Asia/Kolkata"),
    C("tomorrow 9am", "utc", "2026-12-21 09:00"),
    C("midnight", "utc", "2026-12-21 00:00"),
    C("in 30 min", "utc", "2026-12-21 00:00"),
    C("11:45pm", "utc", "2026-12-20 23:45"),
    C("11pm", "utc", "2026-12-21 23:00"),
    C("Dec 25 10am Holiday party", "utc", "2026-12-25 10:00", topic="Holiday party"),
    C("mon 9am America/New_York", "utc", "2026-12-21 14:00", source_tz="America/New_York"),
    C(
        "every mon 9am America/New_York",
        "utc",
        "2026-12-21 14:00",
        recurrence="weekly",
        weekdays=(0,),
        source_tz="America/New_York",
    ),
    C(
        "every weekday 9pm PST",
        "utc",
        "2026-12-22 05:00",
        recurrence="weekly",
        weekdays=(1, 2, 3, 4, 5),
        source_tz="America/Los_Angeles",
        note="repeats weekly",
    ),
    C("2026-12-21 10:00 Asia/Tokyo", "utc", "2026-12-21 01:00", source_tz="Asia/Tokyo"),
    C("10am JST", "utc", "2026-12-21 01:00", source_tz="Asia/Tokyo"),
    C(
        "tomorrow 3pm AEST",
        "utc",
        "2026-12-21 04:00",
        source_tz="Australia/Sydney",
        note="AEST is not in use",
    ),
    C("9:15 standup", "utc", "2026-12-21 09:15", topic="standup"),
    C("every morning Standup", "utc", "2026-12-21 09:00", recurrence="daily", topic="Standup"),
    C("in 2 days at 14:00", "utc", "2026-12-22 14:00"),
    C("Call in a week at 3pm", "utc", "2026-12-27 15:00", topic="Call"),
)


@dataclass(frozen=True)
class ErrorCase:
    text: str
    now: str
    says: str  # a substring the error message must contain
    tz: str | None = None  # override the user's zone (for bad zone names)


E = ErrorCase
ERROR_CASES: tuple[ErrorCase, ...] = (
    E("", "kol", "Tell me when"),
    E("   ", "kol", "Tell me when"),
    E("Budget review", "kol", "couldn't find a time"),
    E("for 45m", "kol", "couldn't find a time"),
    E("daily Standup", "kol", "At what time"),
    E("today 1am", "kol", "already passed"),
    E("this fri 4pm", "ny", "already passed"),
    E("yesterday 3pm", "kol", "already passed"),
    E("2025-01-01 10am", "kol", "already passed"),
    E("today", "kol", "already passed"),
    E("Feb 30 3pm", "kol", "not a real date"),
    E("2027-02-29 10am", "kol", "not a real date"),
    E("25:00", "kol", "not a time of day"),
    E("3:75pm", "kol", "not a time of day"),
    E("13pm", "kol", "not a time of day"),
    E("13/45 3pm", "kol", "not a date"),
    E("12/45 3pm", "kol", "not a real date"),
    E("3pm 5pm", "kol", "two times"),
    E("tomorrow tue 3pm", "kol", "two days"),
    E("3pm for 1h for 2h", "kol", "two lengths"),
    E("3pm IST PST", "kol", "two time zones"),
    E("in 2 hours tomorrow", "kol", "already says when"),
    E("3pm for 0 min", "kol", "1 minute"),
    E("3pm for 25 hours", "kol", "24 hours"),
    E("9am-9am", "kol", "ends before it starts"),
    E("3pm until 2pm", "kol", "ends before it starts"),
    E("until 4pm", "kol", "add a start"),
    E("wed dec 8 3pm", "kol", "is a Tuesday, not a Wednesday"),
    E("every other tue 3pm", "kol", "can't repeat"),
    E("next week 3pm", "kol", "not a day I can book"),
    E("3pm Europe/Londn", "kol", "don't know the time zone"),
    E("Dec 5 2040 3pm", "kol", "too far ahead"),
    E("x" * 300 + " at 3pm", "kol", "under 300"),
    E("tomorrow 3pm", "kol", "don't know the time zone", tz="Mars/Olympus"),
    E("tomorrow 3pm", "kol", "don't know the time zone", tz=""),
)
