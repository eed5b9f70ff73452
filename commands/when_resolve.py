"""From scanned parts to one moment: the rules of :func:`commands.when.parse_when`.

- **Bare time** ("3pm"): its next occurrence, today if still ahead, else tomorrow.
- **Hour without am/pm** ("at 9", "3:30"): working hours, 1-6 → pm, 9-11 → am,
  12 → noon; 7 and 8 are as often evening as morning, so they are a question. A
  daypart decides ("tomorrow evening at 7" = 19:00); with an explicit "today",
  if one reading has passed the other is taken with a note.
- **A day without a time** asks for the time; so does a daypart alone.
- **"next fri"** said while that Friday is still this week has two readings (this
  week's or next week's): a question.
- **The past** ("last monday", "yesterday 4pm", a time that has passed on a
  named day) is an error that says so, never moved to another day.
- **Zones and DST**: see :mod:`commands.when_zones`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from commands.when_ask import (
    EXAMPLE_HOURS,
    Question,
    Reading,
    ask_for_time,
    ask_length_or_start,
    ask_to_choose,
    ask_which_date,
    ask_which_daypart,
)
from commands.when_days import Today, WhichHoliday, calendar_day, next_weekday
from commands.when_errors import NoTimeFound, WhenError
from commands.when_types import DEFAULT_DURATION, Clock, Parts, When
from commands.when_words import DAYPART_HINT, DAYPART_HOURS
from commands.when_zones import (
    clock_words,
    date_words,
    day_words,
    localise,
    moment_words,
    month_day,
    source_zone,
)

__all__ = ["Resolution", "resolve"]
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def resolve(parts: Parts, now: datetime, user_zone: tzinfo, text: str) -> When:
    """One moment from ``parts``, or a WhenError/UnsureTime saying why not."""
    if parts.past:
        raise _in_the_past(parts, now, user_zone)
    return Resolution(parts, now, user_zone, text).when()


def _in_the_past(parts: Parts, now: datetime, user_zone: tzinfo) -> WhenError:
    topic = parts.topic or "Budget review"
    return WhenError(
        f"“{parts.past}” is in the past (it is {moment_words(now.astimezone(user_zone))} "
        f"now). Pick a time ahead, e.g. “tomorrow 3pm {topic}”.",
        examples=(f"tomorrow 3pm {topic}", f"next mon 9am {topic}"),
    )


class Resolution:
    """Turns scanned parts into a start; one instance per call, so the rules can
    share ``now``, the zones and the notes without long argument lists."""

    def __init__(self, parts: Parts, now: datetime, user_zone: tzinfo, text: str) -> None:
        self.parts, self.now, self.user_zone, self.text = parts, now, user_zone, text
        self.notes: list[str] = []
        self.source_tz: str | None = None
        self.zone = user_zone
        self.local_now = local_now = now.astimezone(user_zone)
        today = local_now.date()
        if parts.zone is not None:
            self.zone, self.source_tz = source_zone(parts.zone)
            self.local_now = now.astimezone(self.zone)
        self.today = Today(
            self.local_now.date(),  # in the text's zone: weekdays and dates
            today,  # "today", "tomorrow", "in 3 days"
            getattr(user_zone, "key", None) or "",  # holidays differ by region
        )

    def when(self) -> When:
        parts = self.parts
        if parts.for_length is not None and not _says_when_elsewhere(parts):
            raise ask_length_or_start(parts)
        start = self._start_from_offset() if parts.offset is not None else self._start_from_clock()
        # The common case (no end, zone or repeat) without the calls that do nothing then.
        duration = self._duration(start) if parts.end is not None else None
        duration = duration or parts.duration or DEFAULT_DURATION
        user_start = start
        if parts.zone is not None:
            self._zone_note(start)
            user_start = start.astimezone(self.user_zone)
        recurrence, weekdays = None, ()
        if parts.recurrence is not None:
            recurrence, weekdays = self._repeat(start, user_start)
        return When(user_start, duration, recurrence, weekdays, parts.topic, self.source_tz,
                    tuple(self.notes))  # fmt: skip

    # start ---------------------------------------------------------------------

    def _start_from_offset(self) -> datetime:
        """ "now", "in 2 hours": real elapsed time from ``now``."""
        parts = self.parts
        clash = [parts.seen[k] for k in ("day", "time", "repeat") if k in parts.seen]
        if clash or parts.daypart:
            said = parts.seen["offset"]
            raise WhenError(
                f"“{said}” already says when, so “{clash[0] if clash else parts.daypart}” "
                "is one time too many. Give one of them.",
                examples=(f"{said} Budget review", "tomorrow 3pm Budget review"),
            )
        assert parts.offset is not None
        return (self.now.astimezone(UTC) + parts.offset).astimezone(self.zone)

    def _start_from_clock(self) -> datetime:
        parts = self.parts
        try:
            day = calendar_day(parts.day, self.today) if parts.day is not None else None
        except WhichHoliday as question:  # "independence day 3pm" in Kolkata
            raise ask_which_date(parts, question, question.dates, self.today.here) from None
        if day is not None:
            if day < min(self.today.here, self.today.user):
                raise self._past_day(day)
            if parts.check_weekday is not None and day.weekday() != parts.check_weekday:
                raise _not_that_weekday(day, parts.check_weekday)
        readings = self._readings(day)
        self._ask_if_two_readings(day, readings)
        repeat_days = self._repeat_days() if parts.recurrence is not None else ()
        if repeat_days:
            first = day if day is not None and self._day_bounds_repeat() else self.today.here
            return self._first_repeat(first, repeat_days, readings[0])
        if day is not None:
            return self._on_day(day, readings)
        second = parts.time.second if parts.time is not None else 0
        start, note = localise(self.zone, self.today.here, readings[0], second)
        if start < self.now:
            start, note = localise(self.zone, self.today.here + timedelta(days=1), readings[0],
                                   second)  # fmt: skip
            there = f" in {self.zone}" if parts.zone is not None else ""
            self.notes.append(
                f"{clock_words(readings[0])} has passed today{there}, so I used tomorrow."
            )
        if note:
            self.notes.append(note)
        return start

    def _second(self) -> int:
        return self.parts.time.second if self.parts.time is not None else 0

    def _readings(self, day: date | None) -> tuple[int, ...]:
        """Candidate minutes-after-midnight for the start, preferred first."""
        parts = self.parts
        if parts.time is not None:
            if parts.daypart is None:
                if parts.end is not None:
                    return _range_start(parts.time, parts.end)
                return parts.time.readings()
            readings = parts.time.readings(DAYPART_HINT.get(parts.daypart))
            self._check_daypart(parts.time, readings[0], day)
            return readings
        if parts.daypart is not None or parts.day is not None or parts.recurrence:
            if parts.end is None:
                raise ask_for_time(parts, self._hours_ahead(day), self._weekday_question(day))
        raise self._no_time()

    def _check_daypart(self, clock: Clock, minutes: int, day: date | None) -> None:
        """ "tomorrow morning 3pm": the two say different things, so ask."""
        part = self.parts.daypart
        if part is None or clock.ambiguous or minutes // 60 in DAYPART_HOURS[part]:
            return
        said = self.parts.seen.get("time", clock.text)
        # "this afternoon 8:27pm" said at 9pm: without the daypart it is tomorrow's
        today = localise(self.zone, self.today.here, clock.readings()[0])[0] >= self.now
        raise ask_which_daypart(self.parts, said, part, self._hours_ahead(day), today=today)

    def _hours_ahead(self, day: date | None) -> tuple[str, ...]:
        """Hours an example may put on ``day`` (in its daypart, if one was said) that
        are still ahead, so the example books: "today 10am" is no example at 3pm."""
        hours = EXAMPLE_HOURS[self.parts.daypart]
        if day is None or self.parts.recurrence or day > self.local_now.date():
            return tuple(text for text, _ in hours[:2])  # a later day: all are ahead
        ahead: list[str] = []
        for text, minutes in hours:
            if localise(self.zone, day, minutes)[0] >= self.now:
                ahead.append(text)
                if len(ahead) == 2:
                    break
        return tuple(ahead)

    def _no_time(self) -> WhenError:
        topic = self.parts.topic or "Budget review"
        examples = (f"tomorrow 3pm {topic}", f"every tue 10am {topic}")
        if self.parts.end is not None:
            said = self.parts.seen.get("length", "until")
            return WhenError(
                f"“{said}” says when it ends; add a start, e.g. “2pm {said}”.", examples=examples
            )
        return NoTimeFound(
            f"I couldn't find a time in “{self.text.strip()}”. Say when, "
            f"e.g. “tomorrow 3pm {topic}”.",
            examples=examples,
        )

    # questions -------------------------------------------------------------------

    def _ask_if_two_readings(self, day: date | None, readings: tuple[int, ...]) -> None:
        """Collect every phrase with two real readings; ask once, with all choices."""
        parts = self.parts
        clock, said_day = parts.time, parts.day
        if not (
            parts.ambiguities
            or (clock is not None and clock.hour in (7, 8) and clock.two_readings)
            or (said_day is not None and (said_day.next or said_day.loose))
        ):
            return  # the common case: nothing could have two readings
        questions: list[Question] = [(a.said, tuple(zip(a.readings, a.choices, strict=True)))
                     for a in self.parts.ambiguities]  # fmt: skip
        for question in (self._loose_question(day), self._clock_question(day, readings),
                         self._weekday_question(day)):  # fmt: skip
            if question:
                questions.append(question)
        if questions:
            raise ask_to_choose(self.parts, questions)

    def _loose_question(self, date_: date | None) -> Question | None:
        """ "Sun lounge chat at 3pm", "Christmas party planning at 3pm": a loose day
        away from the time may be that day or a title word ("Sun 3pm", "3pm, Sun"
        and "xmas at 6pm party" are the day)."""
        parts, day = self.parts, self.parts.day
        if day is None or not day.loose or date_ is None or "time" not in parts.spans:
            return None
        if parts.time is not None and parts.time.ambiguous and parts.end is None:
            return None  # "Sun 9", "nine wed": the hour is a time only beside the day
        (a, b), (c, d) = parts.spans["day"], parts.spans["time"]
        between = parts.source[min(b, d) : max(a, c)].lower().split()
        words_after = a > c and _WORD.search(parts.masked, b)  # "3pm Sun lounge chat"
        if not set(between) - _BETWEEN_DAY_AND_TIME and not words_after:
            return None  # "Sun 3pm", "Sun at 3pm", "3pm, Sun"
        if day.kind == "weekday":  # "Sunday lounge chat at 3pm"
            name, edit = _DAY_NAMES[day.weekday], (a, b, _DAY_NAMES[day.weekday])
        else:  # "Dec 25 Christmas party planning at 3pm": the holiday stays in the title
            name, edit = day_words(date_), (a, a, f"{month_day(date_)} ")
        return parts.source[a:b], (
            (name, (edit,)),
            ("part of the title", ((a, a, '"'), (b, b, '"'))),
        )

    def _clock_question(self, day: date | None, readings: tuple[int, ...]) -> Question | None:
        """7 or 8 without am/pm or a daypart, unless "today" leaves only one ahead."""
        parts, clock = self.parts, self.parts.time
        if clock is None or parts.daypart or not clock.two_readings or parts.ambiguities:
            return None
        if parts.end is not None and not parts.end.ambiguous:
            return None  # "7-9pm": the end says which
        if day is not None and not self._both_ahead(day, readings):
            return None  # one reading has passed: take the other, or say it has passed
        said = parts.source[slice(*parts.spans["time"])]
        options: list[Reading] = []
        for meridiem in ("am", "pm"):
            edits = [(*parts.spans["time"], clock.written(meridiem))]
            start = clock.readings(meridiem)[0]
            if parts.end is not None and "length" in parts.spans:
                end = _end_after(parts.end, start)
                edits.append((*parts.spans["length"], _written(end)))
            options.append((clock_words(start), tuple(edits)))
        return said, tuple(options)

    def _both_ahead(self, day: date, readings: tuple[int, ...]) -> bool:
        if len(readings) < 2 or self.parts.recurrence:
            return True
        return all(localise(self.zone, day, r)[0] >= self.now for r in readings)

    def _weekday_question(self, day: date | None) -> Question | None:
        """ "next fri" on a Monday: this week's Friday, or next week's?"""
        said_day = self.parts.day
        if day is None or said_day is None or said_day.kind != "weekday" or not said_day.next:
            return None
        if said_day.plus or self.today.here.weekday() >= said_day.weekday:
            return None  # that weekday is already past this week: one reading
        coming = next_weekday(self.today.here, said_day.weekday)
        span = self.parts.spans["day"]
        # "next fri 2027 budget": "Fri Feb 4 2027" would name 2027, so the year is said
        year = _YEAR_AFTER.match(self.parts.source, span[1]) is not None
        options = tuple(
            (day_words(d), ((*span, date_words(d) + (f" {d.year}" if year else "")),))
            for d in (coming, coming + timedelta(days=7))
        )
        return self.parts.source[slice(*span)], options

    # days --------------------------------------------------------------------------

    def _on_day(self, day: date, readings: tuple[int, ...]) -> datetime:
        """A named day: the time must still be ahead (no silent move to another day)."""
        parts = self.parts
        second = parts.time.second if parts.time is not None else 0
        start, note = localise(self.zone, day, readings[0], second)
        if start < self.now and len(readings) > 1:
            later, later_note = localise(self.zone, day, readings[1], second)
            if later >= self.now:
                self.notes.append(
                    f"{clock_words(readings[0])} has passed, so I read "
                    f"“{parts.seen.get('time', '')}” as "
                    f"{clock_words(readings[1])}."
                )
                start, note = later, later_note
        if start < self.now:
            raise self._past(start)
        if note:
            self.notes.append(note)
        return start

    def _past_day(self, day: date) -> WhenError:
        said = self.parts.seen.get("day", self.text.strip())
        topic = self.parts.topic or "Budget review"
        return WhenError(
            f"“{said}” is {day_words(day)}, which has already passed (it is "
            f"{moment_words(self.local_now)} now). Pick a day ahead, e.g. “tomorrow 3pm {topic}”.",
            examples=(f"tomorrow 3pm {topic}", f"next mon 9am {topic}"),
        )

    def _past(self, start: datetime) -> WhenError:
        said = " ".join(self.parts.seen[k] for k in ("day", "time") if k in self.parts.seen)
        topic = self.parts.topic or "Budget review"
        return WhenError(
            f"“{said or self.text.strip()}” is {moment_words(start)}, which has already "
            f"passed (it is {moment_words(self.local_now)} now). Pick a time ahead, e.g. "
            f"“tomorrow 3pm {topic}”.",
            examples=(f"tomorrow 3pm {topic}", f"in 2 hours {topic}"),
        )

    # repeats ---------------------------------------------------------------------

    def _repeat_days(self) -> tuple[int, ...]:
        """Weekdays a repeat is limited to (in the text's zone), or () for none."""
        parts = self.parts
        if parts.recurrence == "weekly":
            if parts.weekdays:
                return parts.weekdays
            if parts.day is not None and parts.day.kind == "weekday":
                return (parts.day.weekday,)
        return parts.weekdays if parts.recurrence == "weekdays" else ()

    def _day_bounds_repeat(self) -> bool:
        """ "every tue from Dec 8": a named day is where the repeat starts; "weekly
        on tue" names the repeat day itself."""
        day = self.parts.day
        return day is not None and not (day.kind == "weekday" and not self.parts.weekdays)

    def _first_repeat(self, first: date, days: tuple[int, ...], minutes: int) -> datetime:
        """First occurrence on one of ``days`` at or after ``first`` that is not past."""
        for step in range(15):
            day = first + timedelta(days=step)
            if day.weekday() in days:
                start, note = localise(self.zone, day, minutes, self._second())
                if start >= self.now:
                    self._note(note)
                    return start
        raise self._past(localise(self.zone, first, minutes)[0])  # pragma: no cover

    def _repeat(self, start: datetime, user_start: datetime) -> tuple[str | None, tuple[int, ...]]:
        """The repeat, with weekdays moved into the user's zone when the zones'
        dates differ (9pm PST on Tuesday is Wednesday in Kolkata)."""
        kind = self.parts.recurrence
        if kind not in ("weekly", "weekdays"):
            return kind, ()
        days = self._repeat_days() or (start.weekday(),)
        shift = (user_start.date() - start.date()).days
        if not shift:
            return kind, days
        moved = tuple(sorted((d + shift) % 7 for d in days))
        if kind == "weekdays":
            names = ", ".join(_DAY_NAMES[d][:3] for d in moved)
            self.notes.append(
                f"In your time zone this falls on {names}, so it repeats weekly on those days."
            )
        return "weekly", moved

    # duration ------------------------------------------------------------------

    def _duration(self, start: datetime) -> timedelta:
        parts = self.parts
        if parts.end is None:
            return parts.duration or DEFAULT_DURATION
        if parts.time is None and parts.offset is None:
            said = parts.seen.get("length", "until 4pm")
            raise WhenError(
                f"“{said}” says when it ends; add a start, e.g. “2pm {said}”.",
                examples=("tomorrow 2pm until 4pm Budget review", "tomorrow 2-4pm Budget review"),
            )
        local = start.astimezone(self.zone)
        begin = local.hour * 60 + local.minute
        end_minutes = self._end_minutes(parts.end, begin)
        end, _ = localise(self.zone, local.date(), end_minutes, parts.end.second)
        length = end.astimezone(UTC) - start.astimezone(UTC)
        if not timedelta(minutes=1) <= length <= timedelta(hours=24):
            raise WhenError(
                f"“{parts.seen['length']}” can't be a meeting's length: it must "
                "be from 1 minute to 24 hours.",
                examples=("tomorrow 2-3:30pm Budget review", "tomorrow 3pm for 45m Budget review"),
            )
        return length

    def _end_minutes(self, end: Clock, begin: int) -> int:
        """End as minutes after the start day's midnight (over 1440: the next day).
        An hour without am/pm takes the first reading after the start; an explicit
        end before the start crosses midnight only from pm to am ("11pm-1am")."""
        if end.ambiguous:
            return _end_after(end, begin)
        minutes = end.readings()[0]
        if minutes > begin:
            return minutes
        if begin >= 720 and minutes < 720:
            return minutes + 1440
        raise WhenError(
            f"“{self.parts.seen['length']}” ends before it starts. Give the start first, "
            "e.g. “2pm-3:30pm”.",
            examples=("tomorrow 2-3:30pm Budget review", "tomorrow 11pm-1am Release"),
        )

    # zones and notes ---------------------------------------------------------------

    def _note(self, note: str | None) -> None:
        if note:
            self.notes.append(note)

    def _zone_note(self, start: datetime) -> None:
        """ "PST" in July: the user means Pacific time; say which offset was used."""
        ref = self.parts.zone
        if ref is None or ref.dst is None:
            return
        summer = bool(start.dst())
        if summer != ref.dst:
            self.notes.append(
                f"{ref.text} is not in use on {day_words(start.date())}; "
                f"I used {self.zone} time ({start.tzname()})."
            )


_BETWEEN_DAY_AND_TIME = {",", "at", "@", "on", "from"}
_WORD = re.compile(r"[a-z0-9]")
_YEAR_AFTER = re.compile(r"\s*,?\s*20\d\d(?!\d)")


def _not_that_weekday(day: date, weekday: int) -> WhenError:
    """ "wed dec 8" when Dec 8 is a Tuesday."""
    wanted = _DAY_NAMES[weekday][:3].lower()
    return WhenError(
        f"{day_words(day)} is a {_DAY_NAMES[day.weekday()]}, not a {_DAY_NAMES[weekday]}. "
        f"Give just one, e.g. “{month_day(day)} 3pm” or “{wanted} 3pm”.",
        examples=(f"{month_day(day)} 3pm", f"{wanted} 3pm"),
    )


def _says_when_elsewhere(parts: Parts) -> bool:
    """ "tomorrow 3pm for 30m later": a start outside "for 30m later", so that is a
    length. ("now" in "for 2 hours from now" is inside it.)"""
    if parts.daypart or not {"time", "day", "repeat"}.isdisjoint(parts.seen):
        return True
    assert parts.for_length is not None
    (start, end), _, _ = parts.for_length
    where = parts.spans.get("offset")
    return where is not None and not start <= where[0] < end


def _end_after(end: Clock, begin: int) -> int:
    """An end without am/pm: its first reading after the start."""
    options = sorted(end.readings("am") + end.readings("pm"))
    return next((o for o in options if o > begin), options[0] + 1440)


def _written(minutes: int) -> str:
    """Minutes after midnight as a choice writes them: "10:30am", "12am"."""
    hour, minute = divmod(minutes % 1440, 60)
    return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'am' if hour < 12 else 'pm'}"


def _range_start(start: Clock, end: Clock) -> tuple[int, ...]:
    """An hour without am/pm at the start of a range takes the end's half of the day
    ("2-3pm" = 14:00), unless that puts it after the end ("11-1pm" = 11:00)."""
    if not start.ambiguous or end.ambiguous:
        return start.readings()
    end_minutes = end.readings()[0]
    same = "pm" if end_minutes >= 720 else "am"
    reading = start.readings(same)[0]
    if reading < end_minutes:
        return (reading,)
    return start.readings("am" if same == "pm" else "pm")
