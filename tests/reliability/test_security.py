"""Security: forged and replayed requests change nothing; who may do what is enforced.

Signatures and replays, for every kind of Slack body (slash command, button, event)
and for Zoom webhooks: a wrong secret, no signature, a stale or future timestamp, a
tampered body, a malformed header — each is refused with 401, and nothing reaches
Zoom, the database or Slack. A correctly signed request replayed (Slack's retries,
an attacker's copy) makes one meeting. (Teams' token checks — no token, garbage, a
foreign key, audience, issuer, serviceUrl, an expired token — are in
``tests/test_teams.py``; they run against the SDK's own validator.)

The authorisation matrix runs over real HTTP, typed and through buttons: host, another
user, an admin by SECUREMEET_ADMINS and a Slack workspace admin, for audit, end, fix
(a meeting rule and a host-wide one) and stats. A refusal reads the same whether the
meeting exists or not.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.zoom_webhooks import signature as zoom_signature
from tests.fakes.slack import SIGNING_SECRET, action_body, event_body, signed_headers
from tests.reliability.harness import (
    Running,
    Stack,
    meeting_id_in,
    post_signed,
    send,
    serve_in_process,
    slash,
    text_of,
    user_id,
)

WEBHOOK_SECRET = "zoom-webhook-secret-token-security-0001"
HOST, OTHER, ADMIN, WS_ADMIN = user_id(1), user_id(2), "UADMIN", "UWSADMIN"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Stack, Running]]:
    with Stack.up(tmp_path_factory.mktemp("security")) as stack:
        stack.env_extra = {"ZOOM_WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET}
        with serve_in_process(stack) as server:
            yield stack, server


def nothing_happened(stack: Stack, before: tuple[int, int, int]) -> None:
    time.sleep(0.3)
    assert (len(stack.zoom_meetings()), len(stack.db_rows("events")),
            len(stack.slack.calls)) == before


def counts(stack: Stack) -> tuple[int, int, int]:
    return len(stack.zoom_meetings()), len(stack.db_rows("events")), len(stack.slack.calls)


# --- Slack signatures ------------------------------------------------------------------

def slack_bodies(stack: Stack) -> dict[str, tuple[str, str]]:
    url = stack.slack.response_url("forged")
    return {
        "slash command": (slash(stack, "tomorrow 3pm for 30m Forged", user=HOST).body,
                          "application/x-www-form-urlencoded"),
        "button": (action_body(user_id=HOST, action_id="securemeet:end:0", value="1",
                               response_url=url), "application/x-www-form-urlencoded"),
        "event": (event_body({"type": "app_home_opened", "user": HOST, "tab": "home"}),
                  "application/json"),
    }


def forgeries(body: str, ctype: str) -> dict[str, dict[str, str]]:
    now = int(time.time())
    good = signed_headers(body, content_type=ctype)
    return {
        "wrong secret": signed_headers(body, secret="not-the-secret", content_type=ctype),
        "no signature": {"Content-Type": ctype},
        "signature, no timestamp": {"Content-Type": ctype,
                                    "X-Slack-Signature": good["X-Slack-Signature"]},
        "stale (6 min)": signed_headers(body, timestamp=now - 360, content_type=ctype),
        "future (6 min)": signed_headers(body, timestamp=now + 360, content_type=ctype),
        "tampered body": {**good, "X-Slack-Signature": signed_headers(
            body + "&x=1", content_type=ctype)["X-Slack-Signature"]},
        "v1 scheme": {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]},
        "not a number": {**good, "X-Slack-Request-Timestamp": "yesterday"},
    }


@pytest.mark.parametrize("kind", ["slash command", "button", "event"])
def test_forged_slack_requests_are_refused_and_change_nothing(world, kind):
    stack, server = world
    body, ctype = slack_bodies(stack)[kind]
    before = counts(stack)
    for why, headers in forgeries(body, ctype).items():
        response = post_signed(server.url, body, headers=headers)
        expected = (400, 401) if why == "not a number" else (401,)  # unreadable or refused
        assert response.status_code in expected, (kind, why, response.status_code)
    nothing_happened(stack, before)


def test_a_replayed_slash_command_makes_one_meeting_even_all_at_once(world):
    stack, server = world
    sent = slash(stack, "tomorrow 3pm for 30m Replayed", user=HOST)
    before = len(stack.zoom_meetings())
    threads = [threading.Thread(target=send, args=(server.url, sent), kwargs={
        "retry_num": n or None}) for n in range(4)]  # the original and three retries
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stack.slack.wait_for_response(sent.response_url, timeout=20)
    time.sleep(0.5)
    assert len(stack.slack.responses(sent.response_url)) == 1
    assert len(stack.zoom_meetings()) == before + 1
    # and six minutes later the same bytes are refused outright
    old = signed_headers(sent.body, timestamp=int(time.time()) - 360)
    assert post_signed(server.url, sent.body, headers=old).status_code == 401


def test_a_replayed_button_press_acts_once(world):
    """Security finding 6: the same signed block_actions body sent twice (within Slack's
    five minutes) used to rotate a passcode twice. A press is claimed by its trigger_id
    (or user and action_ts), like a command."""
    stack, server = world
    meeting_id = meeting_id_in(ask(stack, server, "tomorrow 3pm for 30m Pressed twice", HOST))
    url = stack.slack.response_url("replayed-press")
    body = action_body(user_id=HOST, action_id="securemeet:fix:0",
                       value=f"fix {meeting_id} passcode confirm", response_url=url)
    first = stack.zoom_meetings()[meeting_id]["password"]
    threads = [threading.Thread(target=post_signed, args=(server.url, body)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (rotated,) = stack.slack.wait_for_response(url, timeout=20)
    time.sleep(0.5)
    assert len(stack.slack.responses(url)) == 1
    rotations = [r for r in stack.db_rows("events")
                 if r["kind"] == "fix" and r["meeting_id"] == meeting_id]
    assert len(rotations) == 1 and stack.zoom_meetings()[meeting_id]["password"] != first
    assert "New passcode" in text_of(rotated)


# --- Zoom webhook signatures -----------------------------------------------------------

def zoom_post(server: Running, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(server.url + "/zoom/webhook", data=body, timeout=10,
                         headers={"content-type": "application/json", **headers})


def test_forged_zoom_webhooks_are_refused_and_change_nothing(world):
    stack, server = world
    body = json.dumps({"event": "meeting.started", "event_ts": int(time.time() * 1000),
                       "payload": {"account_id": "a", "object": {
                           "id": "123", "uuid": "u==", "host_id": "h", "topic": "x"}}}).encode()
    now = str(int(time.time()))
    sign = zoom_signature.sign
    before = (counts(stack), len(stack.db_rows("claims")))
    refused = {
        "wrong secret": {"x-zm-request-timestamp": now,
                         "x-zm-signature": sign("not-the-secret", now, body)},
        "no signature": {"x-zm-request-timestamp": now},
        "no timestamp": {"x-zm-signature": sign(WEBHOOK_SECRET, now, body)},
        "stale (6 min)": {"x-zm-request-timestamp": str(int(now) - 360),
                          "x-zm-signature": sign(WEBHOOK_SECRET, str(int(now) - 360), body)},
        "tampered body": {"x-zm-request-timestamp": now,
                          "x-zm-signature": sign(WEBHOOK_SECRET, now, body + b" ")},
        "the Slack secret": {"x-zm-request-timestamp": now,
                             "x-zm-signature": sign(SIGNING_SECRET, now, body)},
    }
    for why, headers in refused.items():
        assert zoom_post(server, body, headers).status_code == 401, why
    time.sleep(0.3)
    assert (counts(stack), len(stack.db_rows("claims"))) == before


def test_zoom_url_validation_needs_the_secret(world):
    stack, server = world
    body = json.dumps({"event": "endpoint.url_validation",
                       "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}).encode()
    now = str(int(time.time()))
    ok = zoom_post(server, body, {"x-zm-request-timestamp": now,
                                  "x-zm-signature": zoom_signature.sign(WEBHOOK_SECRET, now,
                                                                        body)})
    assert ok.status_code == 200
    assert ok.json()["encryptedToken"] == zoom_signature.encrypted_token(
        WEBHOOK_SECRET, "qgg8vlvZRS6UYooatFL8Aw")
    forged = zoom_post(server, body, {"x-zm-request-timestamp": now,
                                      "x-zm-signature": "v0=" + "0" * 64})
    assert forged.status_code == 401 and "encryptedToken" not in forged.text


# --- who may do what -------------------------------------------------------------------

def ask(stack: Stack, server: Running, text: str, user: str) -> dict[str, Any]:
    sent = slash(stack, text, user=user)
    assert post_signed(server.url, sent.body).status_code == 200
    (message,) = stack.slack.wait_for_response(sent.response_url, timeout=20)
    return message


def press(stack: Stack, server: Running, name: str, value: str, user: str) -> dict[str, Any]:
    url = stack.slack.response_url(f"press-{name}")
    body = action_body(user_id=user, action_id=f"securemeet:{name}:0", value=value,
                       response_url=url)
    assert post_signed(server.url, body).status_code == 200
    (message,) = stack.slack.wait_for_response(url, timeout=20)
    return message


REFUSED = re.compile(r"can't (audit|end|fix)|Only SecureMeet admins|only admins|admins only|"
                     r"or ask an admin", re.IGNORECASE)
ROLES = {"host": HOST, "another user": OTHER, "admin (SECUREMEET_ADMINS)": ADMIN,
         "Slack workspace admin": WS_ADMIN}
# A Slack workspace admin is an ordinary user here: Slack's flag is trusted only with
# SECUREMEET_TRUST_SLACK_ADMINS=1 (tests/adapters/slack/test_slack.py covers that).
MATRIX = {  # command (with {id}) -> roles allowed
    "audit {id}": {"host", "admin (SECUREMEET_ADMINS)"},
    "fix {id} waiting-room": {"host", "admin (SECUREMEET_ADMINS)"},
    "fix {id} no-file-transfer confirm": {"admin (SECUREMEET_ADMINS)"},
    "stats": {"admin (SECUREMEET_ADMINS)"},
    "end {id}": {"host", "admin (SECUREMEET_ADMINS)"},
}


@pytest.mark.parametrize("command", list(MATRIX))
def test_the_authorisation_matrix(world, command):
    stack, server = world
    for role, user in ROLES.items():
        meeting_id = meeting_id_in(ask(stack, server, "tomorrow 3pm for 30m Matrix", HOST))
        assert meeting_id is not None
        stack.emulator.start_meeting(meeting_id)  # in progress: "end" has work to do
        message = ask(stack, server, command.format(id=meeting_id), user)
        refused = bool(REFUSED.search(text_of(message)))
        assert refused == (role not in MATRIX[command]), (command, role, text_of(message)[:300])
        if command.startswith("end"):
            assert stack.zoom_meetings()[meeting_id]["ended_by_api"] is not refused, role


@pytest.mark.parametrize("verb", ["end", "audit", "fix"])
def test_buttons_are_held_to_the_same_rules(world, verb):
    stack, server = world
    meeting_id = meeting_id_in(ask(stack, server, "tomorrow 3pm for 30m Buttons", HOST))
    value = f"{meeting_id}:waiting-room" if verb == "fix" else str(meeting_id)
    refused = press(stack, server, verb, value, OTHER)
    assert REFUSED.search(text_of(refused)), text_of(refused)[:300]
    assert stack.zoom_meetings()[meeting_id]["ended_by_api"] is False
    allowed = press(stack, server, verb, value, HOST)
    assert not REFUSED.search(text_of(allowed))


@pytest.mark.parametrize("verb", ["audit", "end"])
def test_a_refusal_does_not_reveal_whether_the_meeting_exists(world, verb):
    stack, server = world
    meeting_id = meeting_id_in(ask(stack, server, "tomorrow 3pm for 30m Secret", HOST))
    theirs = ask(stack, server, f"{verb} {meeting_id}", OTHER)
    nobodys = ask(stack, server, f"{verb} 98765432109", OTHER)
    assert theirs["blocks"] == nobodys["blocks"]
