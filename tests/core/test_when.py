"""parse_when: the case table (shared with the benchmark), the error table, and
properties over arbitrary text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.errors import UserError
from commands.when import NoTimeFound, When, WhenError, parse_when
from tests.core.when_cases import CASES, ERROR_CASES, NOWS, Case, ErrorCase

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
    assert "“" in error.message, "the message quotes an example or the user's words"
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


@pytest.mark.parametrize(("text", "no_time"), [
    ("frobnicate", True), ("banana split", True), ("for 45m", True),
    ("next week Budget", False), ("until 3pm", False), ("Feb 30 3pm", False),
])
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
    "2099 2200 between morning evening now Budget review"
).split()


def _check(when: When, now: datetime, tz: str) -> None:
    assert when.start >= now
    assert when.start.tzinfo == ZoneInfo(tz)
    assert timedelta(minutes=1) <= when.duration <= timedelta(hours=24)
    assert when.recurrence in (None, "daily", "weekdays", "weekly", "monthly")
    assert all(0 <= day <= 6 for day in when.weekdays)
    assert when.topic == " ".join(when.topic.split())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=320), now=NOW_STRATEGY, tz=ZONE_STRATEGY)
def test_arbitrary_text_only_raises_when_error(text: str, now: datetime, tz: str) -> None:
    try:
        when = parse_when(text, now, tz)
    except WhenError:
        return
    _check(when, now, tz)


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8),
    glue=st.sampled_from([" ", "", ", "]),
    now=NOW_STRATEGY,
    tz=ZONE_STRATEGY,
    day_first=st.booleans(),
)
def test_phrase_soup_only_raises_when_error(
    words: list[str], glue: str, now: datetime, tz: str, day_first: bool
) -> None:
    now = now.astimezone(ZoneInfo(tz))
    try:
        when = parse_when(glue.join(words), now, tz, day_first=day_first)
    except WhenError:
        return
    _check(when, now, tz)


TOPIC_WORDS = ("Budget", "review", "Sync", "with", "Priya", "Q4", "roadmap", "Design", "crit")
TIME_PHRASES = (
    "tomorrow 3pm",
    "at 3pm",
    "next wed 10:30am",
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
    except WhenError as error:  # only "already passed" can happen (Dec 5 asked on Dec 5)
        assert "already passed" in error.message
        return
    assert when.topic == " ".join(topic)
