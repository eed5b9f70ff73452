"""``cancel <ID> [confirm]`` over real HTTP against the Zoom emulator.

It asks before it deletes; deletes in Zoom (ending a running meeting for all first,
since Zoom refuses to delete one in progress); a recurring meeting loses one occurrence
or the whole series; a double press deletes once; whoever may not cancel it is refused
and nothing changes.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.slack.home import home_view
from commands.reply import Reply
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


def cancels(app) -> list:
    return app.store.events(kinds=["cancel"])


# --- asking first ----------------------------------------------------------------------


def test_cancel_asks_first_and_changes_nothing(app, zoom):
    meeting_id = scheduled(app, host)
    before = held(zoom)
    reply = say(app, host, f"cancel {meeting_id}")
    assert not reply.error and reply.title == "Cancel “Budget review”?"
    assert f"`cancel {meeting_id} confirm`" in reply.text and "Nothing has changed" in reply.text
    (button,) = reply.actions
    assert button.command == f"cancel {meeting_id} confirm"
    assert button.style == "danger" and button.confirm  # the dialog is the confirmation
    assert held(zoom) == before and calls(zoom, "DELETE") == [] and not cancels(app)


def test_cancel_confirmed_deletes_it_in_zoom(app, zoom):
    meeting_id = scheduled(app, host)
    password = zoom.meetings[meeting_id]["password"]
    reply = say(app, host, f"cancel {meeting_id} confirm")
    assert not reply.error and reply.title == "🗑 Cancelled: Budget review"
    assert meeting_id not in zoom.meetings
    assert calls(zoom, "DELETE", meeting_id) == [204]
    assert "no longer work" in reply.text and secret_free(reply, password)
    assert not reply.notices  # the host cancelled it
    (event,) = cancels(app)
    assert (event.outcome, event.data["scope"], event.data["ended_first"]) == (
        "cancelled", "meeting", False)
    record = app.store.get_meeting(meeting_id)
    assert record is not None and record.start_time is None  # kept, with no time left
    assert home_view(app.store.meetings_for(HOST, since=app.ctx.now() - timedelta(hours=12)),
                     tz=host.tz, now=app.ctx.now())["blocks"][1]["text"]["text"].startswith(
        "No upcoming meetings")
    calendar = say(app, host, f"calendar {meeting_id}")
    assert calendar.error and "cancelled" in calendar.plain_text()


def test_delete_is_an_alias(app, zoom):
    meeting_id = scheduled(app, host)
    say(app, host, f"delete {meeting_id} yes")
    assert meeting_id not in zoom.meetings


def test_a_double_press_deletes_once(app, zoom):
    meeting_id = scheduled(app, host)
    first = say(app, host, f"cancel {meeting_id} confirm")
    second = say(app, host, f"cancel {meeting_id} confirm")
    assert first.title.startswith("🗑 Cancelled")
    assert not second.error and second.title == "Already gone: Budget review"
    assert "already cancelled" in second.text and "Nothing else was done" in second.text
    assert calls(zoom, "DELETE") == [204] and len(cancels(app)) == 1
    assert not app.store.events(kinds=["refusal"])


def test_two_presses_at_the_same_moment_delete_and_record_once(app, zoom):
    meeting_id = scheduled(app, host)
    zoom.set_latency(0.3)  # both reads finish before either delete
    replies: list[Reply] = []
    presses = [threading.Thread(target=lambda: replies.append(
        say(app, host, f"cancel {meeting_id} confirm"))) for _ in range(2)]
    for press in presses:
        press.start()
    for press in presses:
        press.join()
    zoom.set_latency(0)
    titles = sorted(r.title for r in replies)
    assert titles == ["Already gone: Budget review", "🗑 Cancelled: Budget review"], titles
    assert calls(zoom, "DELETE").count(204) == 1 and len(cancels(app)) == 1
    assert meeting_id not in zoom.meetings


def test_a_running_meeting_is_ended_for_all_first(app, zoom):
    meeting_id = scheduled(app, host)
    zoom.start_meeting(meeting_id)
    ask = say(app, host, f"cancel {meeting_id}")
    assert "in progress" in ask.text and "ends it for everyone first" in ask.text
    reply = say(app, host, f"cancel {meeting_id} confirm")
    assert not reply.error, reply.plain_text()
    assert "ended for everyone first" in reply.text
    assert meeting_id not in zoom.meetings
    statuses = [(m, s) for m, p, s in zoom.request_log if p.startswith(f"/v2/meetings/{meeting_id}")
                and m in ("PUT", "DELETE")]
    assert statuses == [("PUT", 204), ("DELETE", 204)]  # ended, then deleted
    assert [e.outcome for e in app.store.events(kinds=["end"])] == ["ended"]
    assert cancels(app)[0].data["ended_first"] is True


def test_a_meeting_that_starts_before_the_delete_is_ended_then_deleted(app, zoom, zoom_client):
    meeting_id = scheduled(app, host)
    zoom.fail_next(1, 400, code=3002, message="Sorry, you cannot delete this meeting since "
                   "it is in progress.", method="DELETE")
    reply = say(app, host, f"cancel {meeting_id} confirm")
    assert not reply.error and meeting_id not in zoom.meetings, reply.plain_text()
    assert cancels(app)[0].data["ended_first"] is True


# --- recurring meetings ----------------------------------------------------------------


def test_a_recurring_meeting_asks_one_occurrence_or_all(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True)
    before = held(zoom)
    first = zoom.meetings[meeting_id]["occurrences"][0]["occurrence_id"]
    typed = say(app, host, f"cancel {meeting_id} confirm")  # confirmed, but which?
    reply = say(app, host, f"cancel {meeting_id}")
    for asked in (typed, reply):
        assert "one occurrence or the series" in asked.title and held(zoom) == before
    one, series = reply.actions
    assert one.command == f"cancel {meeting_id} occurrence {first} confirm" and one.confirm
    assert series.command == f"cancel {meeting_id} series confirm" and series.confirm
    assert calls(zoom, "DELETE") == []


def test_one_occurrence_is_cancelled_and_the_series_stays(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True)
    one = say(app, host, f"cancel {meeting_id}").actions[0]
    reply = say(app, host, one.command)
    assert reply.title == "🗑 Cancelled one occurrence: Standup", reply.plain_text()
    statuses = [o["status"] for o in zoom.meetings[meeting_id]["occurrences"]]
    assert statuses == ["deleted", "available", "available", "available"]
    again = say(app, host, one.command)
    assert again.title.startswith("Already gone") and "rest of the series" in again.text
    assert len(cancels(app)) == 1 and cancels(app)[0].data["scope"] == "occurrence"
    nxt = say(app, host, f"cancel {meeting_id} next confirm")  # typed: the next one left
    assert nxt.title.startswith("🗑 Cancelled one occurrence")
    assert [o["status"] for o in zoom.meetings[meeting_id]["occurrences"]][:2] == [
        "deleted", "deleted"]


def test_the_whole_series_is_cancelled(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True)
    reply = say(app, alt, f"cancel {meeting_id} series confirm")
    assert reply.title == "🗑 Cancelled: Standup" and meeting_id not in zoom.meetings
    (notice,) = reply.notices
    assert notice.to == HOST and "cancelled the whole series" in notice.reply.text
    assert cancels(app)[0].data["scope"] == "series"


def test_a_later_occurrence_of_a_meeting_in_progress_waits_and_the_meeting_runs_on(
        app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, recurring=True, days=0.01)  # starts in ~15 min
    zoom.start_meeting(meeting_id)  # the host started it early
    first, _, third, _ = (o["occurrence_id"] for o in zoom.meetings[meeting_id]["occurrences"])
    before = held(zoom)
    ask = say(app, host, f"cancel {meeting_id} occurrence {third}")
    assert "in progress" not in ask.text  # nothing will be ended for it
    later = say(app, host, f"cancel {meeting_id} occurrence {third} confirm")
    assert later.error and "in progress now" in later.plain_text(), later.plain_text()
    assert held(zoom) == before and not zoom.meetings[meeting_id]["ended_by_api"]
    assert not cancels(app) and not app.store.events(kinds=["end"])
    now = say(app, host, f"cancel {meeting_id} occurrence {first} confirm")  # the one running
    assert now.title.startswith("🗑 Cancelled one occurrence") and "ended for everyone" in now.text
    assert zoom.meetings[meeting_id]["ended_by_api"]
    assert zoom.meetings[meeting_id]["occurrences"][0]["status"] == "deleted"


# --- who may ---------------------------------------------------------------------------


def test_a_stranger_is_refused_as_for_audit_and_nothing_changes(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client)
    before = held(zoom)
    refused = say(app, stranger, f"cancel {meeting_id} confirm")
    missing = say(app, stranger, "cancel 98765432101 confirm")
    assert refused.error and "can't cancel it" in refused.title + refused.text
    assert (refused.title, refused.text) == (missing.title, missing.text)
    assert held(zoom) == before and calls(zoom, "DELETE") == [] and not cancels(app)
    say(app, host, f"cancel {meeting_id} confirm")
    after = say(app, stranger, f"cancel {meeting_id} confirm")  # gone now: still no clue
    assert (after.title, after.text) == (refused.title, refused.text)


def test_an_admin_cancels_and_the_host_is_told_without_secrets(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client, alternative=False)
    encrypted = zoom.meetings[meeting_id]["encrypted_password"]
    reply = say(app, admin, f"cancel {meeting_id} confirm")
    assert meeting_id not in zoom.meetings
    (notice,) = reply.notices
    assert notice.to == HOST and notice.reply.private
    assert "Ada Admin (admin@example.com), an admin, cancelled it" in notice.reply.text
    assert secret_free(notice.reply, PASSCODE, encrypted)
    assert cancels(app)[0].data["by"] == "admin" and cancels(app)[0].data["host_told"]
    again = say(app, admin, f"cancel {meeting_id} confirm")
    assert again.title.startswith("Already gone")
    host_again = say(app, host, f"cancel {meeting_id} confirm")  # the host may know too
    assert host_again.title.startswith("Already gone")


@pytest.mark.parametrize("text", ["cancel", "cancel confirm", "cancel 12", "cancel abc confirm",
                                  "cancel 123 4567 8901 occurrence"])
def test_no_meeting_said_is_an_error_with_examples(app, zoom, text):
    reply = say(app, host, text)
    assert reply.error and "cancel 123 4567 8901" in reply.text, reply.plain_text()
    assert calls(zoom, "DELETE") == []
