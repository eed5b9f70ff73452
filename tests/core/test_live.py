"""The live core (commands/live.py), table-driven on a fake clock.

A script is a list of ``(second, kind, who)`` rows; :func:`play` feeds them to
``observe``/``decide`` and, between rows, fires the timer exactly when ``next_check``
says, as ``bot/zoom_webhooks/live_runner.py`` does. The result is what the host would read:
``(second, nudge kind, in, waiting)``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from commands import live
from commands.live import LiveEvent, LiveSettings, LiveState, Participant

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
MID = 85746065432
S = LiveSettings()  # quiet 120 s, waiting 60 s, host grace 30 s, risk 600 s, end window 60 s


def at(second: float) -> datetime:
    return T0 + timedelta(seconds=second)


def event(second: float, kind: str, who: str = "", **kw) -> LiveEvent:
    person = None
    if who:
        person = Participant(who, name=who.title(), is_host=who == "host")
    return LiveEvent(kind, at(second), person, **kw)


def play(script, settings: LiveSettings = S, until: float = 3600.0):
    """Run ``script``; return (state, [(second, kind, in, waiting), …])."""
    state: LiveState | None = None
    said = []

    def step(now: datetime) -> None:
        nonlocal state
        assert state is not None
        state, nudges = live.decide(state, now, settings)
        said.extend(((now - T0).total_seconds(), n.kind, n.in_count, n.waiting_count)
                    for n in nudges)

    def timers_until(limit: datetime) -> None:
        while state is not None:
            when = live.next_check(state, limit - timedelta(days=1), settings)
            if when is None or when > limit:
                return
            step(when)

    for row in script:
        ev = event(*row[:3], **(row[3] if len(row) > 3 else {}))
        timers_until(ev.at)
        state = live.observe(state, ev, meeting_id=MID, uuid="u1", topic="Budget review",
                             settings=settings)
        step(ev.at)
    timers_until(at(until))
    return state, said


J, W, A, L, LW = live.JOINED, live.WAITING, live.ADMITTED, live.LEFT, live.LEFT_WAITING

NUDGE_CASES = {
    "joins settle: lock after the quiet period": (
        [(0, J, "host"), (10, J, "ann"), (20, J, "bob")],
        [(140, "lock", 3, 0)]),
    "a later join restarts the quiet period": (
        [(0, J, "host"), (10, J, "ann"), (100, J, "bob")],
        [(220, "lock", 3, 0)]),
    "the host alone: nothing to lock": (
        [(0, J, "host")], []),
    "no host in the meeting: nobody could lock it": (
        [(0, J, "ann"), (5, J, "bob")], []),
    "someone waiting: no lock nudge while they wait": (
        [(0, J, "host"), (1, J, "ann"), (2, W, "eve")],
        [(2, "waiting", 2, 1)]),
    "waiting-room nudges are batched, one per minute at most": (
        [(0, J, "host"), (5, W, "w1"), (20, W, "w2"), (30, W, "w3"), (70, A, "w1"),
         (70, A, "w2"), (70, A, "w3")],
        [(5, "waiting", 1, 1), (65, "waiting", 1, 3), (190, "lock", 4, 0)]),
    "everyone admitted before the minute is up: no second waiting nudge": (
        [(0, J, "host"), (5, W, "w1"), (10, W, "w2"), (20, A, "w1"), (20, A, "w2")],
        [(5, "waiting", 1, 1), (140, "lock", 3, 0)]),
    "someone who leaves the waiting room is no longer counted": (
        [(0, J, "host"), (5, W, "w1"), (10, W, "w2"), (12, LW, "w2")],
        [(5, "waiting", 1, 1), (65, "waiting", 1, 1)]),
    "the host leaves others in: end-for-all nudge after the grace": (
        [(0, J, "host"), (1, J, "ann"), (2, J, "bob"), (200, L, "host")],
        [(122, "lock", 3, 0), (230, "host_left", 2, 0)]),
    "the host drops and comes back within the grace: no nudge": (
        [(0, J, "host"), (1, J, "ann"), (200, L, "host"), (215, J, "host")],
        [(121, "lock", 2, 0)]),
    "everyone leaves right after the host: no nudge": (
        [(0, J, "host"), (1, J, "ann"), (200, L, "host"), (205, L, "ann")],
        [(121, "lock", 2, 0)]),
    "the host was the last one: no nudge": (
        [(0, J, "host"), (1, J, "ann"), (200, L, "ann"), (201, L, "host")],
        [(121, "lock", 2, 0)]),
    "joins after a lock nudge: one more lock nudge, then no more": (
        [(0, J, "host"), (1, J, "ann"), (200, J, "bob"), (400, J, "cid")],
        [(121, "lock", 2, 0), (320, "lock", 3, 0)]),
    "a risk alert is passed on at once; another within ten minutes is covered by it": (
        [(0, live.RISK, "", {"where": "Twitter"}), (60, live.RISK, "", {"where": "Reddit"}),
         (900, live.RISK, "")],
        [(0, "risk", 0, 0), (900, "risk", 0, 0)]),
    "after the end nothing is due, even a lock still pending": (
        [(0, J, "host"), (1, J, "ann"), (30, live.ENDED)], []),
    "a late retry of an older event does not move a participant back": (
        [(0, J, "host"), (10, L, "ann"), (5, J, "ann")], []),
    "duplicates change nothing": (
        [(0, J, "host"), (1, J, "ann"), (1, J, "ann"), (2, J, "bob"), (2, J, "bob")],
        [(122, "lock", 3, 0)]),
}


@pytest.mark.parametrize("script,expected", NUDGE_CASES.values(), ids=NUDGE_CASES.keys())
def test_nudges(script, expected):
    _, said = play(script)
    assert said == expected


def test_settings_change_the_timings():
    quick = LiveSettings(quiet_seconds=5, waiting_interval=2, host_left_grace=1)
    _, said = play([(0, J, "host"), (1, J, "ann"), (2, W, "w1"), (3, W, "w2"), (3.5, A, "w1"),
                    (3.5, A, "w2"), (20, L, "host")], quick)
    # w2 arrived within the 2 s after the first waiting nudge, and was admitted at 3.5 s,
    # before a second one was due: no second waiting nudge.
    assert said == [(2, "waiting", 2, 1), (8.5, "lock", 4, 0), (21, "host_left", 3, 0)]


def test_lock_needs_as_many_as_configured():
    three = LiveSettings(lock_min_participants=3)
    assert play([(0, J, "host"), (1, J, "ann")], three)[1] == []
    assert play([(0, J, "host"), (1, J, "ann"), (2, J, "bob")], three)[1] == [
        (122, "lock", 3, 0)]


ENDINGS = {
    "the host ends it while others are in": (
        [(0, J, "host"), (1, J, "ann"), (300, live.ENDED)], True),
    "end for all: everyone's leave arrives before the end, host first": (
        [(0, J, "host"), (1, J, "ann"), (2, J, "bob"), (300, L, "host"), (300, L, "ann"),
         (300, L, "bob"), (301, live.ENDED)], True),
    "the host left others in, and it ran on for half an hour": (
        [(0, J, "host"), (1, J, "ann"), (300, L, "host"), (2100, L, "ann"),
         (2101, live.ENDED)], False),
    "the host was the last one in": (
        [(0, J, "host"), (1, J, "ann"), (200, L, "ann"), (900, L, "host"),
         (901, live.ENDED)], True),
    "the host never joined": (
        [(0, J, "ann"), (1, J, "bob"), (200, L, "ann"), (201, L, "bob"),
         (202, live.ENDED)], False),
    "SecureMeet's end button, long after the host left": (
        [(0, J, "host"), (1, J, "ann"), (300, L, "host"),
         (2000, live.ENDED, "", {"by_securemeet": True})], True),
    "the host left, came back, and ended it": (
        [(0, J, "host"), (1, J, "ann"), (300, L, "host"), (1000, J, "host"),
         (2000, live.ENDED)], True),
    "people joined a meeting the host had left empty": (
        [(0, J, "host"), (100, L, "host"), (200, J, "ann"), (3000, live.ENDED)], False),
}


@pytest.mark.parametrize("script,for_all", ENDINGS.values(), ids=ENDINGS.keys())
def test_ended_for_all(script, for_all):
    state, _ = play(script)
    assert state.ended and state.ended_for_all is for_all


def test_an_end_seen_alone_has_no_verdict_and_no_stats_event():
    state, _ = play([(0, live.STARTED), (3000, live.ENDED)])
    assert state.ended and state.ended_for_all is None
    before = replace(state, ended_at=None, ended_for_all=None)
    lines, events = live.records(before, state, (), now=at(3000), event=event(3000, live.ENDED))
    assert [(ln.kind, ln.data["ended_for_all"]) for ln in lines] == [("ended", None)]
    assert events == ()
    by_us, _ = play([(0, live.STARTED), (3000, live.ENDED, "", {"by_securemeet": True})])
    assert by_us.ended_for_all is True


def test_peak_counts_people_at_once_not_joins():
    state, _ = play([(0, J, "host"), (1, J, "ann"), (2, L, "ann"), (3, J, "bob"),
                     (4, J, "cid"), (5, L, "bob"), (6, J, "ann"), (7, live.ENDED)])
    assert state.peak == 3


def test_waiting_names_are_kept_only_while_waiting_and_cut():
    long = "x" * 100
    state, _ = play([(0, J, "host"), (1, W, "eve"), (2, W, long)])
    cut = "X" + "x" * 38 + "…"
    assert state.waiting_names() == ["Eve", cut]
    state = live.observe(state, event(3, A, "eve"), meeting_id=MID, uuid="u1")
    assert state.waiting_names() == [cut]
    assert all(not s.name for k, s in state.seats.items() if k == "eve")


def test_state_survives_json():
    state, _ = play([(0, J, "host"), (1, W, "eve"), (2, J, "ann"),
                     (3, live.RISK, "", {"where": "Reddit"}), (200, L, "host")], until=250)
    again = LiveState.from_data(json.loads(json.dumps(state.to_data())))
    assert again == state
    assert live.next_check(again, at(250), S) == live.next_check(state, at(250), S)


def test_records_feed_the_stats_and_the_timeline():
    settings = S
    before = None
    started = event(0, live.STARTED)
    state = live.observe(before, started, meeting_id=MID, uuid="u1")
    lines, events = live.records(before, state, (), now=at(0), event=started,
                                 platform="slack")
    assert [ln.kind for ln in lines] == ["started"]
    assert [(e.kind, e.meeting_id, e.at) for e in events] == [
        ("meeting_started", MID, at(0))]
    state, _ = play([(0, live.STARTED), (1, J, "host"), (2, J, "ann"), (3, L, "host"),
                     (4000, live.ENDED)], settings)
    ended_before = replace(state, ended_at=None, ended_for_all=None)
    lines, events = live.records(ended_before, state, (), now=at(4000),
                                 event=event(4000, live.ENDED), platform="slack")
    assert [(ln.kind, dict(ln.data)) for ln in lines] == [
        ("ended", {"ended_for_all": False, "peak": 2, "by_securemeet": False})]
    (ended,) = events
    assert (ended.kind, dict(ended.data), ended.platform) == (
        "meeting_ended", {"ended_for_all": False, "peak": 2}, "slack")


def reply_for(kind: str, **kw):
    state, _ = play([(0, J, "host"), (1, W, "eve")])
    return live.nudge_reply(live.Nudge(kind, **kw), state)


def test_nudge_texts():
    waiting = reply_for("waiting", in_count=1, waiting_count=7,
                        names=("Eve", "Fay", "Gus", "Hal", "Ivy"))
    assert waiting.title == "👋 7 waiting in the waiting room — admit only people you expect"
    assert ("Waiting", "Eve, Fay, Gus, Hal, Ivy and 2 more") in [
        (f.label, f.value) for f in waiting.facts]
    lock = reply_for("lock", in_count=5)
    assert lock.title == ("🔒 5 in, 0 waiting — everyone seems to be here: lock the meeting")
    assert "Security → Lock Meeting" in lock.text
    left = reply_for("host_left", in_count=3)
    assert "still running — End meeting for all" in left.title
    (end,) = left.actions
    assert (end.command, end.style) == (f"end {MID}", "danger") and end.confirm
    risk = reply_for("risk", where="Twitter")
    assert "posted on Twitter" in risk.text
    (rotate,) = risk.actions
    assert (rotate.label, rotate.command) == ("Rotate passcode", f"fix {MID} passcode confirm")
    for reply in (waiting, lock, left, risk):
        assert "Budget review (857 4606 5432)" in [f.value for f in reply.facts]
        assert not reply.has_secret
        assert "pwd" not in reply.plain_text() and "zoom.us" not in reply.plain_text()
