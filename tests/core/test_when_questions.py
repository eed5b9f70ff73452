"""parse_when's questions offer commands that work, and ordinary English in a topic
never turns a clear time into a question, an error or another time.

Issue 14, second round: a question's corrected example must be a command that
parses to what the user most likely meant, with their topic; and a title such as
"Sun lounge chat" or "Time tracking demo" beside "tomorrow 3pm" is a title.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.when import UnsureTime, When, WhenError, parse_when
from tests.core.when_cases import NOWS

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # a Tuesday
NOW_STRATEGY = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2080, 12, 31), timezones=st.just(UTC)
)
ZONE_STRATEGY = st.sampled_from(sorted({zone for zone, _ in NOWS.values()}))

# Clear times, each bookable on its own.
TIMES = (
    "tomorrow 3pm", "at 3pm", "wed 10:30am", "Dec 5 2pm", "in 2 hours", "tomorrow 3pm for 45m",
    "every tue 10am", "daily at 9:30am", "2-3pm", "tomorrow 9am IST", "noon",
    "on friday at 4:30pm", "thursday next week 3pm", "in 3 days at 10am", "the 4th at 2pm",
    "quarter past 4 tomorrow", "tomorrow at 11:15", "fri 2pm for 90 min", "tomorrow 10-11am",
    "Jan 12 at 9am", "tonight at 9", "this afternoon at 3", "14:00 tomorrow", "4pm-5pm",
    "tomorrow 3pm for an hour", "monday 9:15", "every weekday 9am", "at noon tomorrow",
    "in 30 min", "the 18th of next month at 10am",
)  # fmt: skip

# Titles written as people write them, with words that are also time words used as
# ordinary English. ASK: titles the rule lets the parser ask about (number
# words; a time word right beside the time, such as "late" in "Am I late tomorrow";
# "Sun" or "Christmas" away from the time): the question must then offer a command
# that books the same time with the whole title.
PLAIN = (
    "Later stage review", "See you later party", "Catch up on later items", "Pick one option",
    "One thing", "Second opinion", "Second round interview", "A second look",
    "May release sync", "We may slip", "Things that may break", "March madness",
    "Marching orders", "I am back", "Who am I", "An update", "An intro call", "Write an RFC",
    "Time tracking demo", "Time off planning", "Time to ship", "Day planning",
    "Hack week kickoff", "First draft review", "Second half plan",
    "Quarter close review", "Half marathon prep", "Date picker demo", "Release date sync",
    "Game night planning", "Weekend plans", "Last call", "Last mile planning", "Next steps",
    "Next gen roadmap", "This and that", "Now playing", "Now or never", "Spring cleaning",
    "Fall planning", "Early access review", "Late fees review", "Coming soon page",
    "Mid market deals", "End to end tests", "Front end sync", "Start here",
    "Every team lead", "Talk to Priya", "Review by legal", "Prep for launch", "Plan B",
    "Present results", "Year in review", "Month end close", "Hour of code",
    "Minute taker sync", "Eve onboarding", "Before and after photos", "After party",
    "Past due invoices", "Back to school", "Hour of code",
)  # fmt: skip
ASK = (
    "Sync one", "Later one", "Day one retro", "Room two", "Chapter one review",
    "Sun lounge chat", "Sat nav demo", "Newly wed lunch", "Christmas party planning",
    "Easter egg hunt", "Kick start", "Tea time", "Field day prep", "Safety first",
    "Sun protection training", "Week in review",
)  # fmt: skip


def _books_as(text: str, now: datetime, tz: str) -> When | None:
    try:
        return parse_when(text, now, tz)
    except WhenError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    time=st.sampled_from(TIMES),
    title=st.sampled_from(PLAIN + ASK),
    before=st.booleans(),
    now=NOW_STRATEGY,
    tz=ZONE_STRATEGY,
)
def test_ordinary_english_in_a_title_keeps_the_time(
    time: str, title: str, before: bool, now: datetime, tz: str
) -> None:
    """ "Time tracking demo tomorrow 3pm" books what "tomorrow 3pm" books, with the
    whole title as topic; a title the rule may ask about gets a question that
    offers a command booking exactly that."""
    now = now.astimezone(ZoneInfo(tz))
    alone = _books_as(time, now, tz)
    if alone is None:
        return  # "Dec 5 2pm" asked on Dec 5 at 3pm: nothing to compare with
    text = f"{title} {time}" if before else f"{time} {title}"
    try:
        when = parse_when(text, now, tz)
    except UnsureTime as question:
        assert title in ASK, f"{text!r} asked: {question.message}"
        offered = [_books_as(e, now, tz) for e in question.choices or question.examples]
        assert any(
            w is not None and w.start == alone.start and w.topic == title for w in offered
        ), f"{text!r}: no offered command books {alone.start} “{title}”: {question.examples}"
        return
    assert (when.start, when.duration, when.recurrence) == (
        alone.start, alone.duration, alone.recurrence,
    ), text  # fmt: skip
    assert when.topic == title, text


# Phrases that are questions, alone or with a title around them.
ASKING = (
    "tomorrow", "at 7", "next thu 3pm", "tomorrow morning", "Dec 5", "in 3 days", "tonight 9am",
    "tomorrow 8", "this afternoon", "every tue", "the 4th", "xmas", "next week", "today",
    "10 to 4 tomorrow", "tomorrow at quarter to something", "by Friday 3pm", "2 after 3pm",
    "3pm Lisbon time", "end of day tomorrow", "tomorrow 3pm for 45m", "for 2 hours from now",
    "for 30m later", "tomorrow 3pm one", "at 7 one", "next fri", "tomorrow morning 3pm",
    "independence day 3pm", "in several days at 3pm", "soon", "early next week 3pm",
    "Diwali 6pm", "3pm 4", "tomorrow 3p", "today at 8",
)  # fmt: skip
TITLES = ("", "Budget", "Sync one", "Planning for next year", "Design crit", "2027 budget")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    phrase=st.sampled_from(ASKING),
    title=st.sampled_from(TITLES),
    before=st.booleans(),
    now=NOW_STRATEGY,
    tz=ZONE_STRATEGY,
)
def test_every_suggested_command_books(
    phrase: str, title: str, before: bool, now: datetime, tz: str
) -> None:
    """Each example and choice of a question is a whole command that books as typed
    (never a fragment such as `30m Later for`, never a question again)."""
    now = now.astimezone(ZoneInfo(tz))
    text = f"{title} {phrase}" if before else f"{phrase} {title}"
    try:
        parse_when(text.strip(), now, tz)
    except UnsureTime as question:
        assert question.examples
        for example in question.examples + question.choices:
            try:
                parse_when(example, now, tz)
            except WhenError as error:
                pytest.fail(f"{text!r} suggests {example!r}, which fails: {error.message}")
    except WhenError:
        pass


# --- the rows behind the fixes -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "examples"),
    [
        # "for 30m", then a relative word: the length stays; the word is the title's
        (
            "in 3 days 10am for 30m Later one",
            ("in 3 days 10am for 30m Later", 'in 3 days 10am for 30m "Later one"'),
        ),
        (
            "tomorrow 3pm for 45m Sync one",
            ("tomorrow 3pm for 45m Sync", 'tomorrow 3pm for 45m "Sync one"'),
        ),
        # the rest of the text keeps its place: a leading label stays a label
        ("2027 budget tomorrow 3pm one", ("2027 budget tomorrow 3pm",)),
        # a question of the rest's own (7 or 8) gives its two readings
        ("at 7 Sync one", ("at 7am Sync", "at 7pm Sync", 'at 7am "Sync one"', 'at 7pm "Sync one"')),
        # "today" asked at 10:00 offers hours still ahead
        ("today Budget", ("today 10am Budget", "today 2:30pm Budget")),
        # a day with two readings and no time: one example per reading
        ("next thu Retro", ("Thu Dec 3 10am Retro", "Thu Dec 10 10am Retro")),
        # the clock and the daypart disagree: the user's command, corrected either way
        ("tonight 9am for 45m Retro", ("tomorrow 9am for 45m Retro", "tonight 8pm for 45m Retro")),
        ("tomorrow morning 3pm Budget", ("tomorrow 3pm Budget", "tomorrow morning 9am Budget")),
        ("Budget next week", ("Budget thursday next week 3pm", "Budget tue 3pm")),
    ],
)
def test_suggestions_are_the_users_command_corrected(text: str, examples: tuple[str, ...]) -> None:
    with pytest.raises(UnsureTime) as caught:
        parse_when(text, NOW, "Asia/Kolkata")
    assert caught.value.examples[: len(examples)] == examples
    for example in caught.value.examples:
        parse_when(example, NOW, "Asia/Kolkata")


def test_a_wrong_rest_is_said_before_the_words() -> None:
    """ "today 9am Sync one" at 10:00: 9am has passed whatever "one" meant."""
    with pytest.raises(WhenError) as caught:
        parse_when("today 9am Sync one", NOW, "Asia/Kolkata")
    assert not isinstance(caught.value, UnsureTime)
    assert "already passed" in caught.value.message


def test_a_weekday_that_is_not_the_dates_is_said_before_asking_the_time() -> None:
    with pytest.raises(WhenError) as caught:
        parse_when("12/05 tue Budget", NOW, "Asia/Kolkata")
    assert "is a Saturday, not a Tuesday" in caught.value.message
