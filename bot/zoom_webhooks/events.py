"""Zoom's webhook JSON → :class:`commands.live.LiveEvent` (pure; no I/O).

The shape (research/zoom.md §4b)::

    {"event": "meeting.participant_joined", "event_ts": 1700000000123,
     "payload": {"account_id": "…", "object": {
        "id": "85746065432",            ← a STRING here (an integer in the REST API)
        "uuid": "4444AAAiAAAAAiAiAiiAii==", "host_id": "…", "topic": "…",
        "participant": {"participant_uuid": "…", "user_id": "16778240", "id": "…",
                        "user_name": "…", "join_time": "…"}}}}

A participant is known by ``participant_uuid`` (the same in the waiting room and in
the meeting), else ``user_id`` (per meeting; empty in the waiting room), ``id`` (the
Zoom user, for signed-in people) or the display name. The host is the participant
whose ``id`` is the meeting's ``host_id``.

Each delivery gets a de-duplication key, ``zoom:{event}:{uuid}:{participant}:{event_ts}``
(Zoom's retries carry the same payload), claimed in the database before it changes
anything, so a retried event is handled once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from commands import live

EVENTS: dict[str, str] = {
    "meeting.started": live.STARTED,
    "meeting.participant_joined": live.JOINED,
    "meeting.participant_joined_waiting_room": live.WAITING,
    "meeting.participant_put_in_waiting_room": live.WAITING,
    "meeting.participant_admitted": live.ADMITTED,
    "meeting.participant_left_waiting_room": live.LEFT_WAITING,
    "meeting.participant_left": live.LEFT,
    "meeting.ended": live.ENDED,
    "meeting.risk_alert": live.RISK,
}
URL_VALIDATION = "endpoint.url_validation"
KEY_MAX = 200  # characters of any one identifier we keep
FUTURE_SLACK = timedelta(minutes=5)


class Malformed(ValueError):
    """The body is JSON but not a Zoom event we can read (→ HTTP 400)."""


@dataclass(frozen=True)
class ZoomEvent:
    name: str  # Zoom's event name
    meeting_id: int
    uuid: str  # the meeting instance (falls back to "id:<meeting id>")
    topic: str
    event: live.LiveEvent
    key: str  # de-duplication key


def parse(data: Any, *, raw: bytes, now: datetime) -> ZoomEvent | None:
    """A meeting event we handle, or None for any other event (acknowledged, ignored)."""
    if not isinstance(data, Mapping):
        raise Malformed("The body is not a JSON object.")
    name = data.get("event")
    if not isinstance(name, str):
        raise Malformed("The body has no event name.")
    kind = EVENTS.get(name)
    if kind is None:
        return None
    payload = data.get("payload")
    obj = payload.get("object") if isinstance(payload, Mapping) else None
    if not isinstance(obj, Mapping):
        raise Malformed("The event has no payload.object.")
    meeting_id = _meeting_id(obj.get("id"))
    uuid = _text(obj.get("uuid")) or f"id:{meeting_id}"
    ts = data.get("event_ts")
    at = _when(ts) or now
    if at > now + FUTURE_SLACK:
        at = now  # a clock far ahead of ours would only postpone every nudge
    participant = None
    if kind in live.PARTICIPANT_KINDS:
        participant = _participant(obj.get("participant"), host_id=_text(obj.get("host_id")))
    where = ""
    if kind == live.RISK:
        details = obj.get("armn_details")
        if isinstance(details, Mapping):
            where = _text(details.get("post_platform"))[:40]
    event = live.LiveEvent(kind, at, participant, where=where)
    stamp = str(ts) if isinstance(ts, int) and not isinstance(ts, bool) else \
        "h" + hashlib.sha256(raw).hexdigest()[:24]
    key = f"zoom:{name}:{uuid}:{participant.key if participant else ''}:{stamp}"
    return ZoomEvent(name, meeting_id, uuid, _text(obj.get("topic"))[:200], event, key)


def plain_token(data: Any) -> str:
    """``payload.plainToken`` of an ``endpoint.url_validation`` request."""
    payload = data.get("payload") if isinstance(data, Mapping) else None
    token = payload.get("plainToken") if isinstance(payload, Mapping) else None
    if not isinstance(token, str) or not token or len(token) > KEY_MAX:
        raise Malformed("endpoint.url_validation needs payload.plainToken.")
    return token


def _meeting_id(value: Any) -> int:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and 9 <= len(text) <= 12):
        raise Malformed("payload.object.id is not a Zoom meeting ID.")
    return int(text)


def _participant(value: Any, *, host_id: str) -> live.Participant:
    if not isinstance(value, Mapping):
        raise Malformed("A participant event needs payload.object.participant.")
    zoom_id = _text(value.get("id"))
    key = (_text(value.get("participant_uuid")) or _text(value.get("user_id")) or zoom_id
           or _text(value.get("user_name")))
    if not key:
        raise Malformed("The participant has no identity.")
    return live.Participant(key=key, name=_text(value.get("user_name")),
                            is_host=bool(host_id) and zoom_id == host_id)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()[:KEY_MAX]


def _when(ts: Any) -> datetime | None:
    """``event_ts`` is Unix milliseconds."""
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        return None
    try:
        return datetime.fromtimestamp(ts / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
