"""Zoom's webhook JSON → the live core's events, and the signature check (pure functions).

The HMAC below is written out here, independently of ``bot/zoom_webhooks/signature.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.zoom_webhooks import events as webhook_events
from bot.zoom_webhooks import signature
from bot.zoom_webhooks.events import Malformed, parse
from commands import live

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp() * 1000) - 5000


def body(name="meeting.participant_joined", *, ts=TS, participant=None, **obj):
    data = {"event": name, "payload": {"object": {
        "id": "85746065432", "uuid": "u/1==", "host_id": "HOSTZOOMID", **obj}}}
    if ts is not None:
        data["event_ts"] = ts
    if participant is not None:
        data["payload"]["object"]["participant"] = participant
    return data


def parsed(data):
    return parse(data, raw=json.dumps(data).encode(), now=NOW)


PEOPLE = {
    "participant_uuid first": ({"participant_uuid": "pu", "user_id": "16", "id": "z",
                                "user_name": "Ann"}, "pu"),
    "then the per-meeting user_id": ({"user_id": "16", "id": "z", "user_name": "Ann"}, "16"),
    "then the Zoom user id": ({"user_id": "", "id": "z", "user_name": "Ann"}, "z"),
    "then the name": ({"user_name": "Ann"}, "Ann"),
    "numbers are text": ({"user_id": 16778240}, "16778240"),
}


@pytest.mark.parametrize("person,key", PEOPLE.values(), ids=PEOPLE.keys())
def test_who_a_participant_is(person, key):
    event = parsed(body(participant=person))
    assert event.event.participant.key == key
    assert event.key == f"zoom:meeting.participant_joined:u/1==:{key}:{TS}"


def test_the_host_is_the_participant_with_the_meetings_host_id():
    host = parsed(body(participant={"user_id": "1", "id": "HOSTZOOMID"})).event.participant
    guest = parsed(body(participant={"user_id": "2", "id": "OTHER"})).event.participant
    nobody = parsed(body(participant={"user_id": "3", "id": ""}, host_id="")).event.participant
    assert (host.is_host, guest.is_host, nobody.is_host) == (True, False, False)


def test_names_kinds_ids_and_times():
    event = parsed(body("meeting.started", id=85746065432, topic="Budget"))
    assert (event.name, event.meeting_id, event.uuid, event.topic) == (
        "meeting.started", 85746065432, "u/1==", "Budget")
    assert event.event.kind == live.STARTED and event.event.participant is None
    assert event.event.at == NOW - timedelta(seconds=5)
    assert parsed(body("meeting.started", uuid="")).uuid == "id:85746065432"
    for name, kind in webhook_events.EVENTS.items():
        person = {"user_id": "1"} if kind in live.PARTICIPANT_KINDS else None
        assert parsed(body(name, participant=person)).event.kind == kind
    assert parsed({"event": "meeting.created", "payload": {}}) is None
    assert parsed({"event": "recording.completed"}) is None


def test_times_zoom_did_not_give_or_gave_far_ahead_are_ours():
    assert parsed(body("meeting.started", ts=None)).event.at == NOW
    assert parsed(body("meeting.started", ts="soon")).event.at == NOW
    ahead = int((NOW + timedelta(hours=2)).timestamp() * 1000)
    assert parsed(body("meeting.started", ts=ahead)).event.at == NOW
    late = int((NOW - timedelta(minutes=80)).timestamp() * 1000)  # Zoom's third retry
    assert parsed(body("meeting.started", ts=late)).event.at == NOW - timedelta(minutes=80)


def test_without_event_ts_the_key_is_the_bodys_hash():
    one, two = body("meeting.started", ts=None), body("meeting.started", ts=None, topic="x")
    assert parsed(one).key == parsed(one).key != parsed(two).key


def test_a_risk_alert_keeps_where_not_the_link():
    event = parsed(body("meeting.risk_alert", armn_details={
        "post_platform": "Twitter", "social_link": "https://t.test/1",
        "meeting_url": "https://zoom.us/j/85746065432?pwd=abc"}))
    assert event.event.kind == live.RISK and event.event.where == "Twitter"
    assert "pwd" not in repr(event)


BAD = {
    "not an object": [1],
    "no event": {"payload": {}},
    "no object": {"event": "meeting.started", "payload": {}},
    "short id": body("meeting.started", id="1234"),
    "id with letters": body("meeting.started", id="85746O65432"),
    "participant event without one": body(),
    "participant without identity": body(participant={"user_name": ""}),
}


@pytest.mark.parametrize("data", BAD.values(), ids=BAD.keys())
def test_what_cannot_be_read_is_malformed(data):
    with pytest.raises(Malformed):
        parsed(data)


def test_plain_token():
    assert webhook_events.plain_token({"payload": {"plainToken": "abc"}}) == "abc"
    for bad in ({}, {"payload": {"plainToken": ""}}, {"payload": {"plainToken": 5}},
                {"payload": {"plainToken": "x" * 201}}):
        with pytest.raises(Malformed):
            webhook_events.plain_token(bad)


# --- signatures -------------------------------------------------------------------------------
SECRET = "s3cret"
RAW = b'{"event":"meeting.started"}'
T = 1_900_000_000


def zoom_sign(timestamp: str, raw: bytes = RAW, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw,
                            hashlib.sha256).hexdigest()


VERDICTS = {
    "good": ({"x-zm-request-timestamp": str(T), "x-zm-signature": zoom_sign(str(T))},
             T, ""),
    "good, 5 minutes old": ({"x-zm-request-timestamp": str(T),
                             "x-zm-signature": zoom_sign(str(T))}, T + 300, ""),
    "milliseconds": ({"x-zm-request-timestamp": str(T * 1000),
                      "x-zm-signature": zoom_sign(str(T * 1000))}, T, ""),
    "stale": ({"x-zm-request-timestamp": str(T), "x-zm-signature": zoom_sign(str(T))},
              T + 301, "stale_timestamp"),
    "from the future": ({"x-zm-request-timestamp": str(T), "x-zm-signature": zoom_sign(str(T))},
                        T - 301, "stale_timestamp"),
    "other secret": ({"x-zm-request-timestamp": str(T),
                      "x-zm-signature": zoom_sign(str(T), secret="other")}, T,
                     "invalid_signature"),
    "other body": ({"x-zm-request-timestamp": str(T),
                    "x-zm-signature": zoom_sign(str(T), raw=RAW + b" ")}, T,
                   "invalid_signature"),
    "upper-case hex": ({"x-zm-request-timestamp": str(T),
                        "x-zm-signature": zoom_sign(str(T)).upper()}, T, "invalid_signature"),
    "no signature": ({"x-zm-request-timestamp": str(T)}, T, "missing_signature"),
    "no timestamp": ({"x-zm-signature": zoom_sign(str(T))}, T, "missing_signature"),
    "timestamp with a sign": ({"x-zm-request-timestamp": f"+{T}",
                               "x-zm-signature": zoom_sign(f"+{T}")}, T, "stale_timestamp"),
    "non-ascii digits": ({"x-zm-request-timestamp": "١٢٣",
                          "x-zm-signature": zoom_sign("١٢٣")}, T, "stale_timestamp"),
}


@pytest.mark.parametrize("headers,now,error", VERDICTS.values(), ids=VERDICTS.keys())
def test_signature_verdicts(headers, now, error):
    verdict = signature.verify(SECRET, headers, RAW, now=now)
    assert (verdict.ok, verdict.error) == (not error, error)


def test_the_signature_and_token_are_zooms():
    assert signature.sign(SECRET, str(T), RAW) == zoom_sign(str(T))
    assert signature.encrypted_token(SECRET, "plain") == hmac.new(
        SECRET.encode(), b"plain", hashlib.sha256).hexdigest()
