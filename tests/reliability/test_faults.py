"""Faults: Zoom and Slack misbehave, SQLite is busy — the user still gets an answer.

Every scenario ends with the same two checks: the user got either their meeting or a
clear error (never silence, never a stack trace), and the database's records match
what the Zoom emulator really holds — no meeting in Zoom without a record (an orphan
nobody audits), no record of a meeting Zoom does not have.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest

from bot.observability import zoom_call
from bot.zoom.client import ZoomClient
from storage import sqlite_store
from tests.reliability.harness import (
    Running,
    Stack,
    burst,
    free_port,
    meeting_id_in,
    reply_of,
    send,
    serve_in_process,
    slash,
    text_of,
    user_id,
    wait_until,
)

CREATE = {"method": "POST", "path_contains": "/meetings"}


@contextlib.contextmanager
def running(stack: Stack, **client: Any) -> Iterator[Running]:
    """The server in this process; ``client`` options build its Zoom client."""
    zoom = None
    if client:
        emulator = stack.emulator
        options: dict[str, Any] = dict(
            account_id=emulator.account_id, client_id=emulator.client_id,
            client_secret=emulator.client_secret, api_url=emulator.api_url,
            oauth_url=emulator.oauth_url, on_call=zoom_call)
        options.update(client)
        zoom = ZoomClient(**options)
    try:
        with serve_in_process(stack, zoom=zoom) as server:
            yield server
    finally:
        if zoom is not None:
            zoom.close()


def outcome(stack: Stack, sent: Any, timeout: float = 30, *, retried: bool = False
            ) -> tuple[str, Any]:
    """("meeting", id) or ("error", reply); anything else fails the test. ``retried``:
    Slack refused some deliveries (429), so the reply is the last of its bodies."""
    message = reply_of(stack, sent, timeout=timeout, retried=retried)
    text = text_of(message)
    assert "Traceback" not in text and 'File "' not in text
    assert message["response_type"] == "ephemeral"
    meeting_id = meeting_id_in(message)
    if meeting_id is not None:
        return "meeting", meeting_id
    headline = message["blocks"][0]["text"]["text"]
    assert headline.startswith("⚠️") and len(headline) > 10, headline
    return "error", message


def schedule(stack: Stack, server: Running, topic: str, user: int = 1) -> tuple[Any, float]:
    sent = slash(stack, f"tomorrow 3pm for 30m {topic}", user=user_id(user))
    started = time.perf_counter()
    send(server.url, sent)
    assert sent.status == 200, sent.error
    result = outcome(stack, sent)
    return result, time.perf_counter() - started


def zoom_log(stack: Stack, method: str, fragment: str) -> list[int]:
    return [status for m, path, status in stack.emulator.request_log
            if m == method and fragment in path]


# --- Zoom rate limits ------------------------------------------------------------------

@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_zoom_429_with_retry_after_is_waited_out_and_the_meeting_made_once(stack, form):
    retry_after = "1" if form == "seconds" else formatdate(time.time() + 2, usegmt=True)
    with running(stack) as server:
        stack.emulator.fail_next(1, 429, retry_after=retry_after, **CREATE)
        (kind, meeting_id), took = schedule(stack, server, f"Rate limited {form}")
    assert kind == "meeting"
    assert took >= 0.9, f"Retry-After was not honoured ({took:.2f} s)"
    assert zoom_log(stack, "POST", "/meetings") == [429, 201]
    assert list(stack.zoom_meetings()) == [meeting_id]
    stack.assert_records_match_zoom()


# --- Zoom errors -----------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 503])
def test_zoom_5xx_on_create_is_a_clear_error_and_nothing_is_left(stack, status):
    with running(stack) as server:
        stack.emulator.fail_next(1, status, **CREATE)
        (kind, message), _ = schedule(stack, server, f"Zoom {status}")
    assert kind == "error"
    assert "Zoom did not confirm" in text_of(message)
    assert zoom_log(stack, "POST", "/meetings") == [status]  # a create is never repeated
    assert stack.zoom_meetings() == {} and stack.db_rows() == []


def test_zoom_5xx_after_creating_finds_the_meeting_instead_of_orphaning_it(stack):
    with running(stack) as server:
        stack.emulator.fail_next(1, 500, after=True, **CREATE)  # Zoom acted, then failed
        (kind, meeting_id), _ = schedule(stack, server, "Created then 500")
    assert kind == "meeting"
    assert zoom_log(stack, "POST", "/meetings") == [500]
    assert list(stack.zoom_meetings()) == [meeting_id]
    stack.assert_records_match_zoom()


def test_zoom_503_on_reads_is_retried(stack):
    with running(stack) as server:
        stack.emulator.fail_next(2, 503, retry_after="0", method="GET",
                                 path_contains="/v2/meetings/")
        (kind, meeting_id), _ = schedule(stack, server, "Flaky reads")
    assert kind == "meeting"
    assert zoom_log(stack, "GET", f"/meetings/{meeting_id}")[:3] == [503, 503, 200]
    stack.assert_records_match_zoom()


# --- time-outs and refused connections -------------------------------------------------

def test_a_create_that_times_out_but_happened_is_found_not_orphaned(stack):
    with running(stack, timeout=(1.0, 1.0), backoff=0.05) as server:
        stack.emulator.delay_next(1, 1.8, **CREATE)  # Zoom creates it, answers too late
        (kind, meeting_id), _ = schedule(stack, server, "Slow create")
    assert kind == "meeting"
    assert list(stack.zoom_meetings()) == [meeting_id]
    stack.assert_records_match_zoom()


def test_a_read_that_times_out_is_retried(stack):
    with running(stack, timeout=(1.0, 1.0), backoff=0.05) as server:
        stack.emulator.delay_next(1, 1.5, method="GET", path_contains="/v2/meetings/")
        (kind, _), _ = schedule(stack, server, "Slow read")
    assert kind == "meeting"
    stack.assert_records_match_zoom()


def test_zoom_refusing_connections_is_a_clear_error(stack):
    closed = f"http://127.0.0.1:{free_port()}/v2"  # nothing listens there
    with running(stack, api_url=closed, backoff=0.05, max_backoff=0.2) as server:
        (kind, message), took = schedule(stack, server, "Refused")
    assert kind == "error"
    assert "Zoom is not answering" in text_of(message) and "Nothing was created" in text_of(
        message)
    assert took < 15
    assert stack.zoom_meetings() == {} and stack.db_rows() == []


# --- tokens ----------------------------------------------------------------------------

def test_tokens_expiring_in_the_middle_of_a_burst(stack):
    with running(stack) as server:
        schedule(stack, server, "Before expiry")
        stack.emulator.set_latency(0.2)
        tokens_before = stack.emulator.token_requests
        items = [slash(stack, f"tomorrow 4pm for 30m Expiry {i:02d}", user=user_id(i % 5 + 1))
                 for i in range(20)]
        timer = threading.Timer(0.5, stack.emulator.expire_tokens)
        timer.start()
        burst(server.url, items)
        results = [outcome(stack, item) for item in items]
        timer.join()
        stack.emulator.set_latency(0)
    assert [kind for kind, _ in results] == ["meeting"] * 20
    assert 401 in [status for _, _, status in stack.emulator.request_log]  # it did bite
    assert stack.emulator.token_requests > tokens_before
    assert len(stack.zoom_meetings()) == 21
    stack.assert_records_match_zoom()


# --- Slack -----------------------------------------------------------------------------

def test_slack_429_on_the_reply_is_retried_until_delivered(stack):
    with running(stack) as server:
        sent = slash(stack, "tomorrow 3pm for 30m Slack busy", user=user_id(1))
        stack.slack.fail(sent.label, times=2, status=429, retry_after="1")
        send(server.url, sent)
        bodies = stack.slack.wait_for(
            lambda s: len(s.responses(sent.response_url)) >= 3 and s.responses(sent.response_url),
            timeout=30)
    assert bodies[0] == bodies[1] == bodies[2]  # the same reply, delivered on the third try
    assert meeting_id_in(bodies[2]) in stack.zoom_meetings()
    stack.assert_records_match_zoom()


# --- SQLite ----------------------------------------------------------------------------

@contextlib.contextmanager
def write_lock(stack: Stack) -> Iterator[None]:
    """Another connection holding SQLite's write lock (as a backup or a migration would)."""
    conn = sqlite3.connect(stack.db_path, timeout=10, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_sqlite_busy_for_a_while_only_delays_the_commands(stack):
    """Each command is recorded before it is acknowledged, so a database locked for 1.5 s
    delays the acknowledgements too, but within Slack's 3 s, and loses nothing."""
    with running(stack) as server:
        schedule(stack, server, "Warm")
        items = [slash(stack, f"tomorrow 5pm for 30m Busy {i}", user=user_id(i + 1))
                 for i in range(5)]
        with write_lock(stack):
            sending = threading.Thread(target=burst, args=(server.url, items), daemon=True)
            sending.start()
            time.sleep(1.5)  # within the store's 5 s busy timeout
        sending.join(30)
        assert [item.status for item in items] == [200] * 5
        assert max(item.ack_seconds for item in items) < 3.0
        results = [outcome(stack, item) for item in items]
    assert [kind for kind, _ in results] == ["meeting"] * 5
    stack.assert_records_match_zoom()


@pytest.mark.parametrize("undo_fails_once", [False, True])
def test_a_meeting_that_cannot_be_recorded_is_removed_from_zoom(stack, undo_fails_once,
                                                                monkeypatch):
    """SQLite stays locked past the busy timeout between Zoom's create and our record."""
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_MS", 1500)  # 5 s in production
    with running(stack) as server:
        schedule(stack, server, "Warm")
        stack.emulator.set_latency(0.2)  # five reads after the create: time to take the lock
        if undo_fails_once:
            stack.emulator.fail_next(1, 503, retry_after="0", method="DELETE")
        sent = slash(stack, "tomorrow 3pm for 30m Unrecordable", user=user_id(2))
        threading.Thread(target=send, args=(server.url, sent), daemon=True).start()
        wait_until(lambda: zoom_log(stack, "POST", "/meetings") == [201, 201], timeout=20,
                   interval=0.01)
        with write_lock(stack):  # until the record failed and the meeting was deleted
            wait_until(lambda: 204 in zoom_log(stack, "DELETE", "/meetings/"), timeout=20)
        stack.emulator.set_latency(0)
        kind, message = outcome(stack, sent)
    assert kind == "error"
    assert "Something went wrong on our side (ref " in text_of(message)
    deletes = zoom_log(stack, "DELETE", "/meetings/")
    assert deletes == ([503, 204] if undo_fails_once else [204])
    assert [m["topic"] for m in stack.zoom_meetings().values()] == ["Warm"]
    stack.assert_records_match_zoom()


# --- everything at once ----------------------------------------------------------------

def test_a_burst_under_mixed_faults_gets_every_user_an_answer(stack):
    rng = random.Random(10)
    emulator = stack.emulator
    with running(stack, timeout=(1.0, 1.5), backoff=0.05, max_backoff=0.5) as server:
        emulator.set_latency(0.05)
        emulator.fail_next(3, 429, retry_after="1", **CREATE)
        emulator.fail_next(2, 500, after=True, **CREATE)
        emulator.fail_next(2, 503, **CREATE)
        emulator.fail_next(4, 503, retry_after="0", method="GET")
        emulator.delay_next(2, 1.7, **CREATE)
        stack.slack.fail("/response/chaos", times=3, status=429, retry_after="1")
        items = [slash(stack, f"tomorrow {9 + i % 8}:00 for 30m Chaos {i:02d}",
                       user=user_id(rng.randint(1, 20)), label=f"chaos{i:02d}")
                 for i in range(30)]
        threading.Timer(1.0, emulator.expire_tokens).start()
        burst(server.url, items)
        assert all(item.status == 200 for item in items)
        results = [outcome(stack, item, timeout=60, retried=True) for item in items]
        # each of the three 429s was followed by one more delivery of the same body
        wait_until(lambda: sum(len(stack.slack.responses(i.response_url)) for i in items)
                   == len(items) + 3, timeout=30)
        emulator.set_latency(0)
    kinds = [kind for kind, _ in results]
    assert set(kinds) <= {"meeting", "error"} and kinds.count("meeting") >= 20
    made = {mid for kind, mid in results if kind == "meeting"}
    assert made == set(stack.zoom_meetings())  # every meeting in Zoom was given to its user
    stack.assert_records_match_zoom()
