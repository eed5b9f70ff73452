"""The ports the core is given: a Zoom gateway and a store.

The core never imports ``bot/`` or ``storage/``; front ends pass in objects that
satisfy these protocols (the real Zoom client or the emulator-backed one, the SQLite
store). Keeping them narrow is what lets a PostgreSQL store or a fake stand in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from commands.stats_model import StatsFigures

if TYPE_CHECKING:  # commands.live imports Event from here
    from commands.live import LiveState, TimelineEntry, Watch

MeetingId = int
Json = dict[str, Any]


class ZoomGateway(Protocol):
    """What the core needs from Zoom's REST API (v2). Raises ``commands.errors.ZoomError``s.

    Dicts are Zoom's JSON objects, as documented in Zoom's Meeting API spec.
    ``user`` is a Zoom user id or email.
    """

    def create_meeting(self, user: str, body: Mapping[str, Any]) -> Json: ...

    def get_meeting(self, meeting_id: MeetingId) -> Json: ...

    def update_meeting(self, meeting_id: MeetingId, body: Mapping[str, Any]) -> None: ...

    def delete_meeting(self, meeting_id: MeetingId) -> None: ...

    def end_meeting(self, meeting_id: MeetingId) -> None: ...

    def list_meetings(self, user: str, kind: str = "upcoming") -> list[Json]: ...

    def get_user(self, user: str) -> Json: ...

    def get_user_settings(self, user: str) -> Json: ...

    def update_user_settings(self, user: str, body: Mapping[str, Any]) -> None: ...

    def get_account_lock_settings(self) -> Json: ...


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


class Store(Protocol):
    """The storage the core uses. SQLite today; the protocol keeps it swappable."""

    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        """Record a meeting. With ``settles``, in one transaction with clearing that
        intent: False, and nothing saved, when the intent is gone (a sweep settled it)."""
        ...

    def get_meeting(self, meeting_id: MeetingId) -> MeetingRecord | None: ...

    def meetings_for(self, host_email: str, *, since: datetime) -> list[MeetingRecord]: ...

    def add_event(self, event: Event) -> None: ...

    def events(
        self, *, since: datetime | None = None, kinds: Iterable[str] = ()
    ) -> list[Event]: ...

    def claim(self, key: str, *, at: datetime) -> bool:
        """Record ``key`` once; False when it was already claimed (de-duplication)."""
        ...

    def add_pending(self, pending: PendingCreate) -> None: ...

    def clear_pending(self, key: str) -> bool:
        """Remove an intent; False when it was already gone (another sweep had it)."""
        ...

    def pending_creates(self, *, before: datetime) -> list[PendingCreate]:
        """Intents written before ``before`` and never cleared, oldest first."""
        ...

    def open_request(self, request: OpenRequest) -> None: ...

    def close_request(self, key: str) -> bool:
        """Remove a request; False when it was already gone (another sweep had it)."""
        ...

    def open_requests(self, *, before: datetime) -> list[OpenRequest]:
        """Requests opened before ``before`` and never closed, oldest first."""
        ...

    def passcode_fingerprints(self, host_email: str) -> set[str]:
        """Salted hashes of the host's earlier passcodes (never the passcodes)."""
        ...

    def add_passcode_fingerprint(self, host_email: str, fingerprint: str) -> None: ...

    def add_audit(self, meeting_id: MeetingId, actor: str, at: datetime, level: str,
                  compliant: bool, results: dict[str, str]) -> None:
        """One audit: each rule id → its ``Status`` value (``done``, ``fail``, …); no secrets."""
        ...

    def stats(self, *, since: datetime | None, until: datetime) -> StatsFigures:
        """Figures for the UTC days from ``since``'s to ``until``'s, both inclusive
        (``since=None``: from the first record). See :mod:`commands.stats_model`."""
        ...


class LiveStore(Protocol):
    """What live host duties (Zoom webhooks) need besides :class:`Store`; see
    ``storage/live.py``. A save is a compare-and-set on ``version`` that also claims the
    webhook's de-duplication key, all in one transaction."""

    def live_watch(self, meeting_id: MeetingId) -> Watch | None:
        """Whom to nudge: who scheduled the meeting, else who last audited it; None when
        SecureMeet neither scheduled nor audited it (its events are ignored)."""
        ...

    def live_state(self, uuid: str) -> tuple[LiveState | None, int]:
        """The instance's state and version (0: none yet)."""
        ...

    def live_save(self, state: LiveState, *, version: int, claim: str | None, at: datetime,
                  timeline: Sequence[TimelineEntry] = (), events: Sequence[Event] = ()) -> str:
        """``"saved"``, ``"duplicate"`` (claim taken, nothing changed) or ``"conflict"``."""
        ...

    def live_open(self, *, since: datetime) -> list[LiveState]: ...
