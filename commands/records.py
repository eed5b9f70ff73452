"""What the core stores and reads back: plain, frozen records, never a secret.

They travel between the core (``commands/``), the stores (``storage/``) and the front
ends; the protocols that move them are in :mod:`commands.ports`. No passcode, start URL
or token is ever a field here: passcode reuse is detected through keyed fingerprints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

MeetingId = int

# What a compare-and-set save can answer (live meetings): applied; its de-duplication
# claim was taken already (nothing changed); someone saved first (reload and retry).
SAVED, DUPLICATE, CONFLICT = "saved", "duplicate", "conflict"

# An empty, read-only mapping: the default ``data`` of a timer.
NO_DATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class MeetingRecord:
    """What we keep about a meeting: never its passcode, start URL or tokens."""

    meeting_id: MeetingId
    host_email: str
    requester: str  # chat user id, e.g. "slack:T1:U1" or "console:alice@example.com"
    platform: str  # slack | teams | console
    topic: str
    start_time: datetime | None
    duration_min: int
    timezone: str
    recurrence: str | None
    policy_level: str
    policy_version: str
    compliant: bool
    failed_rules: tuple[str, ...]
    created_at: datetime
    sandbox: bool = False
    join_url_public: str = ""  # join URL with any ?pwd= stripped


@dataclass(frozen=True)
class Event:
    """One thing that happened, for stats and the audit trail. No secrets in ``data``."""

    kind: str  # schedule | audit | fix | end | refusal | parse_failure | error | webhook ...
    at: datetime
    actor: str = ""
    platform: str = ""
    meeting_id: MeetingId | None = None
    outcome: str = "ok"
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingCreate:
    """A create SecureMeet is about to ask Zoom for, written down first: if the process
    dies before the meeting is recorded, a sweep finds the meeting Zoom made (the host's,
    with this topic and a passcode with this keyed ``fingerprint``) and removes it.
    Never the passcode itself."""

    key: str
    host_email: str
    topic: str
    fingerprint: str
    requester: str
    platform: str
    at: datetime


@dataclass(frozen=True)
class OpenRequest:
    """A chat request a front end has claimed and not yet answered. If the process dies
    first, the sweep tells the requester (``commands/recovery.py``). The command word
    only: never the text."""

    key: str
    requester: str
    platform: str
    command: str
    at: datetime


@dataclass(frozen=True)
class Person:
    """A chat user as the platform told us, cached with ``fetched_at``."""

    user: str  # "slack:T1:U1", "teams:<aad id>", "console:<email>"
    email: str
    tz: str
    is_admin: bool
    name: str = ""
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class TeamsConversation:
    """Where the Teams bot can reach a user later (a Bot Framework conversation
    reference): the conversation, the service URL to post to, the tenant, the user's
    Teams id (``29:…``) and the bot's (``28:…``). Nothing secret."""

    conversation_id: str
    user: str  # "teams:<aad object id>", or "" for an installation seen without a user
    kind: str  # personal | groupChat | channel
    service_url: str
    tenant_id: str = ""
    member_id: str = ""  # the user's Teams id in this conversation, "29:…"
    bot_id: str = ""  # the bot's id, "28:<app id>"
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Timer:
    """A durable timer (a live-duty nudge, say): due at ``due_at``, claimed by whichever
    replica polls first (:class:`commands.ports.TimerStore`). ``data`` says what to do
    when it fires: plain JSON values, never a secret."""

    key: str
    due_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Invitation:
    """Someone SecureMeet sent a meeting's invitation to, privately: who (their chat
    id), their email, name and zone. Kept so that a move or a cancel reaches them too,
    and so that they may add the meeting to their calendar. Never the passcode."""

    meeting_id: MeetingId
    user: str  # "slack:T1:U2", "teams:<aad>"
    email: str = ""
    name: str = ""
    tz: str = ""
    at: datetime | None = None
