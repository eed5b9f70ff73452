"""``move <ID> to <when>`` over real HTTP against the Zoom emulator.

A move changes the start in Zoom and nothing else the invitees hold (ID, link,
passcode); it says old → new in the requester's zone; a recurring meeting asks first
and then moves one occurrence or the series; whoever may not move it is refused and
nothing changes; a time in the past or no time at all changes nothing and says why.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands import router
from tests.core.plans_kit import (
    HOST,
    PASSCODE,
    admin,
    alt,
    calls,
    held,
    host,
    made_in_zoom,
    say,
    scheduled,
    secret_free,
    stranger,
)


def start_in_zoom(zoom, meeting_id: int) -> datetime:
    return datetime.fromisoformat(zoom.meetings[meeting_id]["start_time"].replace("Z", "+00:00"))


def in_days(days: int, hour: int, tz: str = "Asia/Kolkata") -> datetime:
    day = datetime.now(ZoneInfo(tz)).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz))


# --- a single meeting ------------------------------------------------------------------


def test_move_changes_the_start_in_zoom_and_keeps_id_link_and_passcode(app, zoom):
    meeting_id = scheduled(app, host)
    before = zoom.meetings[meeting_id]
    reply = say(app, host, f"move {meeting_id} to in 3 days 4pm")
    assert not reply.error, reply.plain_text()
    after = zoom.meetings[meeting_id]
    assert start_in_zoom(zoom, meeting_id) == in_days(3, 16)
    assert after["duration"] == 45  # no new duration said: it keeps its own
    for key in ("id", "password", "join_url", "encrypted_password", "h323_password", "uuid"):
        assert after[key] == before[key], key
    assert calls(zoom, "PATCH", meeting_id) == [204]
    assert reply.title == "📅 Moved: Budget review"
    facts = {f.label: f.value for f in reply.facts}
    assert facts["Was"].startswith(f"{in_days(1, 15):%a %d %b %Y}, 15:00–15:45 IST")
    assert facts["Now"].startswith(f"{in_days(3, 16):%a %d %b %Y}, 16:00–16:45 IST")
    assert "→" in reply.text and "Same meeting ID, join link and passcode" in reply.text
    assert any(i.rule_id == "waiting-room" for i in reply.checklist)  # the usual checklist
    assert any(i.rule_id == "share-privately" for i in reply.checklist)
    assert {a.verb for a in reply.actions} >= {"move", "cancel", "audit", "calendar"}
    assert secret_free(reply, before["password"], before["encrypted_password"])
    assert not reply.notices  # the host moved it: nobody else to tell
    (event,) = app.store.events(kinds=["move"])
    assert (event.outcome, event.meeting_id, event.data["scope"], event.data["by"]) == (
        "moved", meeting_id, "meeting", "host")
    assert app.store.get_meeting(meeting_id).start_time == in_days(3, 16)  # Home, calendar


def test_a_duration_said_is_a_new_duration(app, zoom):
    meeting_id = scheduled(app, host)
    say(app, host, f"reschedule {meeting_id} to in 2 days 10am for 1h")
    assert zoom.meetings[meeting_id]["duration"] == 60
    assert start_in_zoom(zoom, meeting_id) == in_days(2, 10)
    say(app, host, f"move {meeting_id} to in 2 days 11am to 11:30am")
    assert zoom.meetings[meeting_id]["duration"] == 30
    assert app.store.get_meeting(meeting_id).duration_min == 30


def test_words_that_are_not_a_time_are_left_alone_and_said_so(app, zoom):
    meeting_id = scheduled(app, host)
    reply = say(app, host, f"move {meeting_id} to in 2 days 4pm Renamed")
    assert zoom.meetings[meeting_id]["topic"] == "Budget review"
    assert any("“Renamed”" in note for note in reply.notes)


def test_a_move_to_the_same_time_changes_nothing(app, zoom):
    meeting_id = scheduled(app, host)
    reply = say(app, host, f"move {meeting_id} to tomorrow 3pm")
    assert reply.title.startswith("Already then") and "Nothing was changed" in reply.text
    assert calls(zoom, "PATCH") == [] and not app.store.events(kinds=["move"])


@pytest.mark.parametrize(("when", "says"), [
    ("yesterday 3pm", "already passed"),
    ("today 12:01am", "passed"),
    ("blah blah", "couldn't find a time"),
    ("Feb 30 3pm", "not a real date"),
    ("every monday 10am", "not how it repeats"),
])
def test_a_move_to_a_past_or_unreadable_time_changes_nothing_and_says_why(app, zoom, when,
                                                                            says):
    meeting_id = scheduled(app, host)
    before = held(zoom)
    reply = say(app, host, f"move {meeting_id} to {when}")
    assert reply.error and says in reply.plain_text(), reply.plain_text()
    assert f"move {meeting_id} to " in reply.text  # an example of what works, for this meeting
    assert held(zoom) == before and calls(zoom, "PATCH") == []
    assert not app.store.events(kinds=["move"])


@pytest.mark.parametrize("text", ["move", "move to tomorrow 3pm", "move tomorrow 3pm",
                                  "move 12 to tomorrow 3pm", "move abc to tomorrow"])
def test_no_meeting_said_is_an_error_with_examples(app, zoom, text):
    reply = say(app, host, text)
    assert reply.error and "move 123 4567 8901 to" in reply.text, reply.plain_text()
    assert calls(zoom, "PATCH") == []


def test_a_meeting_in_progress_is_not_moved(app, zoom):
    meeting_id = scheduled(app, host)
    zoom.start_meeting(meeting_id)
    before = held(zoom)
    reply = say(app, host, f"move {meeting_id} to in 2 days 4pm")
    assert reply.error and "in progress" in reply.title + reply.text
    assert held(zoom) == before


# --- who may ---------------------------------------------------------------------------


def test_a_stranger_is_refused_as_for_audit_and_nothing_changes(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client)
    before = held(zoom)
    moved = say(app, stranger, f"move {meeting_id} to in 3 days 4pm")
    missing = say(app, stranger, "move 98765432101 to in 3 days 4pm")
    assert moved.error and "can't move it" in moved.title + moved.text
    assert (moved.title, moved.text) == (missing.title, missing.text)  # reveals nothing
    assert say(app, stranger, f"move {meeting_id}").title == moved.title  # nor its time
    assert held(zoom) == before and calls(zoom, "PATCH") == []
    assert not app.store.events(kinds=["move"])
    assert len(app.store.events(kinds=["refusal"])) == 3


def test_an_alternative_host_moves_it_and_the_host_is_told_privately(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client)
    reply = say(app, alt, f"move {meeting_id} to in 4 days 9am")
    assert not reply.error, reply.plain_text()
    assert start_in_zoom(zoom, meeting_id) == in_days(4, 9, "Europe/London")
    (notice,) = reply.notices
    assert notice.to == HOST and notice.reply.private
    body = notice.reply.plain_text()
    assert "Alex Alt (alt@example.com), an alternative host, moved it" in body
    assert "unchanged" in body and "UTC" in body  # the meeting's own zone: the host's is unknown
    assert secret_free(notice.reply, PASSCODE, zoom.meetings[meeting_id]["encrypted_password"])
    assert f"{HOST} was told" in reply.text
    (event,) = app.store.events(kinds=["move"])
    assert event.data["by"] == "alternative host" and event.data["host_told"] is True


def test_an_admin_moves_anyones_meeting_and_the_host_is_told(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, alternative=False)
    reply = say(app, admin, f"move {meeting_id} to in 5 days 2pm")
    assert start_in_zoom(zoom, meeting_id) == in_days(5, 14, "America/New_York")
    assert "EST" in reply.text or "EDT" in reply.text  # the admin's zone
    (notice,) = reply.notices
    assert notice.to == HOST and "an admin" in notice.reply.text
    assert app.store.events(kinds=["move"])[0].data["by"] == "admin"
    missing = say(app, admin, "move 98765432101 to in 3 days 4pm")
    assert missing.error and "not found" in missing.title + missing.text  # an admin is told


# --- recurring meetings ----------------------------------------------------------------


def occurrence_starts(zoom, meeting_id: int) -> dict[str, str]:
    return {o["occurrence_id"]: o["start_time"] for o in zoom.meetings[meeting_id]["occurrences"]}


def test_a_recurring_meeting_asks_one_occurrence_or_the_series_and_changes_nothing(
        app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=1)
    before = held(zoom)
    first = zoom.meetings[meeting_id]["occurrences"][0]
    reply = say(app, host, f"move {meeting_id} to in 2 days 6pm")
    assert not reply.error and "one occurrence or the series" in reply.title
    assert held(zoom) == before and calls(zoom, "PATCH") == []
    one, series = reply.actions
    assert one.command == f"move {meeting_id} occurrence {first['occurrence_id']} to in 2 days 6pm"
    assert series.command == f"move {meeting_id} series to in 2 days 6pm"


def test_one_occurrence_moves_and_the_others_stay(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=1)
    before = occurrence_starts(zoom, meeting_id)
    password = zoom.meetings[meeting_id]["password"]
    ask = say(app, host, f"move {meeting_id} to in 2 days 6pm")
    reply = say(app, host, ask.actions[0].command)  # "Only the one on …"
    assert not reply.error, reply.plain_text()
    after = occurrence_starts(zoom, meeting_id)
    target = ask.actions[0].command.split()[3]
    moved = datetime.fromisoformat(after[target].replace("Z", "+00:00"))
    assert moved == in_days(2, 18)
    assert {k: v for k, v in after.items() if k != target} == {
        k: v for k, v in before.items() if k != target}
    assert zoom.meetings[meeting_id]["password"] == password
    assert reply.text.startswith("One occurrence:")
    (event,) = app.store.events(kinds=["move"])
    assert (event.data["scope"], event.data["occurrence"]) == ("occurrence", target)


def test_the_series_moves_to_the_new_day_and_time(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=1)
    count = len(zoom.meetings[meeting_id]["occurrences"])
    reply = say(app, admin, f"move {meeting_id} series to in 3 days 8am")
    assert not reply.error, reply.plain_text()
    starts = sorted(datetime.fromisoformat(s.replace("Z", "+00:00"))
                    for s in occurrence_starts(zoom, meeting_id).values())
    first = in_days(3, 8, "America/New_York")
    assert starts == [first.astimezone(UTC) + timedelta(weeks=n) for n in range(count)]
    assert reply.text.startswith("The series:")
    (notice,) = reply.notices
    assert "moved the whole series" in notice.reply.text


def test_next_moves_the_next_occurrence(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=1)
    first = zoom.meetings[meeting_id]["occurrences"][0]["occurrence_id"]
    reply = say(app, host, f"move {meeting_id} next to tomorrow 11pm")
    assert not reply.error, reply.plain_text()
    assert occurrence_starts(zoom, meeting_id)[first] == in_days(1, 23).astimezone(
        UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the Move button ---------------------------------------------------------------------


def test_the_move_button_shows_how_and_offers_new_times_that_work(app, zoom):
    made = router.dispatch(app.ctx, host, "tomorrow 3pm for 45m Planning")
    (button,) = [a for a in made.actions if a.verb == "move"]
    meeting_id = int(button.command.split()[1])
    reply = say(app, host, button.command)
    assert not reply.error and f"`move {meeting_id} to tomorrow 4pm`" in reply.text
    assert calls(zoom, "PATCH") == []
    labels = [a.label for a in reply.actions]
    assert labels[0].startswith("1 hour later") and labels[1].startswith("Same time tomorrow")
    pressed = say(app, host, reply.actions[1].command)  # same time tomorrow
    assert not pressed.error, pressed.plain_text()
    assert start_in_zoom(zoom, meeting_id) == in_days(2, 15)
    assert zoom.meetings[meeting_id]["duration"] == 45


def test_the_move_button_of_a_recurring_meeting_offers_times_for_its_next_occurrence(
        app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=1)
    first = zoom.meetings[meeting_id]["occurrences"][0]["occurrence_id"]
    reply = say(app, host, f"move {meeting_id}")
    assert f"`move {meeting_id} next to tomorrow 4pm`" in reply.text
    assert all(a.command.startswith(f"move {meeting_id} occurrence {first} to ")
               for a in reply.actions) and reply.actions
    before = {o["occurrence_id"]: o["start_time"]
              for o in zoom.meetings[meeting_id]["occurrences"]}
    say(app, host, reply.actions[0].command)  # 1 hour later: that occurrence only
    after = {o["occurrence_id"]: o["start_time"]
             for o in zoom.meetings[meeting_id]["occurrences"]}
    assert [k for k in before if before[k] != after[k]] == [first]


def test_the_schedule_reply_has_move_and_cancel_buttons(app):
    reply = say(app, host, "tomorrow 3pm Budget review")
    meeting_id = next(a.command.split()[1] for a in reply.actions if a.verb == "end")
    by_verb = {a.verb: a for a in reply.actions}
    assert by_verb["move"].command == f"move {meeting_id}"
    cancel = by_verb["cancel"]
    assert cancel.command == f"cancel {meeting_id} confirm"
    assert cancel.style == "danger" and cancel.confirm
    weekly = say(app, host, "every thu 9am Standup")
    assert {a.command for a in weekly.actions if a.verb == "cancel"} == {
        f"cancel {next(a.command.split()[1] for a in weekly.actions if a.verb == 'end')}"}


def test_move_is_listed_in_help(app):
    reply = say(app, host, "help")
    shown = {f.label for f in reply.facts}
    assert {"/securemeet move <meeting ID> to <when>", "/securemeet cancel <meeting ID> [confirm]",
            "/securemeet list [host email]"} <= shown


def test_a_time_never_read_is_counted_without_the_passcode_of_a_pasted_link(app, zoom):
    """Failed phrases are kept for stats' ranking and shown to admins: a join link pasted
    where the time should be is kept without its query, for a move and a schedule."""
    meeting_id = scheduled(app, host)
    link = f"https://zoom.us/j/{meeting_id}?pwd=Sw0rdfish42x"
    assert say(app, host, f"move {meeting_id} to {link}").error
    assert say(app, host, f"{link} whenever suits").error
    phrases = [e.data["phrase"] for e in app.store.events(kinds=["parse_failure"])]
    assert len(phrases) == 2 and all(f"zoom.us/j/{meeting_id}" in p for p in phrases)
    assert not any("pwd" in p or "Sw0rdfish42x" in p for p in phrases), phrases
