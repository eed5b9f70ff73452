"""parse_when: the case table (shared with the benchmark), the error table, and
properties over arbitrary text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.errors import UserError
from commands.when import NoTimeFound, UnsureTime, When, WhenError, parse_when
from tests.core.when_cases import (
    CASES,
    ERROR_CASES,
    NEW_CASES,
    NOWS,
    QUESTIONS,
    Case,
    ErrorCase,
    Question,
)

ZONES = sorted({zone for zone, _ in NOWS.values()})


def minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case_table(case: Case) -> None:
    when = parse_when(case.text, case.now_dt, case.tz, day_first=case.day_first)

    assert minute(when.start) == minute(case.start_dt), when.start.isoformat()
    assert when.start.tzinfo == ZoneInfo(case.tz)
    assert when.start.utcoffset() == case.start_dt.utcoffset()
    assert when.duration == timedelta(minutes=case.minutes)
    assert when.recurrence == case.recurrence
    assert when.weekdays == case.weekdays
    assert when.topic == case.topic
    assert when.source_tz == case.source_tz
    if case.note:
        assert any(case.note in note for note in when.notes), when.notes


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda case: f"{case.now}: {case.text[:40]}")
def test_error_table(case: ErrorCase) -> None:
    now = Case("", case.now, "2026-01-01 00:00").now_dt
    tz = NOWS[case.now][0] if case.tz is None else case.tz

    with pytest.raises(WhenError) as caught:
        parse_when(case.text, now, tz)

    error = caught.value
    assert case.says in error.message
    assert "“" in error.message or "`" in error.message, "the message quotes an example"
    assert len(error.examples) == 2
    assert all(isinstance(example, str) and example for example in error.examples)


def test_error_examples_parse() -> None:
    """The examples an error offers must themselves be bookable."""
    now = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    examples = set()
    for case in ERROR_CASES:
        try:
            parse_when(case.text, now, "Asia/Kolkata")
        except WhenError as error:
            examples.update(error.examples)
    assert examples
    for example in examples:
        parse_when(example, now, "Asia/Kolkata")


@pytest.mark.parametrize("case", QUESTIONS, ids=lambda case: case.id)
def test_question_table(case: Question) -> None:
    """Phrases that must be asked about: never a booking, always an UnsureTime."""
    now = Case("", case.now, "2026-01-01 00:00").now_dt
    tz = NOWS[case.now][0]

    with pytest.raises(UnsureTime) as caught:
        parse_when(case.text, now, tz)

    question = caught.value
    assert case.says in question.message
    assert question.choices == case.choices
    if case.unexplained is not None:
        assert question.unexplained == case.unexplained
    assert question.examples == (case.choices or question.examples)
    assert question.examples, "a question shows at least one command that works"
    for example in case.offers:
        assert example in question.examples, question.examples


@pytest.mark.parametrize("case", [q for q in QUESTIONS if q.choices], ids=lambda q: q.id)
def test_each_choice_books_one_reading(case: Question) -> None:
    """A button runs its choice as typed: it must parse, without a question, and
    every choice must book a different moment."""
    now = Case("", case.now, "2026-01-01 00:00").now_dt
    tz = NOWS[case.now][0]
    starts = {parse_when(choice, now, tz).start for choice in case.choices}
    assert len(starts) == len(case.choices)


def test_questions_offer_examples_that_book() -> None:
    """Typed examples in a question (when there is nothing to choose) must work."""
    for case in QUESTIONS:
        now = Case("", case.now, "2026-01-01 00:00").now_dt
        tz = NOWS[case.now][0]
        try:
            parse_when(case.text, now, tz)
        except UnsureTime as question:
            for example in question.examples:
                parse_when(example, now, tz)


def test_unsure_time_api() -> None:
    """What the lead renders as buttons: understood, unexplained, choices, examples."""
    now = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    with pytest.raises(UnsureTime) as caught:
        parse_when("tomorrow 7 Budget", now, "Asia/Kolkata")
    question = caught.value
    assert isinstance(question, WhenError) and isinstance(question, UserError)
    assert question.understood == "tomorrow 7"
    assert question.unexplained == ()
    assert question.choices == ("tomorrow 7am Budget", "tomorrow 7pm Budget")
    assert question.examples == question.choices

    with pytest.raises(UnsureTime) as caught:
        parse_when("tomorrow at quarter to something Budget", now, "Asia/Kolkata")
    question = caught.value
    assert question.message.startswith("I understood “tomorrow” but not “at quarter”.")
    assert question.unexplained == ("at quarter",) and question.choices == ()

    with pytest.raises(UnsureTime) as caught:
        parse_when("tomorrow", now, "Asia/Kolkata")
    assert caught.value.message == "Tomorrow at what time? e.g. `tomorrow 10am`"
    assert caught.value.understood == "tomorrow"


def test_the_table_grew_by_250_cases() -> None:
    """Issue 14: at least 250 new cases in the categories it names."""
    assert len(NEW_CASES) + len(QUESTIONS) >= 250
    assert len({case.text for case in NEW_CASES}) > 230


@pytest.mark.parametrize(
    ("text", "no_time"),
    [
        ("frobnicate", True),
        ("banana split", True),
        ("for 45m", True),
        ("next week Budget", False),
        ("until 3pm", False),
        ("Feb 30 3pm", False),
    ],
)
def test_no_time_at_all_is_told_apart(text: str, no_time: bool) -> None:
    """The router answers text with no time at all (an unknown word) with help."""
    with pytest.raises(WhenError) as caught:
        parse_when(text, datetime(2026, 12, 1, 10, tzinfo=UTC), "UTC")
    assert isinstance(caught.value, NoTimeFound) is no_time


def test_when_error_is_a_user_error_and_a_value_error() -> None:
    assert issubclass(WhenError, UserError)
    assert issubclass(WhenError, ValueError)
    error = WhenError("bad", examples=("a", "b"))
    assert str(error) == "bad" and error.examples == ("a", "b")


def test_when_is_frozen_with_defaults() -> None:
    start = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("UTC"))
    when = When(start=start)
    assert when.duration == timedelta(minutes=30)
    assert (when.recurrence, when.weekdays, when.topic, when.source_tz, when.notes) == (
        None,
        (),
        "",
        None,
        (),
    )
    assert when.end == start + timedelta(minutes=30)
    with pytest.raises(AttributeError):
        when.topic = "x"  # type: ignore[misc]


def test_plain_case_has_no_notes() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert parse_when("tomorrow 3pm Sync", now, "Asia/Kolkata").notes == ()


def test_relative_times_keep_the_seconds_of_now() -> None:
    now = datetime(2026, 12, 1, 10, 0, 42, 5, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert parse_when("now", now, "Asia/Kolkata").start == now
    assert parse_when("in 2 hours", now, "Asia/Kolkata").start == now + timedelta(hours=2)


def test_now_in_another_zone_is_converted() -> None:
    """``now`` may carry any zone; the result is always in the user's zone."""
    now = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # 10:00 in Kolkata
    when = parse_when("3pm", now, "Asia/Kolkata")
    assert when.start == datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


def test_naive_now_is_a_when_error() -> None:
    with pytest.raises(WhenError):
        parse_when("3pm", datetime(2026, 12, 1, 10, 0), "UTC")


def test_non_text_is_a_when_error() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(WhenError):
        parse_when(None, now, "UTC")  # type: ignore[arg-type]


def test_iana_names_in_text_are_case_insensitive() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    when = parse_when("3pm america/new_york", now, "UTC")
    assert when.source_tz == "America/New_York"


# --- properties ------------------------------------------------------------------------

NOW_STRATEGY = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
ZONE_STRATEGY = st.sampled_from(ZONES)
VOCABULARY = (
    "tomorrow today tonight 3pm 9 at in 2 hours for 45m every tue and wed daily weekly "
    "monthly - : / . 12/05 2026-12-03 Dec 5th noon midnight half past quarter to IST PST "
    "Europe/London UTC+5:30 from until 1h30 an hour 0 99 25:00 13pm next this sat sun "
    "1530 @ , Z ET weekdays mon-fri 1.5 o'clock 11pm 1am yesterday 9999 days weeks feb 29 "
    "2099 2200 between morning evening now Budget review the 4th fourth second of last "
    "week after before ago xmas easter thanksgiving 14h45 10h 4:45p 1015 9.45 16:10:05 "
    "eleven fifteen seven eight ten five twenty minutes couple few fortnight mondays "
    '2027-01-05T09:00-05:00 ish around noonish " “ ” month year years 40 3/4 a T 0930 '
    "till through christmas eve mother's day good friday independence EOD by Lisbon time"
).split()
# Words that are part of a time wherever they stand: a booking must have read them,
# so they can never be left in the topic ("accounted for").
ALWAYS_TIME = re.compile(
    r"(?i)^(?:tomorrow|today|tonight|yesterday|noon|midnight|noonish|o'clock|fortnight|ago"
    r"|eod|\d{1,2}(?::\d\d)+|\d{1,2}(?:am|pm)|\d{1,2}h\d\d|\d{1,2}:\d\dp|utc\+5:30)$"
)


QUOTES = re.compile('["“”]')


def _check(when: When, now: datetime, tz: str, text: str = "") -> None:
    assert when.start >= now
    assert when.start.tzinfo == ZoneInfo(tz)
    assert timedelta(minutes=1) <= when.duration <= timedelta(hours=24)
    assert when.recurrence in (None, "daily", "weekdays", "weekly", "monthly")
    assert all(0 <= day <= 6 for day in when.weekdays)
    assert when.topic == " ".join(when.topic.split())
    if not QUOTES.search(text):  # a quoted title is the user's words, verbatim
        left = [word for word in when.topic.split() if ALWAYS_TIME.match(word.strip(",.;:"))]
        assert not left, f"time words left unexplained in the topic: {left}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=320), now=NOW_STRATEGY, tz=ZONE_STRATEGY)
def test_arbitrary_text_only_raises_when_error(text: str, now: datetime, tz: str) -> None:
    try:
        when = parse_when(text, now, tz)
    except WhenError:
        return
    _check(when, now, tz, text)


@settings(max_examples=600, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8),
    glue=st.sampled_from([" ", "", ", "]),
    now=NOW_STRATEGY,
    tz=ZONE_STRATEGY,
    day_first=st.booleans(),
)
def test_phrase_soup_parses_every_time_word_or_raises(
    words: list[str], glue: str, now: datetime, tz: str, day_first: bool
) -> None:
    """Any mix of time words: a future start with every time word accounted for, or
    a WhenError; never another exception."""
    now = now.astimezone(ZoneInfo(tz))
    text = glue.join(words)
    try:
        when = parse_when(text, now, tz, day_first=day_first)
    except WhenError:
        return
    _check(when, now, tz, text)


TOPIC_WORDS = ("Budget", "review", "Sync", "with", "Priya", "Q4", "roadmap", "Design", "crit")
TIME_PHRASES = (
    "tomorrow 3pm",
    "at 3pm",
    "wed 10:30am",
    "Dec 5 2pm",
    "in 2 hours",
    "tomorrow 3pm for 45m",
    "every tue 10am",
    "daily at 9:30am",
    "2-3pm",
    "tomorrow 9am IST",
    "now",
    "noon",
    "from 2 to 3:30pm",
    "on friday at 4:30pm",
    "12/05 10am",
    "quarter past 4",
    "in 3 days at 10",
    "tomorrow at quarter past nine",
    "20 minutes past 4pm tomorrow",
    "the 4th at 2pm",
    "xmas at 6pm",
    "14h45 tomorrow",
    "tonight 730",
    "thursday next week 3pm",
    "second Monday of November 10am",
    "a couple of days from now at 10am",
    "from 10:15 until 12",
    "half four tomorrow",
)


@settings(max_examples=300, deadline=None)
@given(
    topic=st.lists(st.sampled_from(TOPIC_WORDS), min_size=0, max_size=5),
    phrase=st.sampled_from(TIME_PHRASES),
    before=st.booleans(),
    now=NOW_STRATEGY,
)
def test_topic_is_the_leftover_words(
    topic: list[str], phrase: str, before: bool, now: datetime
) -> None:
    """Simple text is split cleanly: the topic never keeps a time word."""
    text = f"{' '.join(topic)} {phrase}" if before else f"{phrase} {' '.join(topic)}"
    now = now.astimezone(ZoneInfo("Europe/London"))
    try:
        when = parse_when(text, now, "Europe/London")
    except WhenError as error:  # a named day can have passed (Dec 5 asked on Dec 5 at 3pm)
        assert "already passed" in error.message
        return
    assert when.topic == " ".join(topic)


BASES = (
    "tomorrow 3pm Budget",
    "Dec 5 2pm Sync",
    "tue 10:30am Retro",
    "in 2 hours Call",
    "every tue 10am Standup",
    "the 4th at 2pm Crit",
    "xmas at 6pm Party",
    "tomorrow at quarter past nine Budget",
    "2pm-3pm Interview",
    "now Quick call",
    "thursday next week 3pm Planning",
    "a couple of days from now at 10am Sync",
)
CLOCK_WORDS = (
    "at 4", "4pm", "at 9:15", "quarter past 5", "noon", "at half past 4", "at 16:45", "5 to 6",
    "half five", "14h45", "at seven", "eleven fifteen", "9.45", "at 10", "midnight", "4:45p",
    "in 2 hours", "tonight 9", "at 3pm",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(BASES),
    word=st.sampled_from(CLOCK_WORDS),
    prepend=st.booleans(),
    now=NOW_STRATEGY,
    tz=ZONE_STRATEGY,
)
def test_a_time_word_added_never_keeps_the_old_time(
    base: str, word: str, prepend: bool, now: datetime, tz: str
) -> None:
    """ "tomorrow 3pm Budget" + "at 4": an error, a question, or another time; never
    the old booking with the new words silently in the topic."""
    now = now.astimezone(ZoneInfo(tz))
    try:
        before = parse_when(base, now, tz)
    except WhenError:
        return
    text = f"{word} {base}" if prepend else f"{base} {word}"
    try:
        after = parse_when(text, now, tz)
    except WhenError:
        return
    assert after.start != before.start, (text, after.topic)


@settings(max_examples=200, deadline=None)
@given(
    day=st.sampled_from(("tomorrow", "Dec 9", "fri", "the 12th", "thursday next week", "")),
    hour=st.sampled_from(("7", "8", "7:30", "8:15", "seven", "eight thirty")),
    at=st.booleans(),
    topic=st.sampled_from(("", "Budget", "Design crit")),
    now=NOW_STRATEGY,
)
def test_seven_or_eight_is_a_question_with_two_bookable_choices(
    day: str, hour: str, at: bool, topic: str, now: datetime
) -> None:
    """An hour of 7 or 8 with no am/pm and no daypart has two real readings: the
    question's choices each book one of them, as typed (unless the day is today
    and the morning reading has passed)."""
    if not (day or at) or (hour[0].isalpha() and not at and topic):
        return  # "7 Budget", "fri seven Budget": labels or counts as often as times
    text = " ".join(f"{day} {'at ' if at else ''}{hour} {topic}".split())
    now = now.astimezone(ZoneInfo("America/New_York"))
    try:
        when = parse_when(text, now, "America/New_York")
    except UnsureTime as question:
        assert len(question.choices) == 2
        starts = [parse_when(choice, now, "America/New_York").start for choice in question.choices]
        assert starts[0] != starts[1]
        assert {s.hour for s in starts} == {starts[0].hour % 12, starts[0].hour % 12 + 12}
        return
    except WhenError as error:
        assert "already passed" in error.message
        return
    # the only booking allowed: that day is today and the morning has passed
    assert when.start.date() == now.date() and when.start.hour >= 19, text
    assert any("has passed" in note for note in when.notes)
