"""The ports the core and the front ends are given: a Zoom gateway and a store.

The core never imports ``bot/`` or ``storage/``; the composition root (``bot/bootstrap.py``)
passes in objects that satisfy these protocols (the real Zoom client, the SQLite or
PostgreSQL store, or a fake). Each protocol is one concern, so a reader sees what a
piece of code may touch; :class:`Store` is all of them, what every backend provides.
The records they move are in :mod:`commands.records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import (
    Event,
    MeetingId,
    MeetingRecord,
    OpenRequest,
    PendingCreate,
    Person,
    TeamsConversation,
)
from commands.stats_model import StatsFigures

Json = dict[str, Any]


class ZoomGateway(Protocol):
    """What the core needs from Zoom's REST API (v2). Raises ``commands.errors.ZoomError``s.

    Dicts are Zoom's JSON objects, as documented in Zoom's Meeting API spec.
    ``user`` is a Zoom user id or email.
    """

    def create_meeting(self, user: str, body: Mapping[str, Any]) -> Json: ...

    def get_meeting(self, meeting_id: MeetingId) -> Json: ...

    def update_meeting(self, meeting_id: MeetingId, body: Mapping[str, Any], *,
                       occurrence_id: str | None = None) -> None:
        """PATCH; with ``occurrence_id``, only that occurrence of a recurring meeting
        (Zoom allows its start_time, duration, agenda and a few settings)."""
        ...

    def delete_meeting(self, meeting_id: MeetingId, *, occurrence_id: str | None = None,
                       schedule_for_reminder: bool | None = None,
                       cancel_meeting_reminder: bool | None = None) -> None:
        """DELETE; with ``occurrence_id``, only that occurrence. Zoom refuses a meeting in
        progress (``ZoomBadRequest``, code 3002): end it first."""
        ...

    def end_meeting(self, meeting_id: MeetingId) -> None: ...

    def list_meetings(self, user: str, kind: str = "upcoming") -> list[Json]: ...

    def get_user(self, user: str) -> Json: ...

    def get_user_settings(self, user: str) -> Json: ...

    def update_user_settings(self, user: str, body: Mapping[str, Any]) -> None: ...

    def get_account_lock_settings(self) -> Json: ...


class MeetingStore(Protocol):
    """Meetings SecureMeet scheduled, their audits and the hosts' passcode fingerprints."""

    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        """Record a meeting. With ``settles``, in one transaction with clearing that
        intent: False, and nothing saved, when the intent is gone (a sweep settled it)."""
        ...

    def get_meeting(self, meeting_id: MeetingId) -> MeetingRecord | None: ...

    def meetings_for(self, host_email: str, *, since: datetime) -> list[MeetingRecord]: ...

    def add_audit(self, meeting_id: MeetingId, actor: str, at: datetime, level: str,
                  compliant: bool, results: dict[str, str]) -> None:
        """One audit: each rule id → its ``Status`` value (``done``, ``fail``, …); no secrets."""
        ...

    def passcode_fingerprints(self, host_email: str) -> set[str]:
        """Salted hashes of the host's earlier passcodes (never the passcodes)."""
        ...

    def add_passcode_fingerprint(self, host_email: str, fingerprint: str) -> None: ...


class EventStore(Protocol):
    """The audit trail and what the stats count."""

    def add_event(self, event: Event) -> None: ...

    def events(
        self, *, since: datetime | None = None, kinds: Iterable[str] = ()
    ) -> list[Event]: ...

    def stats(self, *, since: datetime | None, until: datetime) -> StatsFigures:
        """Figures for the UTC days from ``since``'s to ``until``'s, both inclusive
        (``since=None``: from the first record). See :mod:`commands.stats_model`."""
        ...


class ClaimStore(Protocol):
    """De-duplication: a key claimed once, whichever process or replica asks."""

    def claim(self, key: str, *, at: datetime) -> bool:
        """Record ``key`` once; False when it was already claimed."""
        ...


class RecoveryStore(Protocol):
    """Work that must survive a crash: creates asked of Zoom, requests not yet answered."""

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


class PeopleStore(Protocol):
    """Chat users' profiles as their platform reported them, cached."""

    def get_person(self, user: str) -> Person | None: ...

    def save_person(self, person: Person) -> None: ...


class ConversationStore(Protocol):
    """Where the Teams bot can reach a user later."""

    def save_teams_conversation(self, ref: TeamsConversation) -> None: ...

    def teams_conversations(self, user: str) -> list[TeamsConversation]:
        """The user's conversations, 1:1 chats first, then the most recently used."""
        ...

    def teams_users_with_email(self, email: str) -> list[str]:
        """Teams users (``teams:…``) whose cached profile has ``email``."""
        ...


class LiveStore(Protocol):
    """What live host duties (Zoom webhooks) need. A save is a compare-and-set on
    ``version`` that also claims the webhook's de-duplication key, in one transaction."""

    def live_watch(self, meeting_id: MeetingId) -> Watch | None:
        """Whom to nudge: who scheduled the meeting, else who last audited it; None when
        SecureMeet neither scheduled nor audited it (its events are ignored)."""
        ...

    def live_state(self, uuid: str) -> tuple[LiveState | None, int]:
        """The instance's state and version (0: none yet)."""
        ...

    def live_save(self, state: LiveState, *, version: int, claim: str | None, at: datetime,
                  timeline: Sequence[TimelineEntry] = (), events: Sequence[Event] = ()) -> str:
        """``SAVED``, ``DUPLICATE`` (claim taken, nothing changed) or ``CONFLICT``
        (:mod:`commands.records`)."""
        ...

    def live_open(self, *, since: datetime) -> list[LiveState]: ...

    def timeline(self, meeting_id: MeetingId) -> list[dict[str, Any]]: ...


class Store(MeetingStore, EventStore, ClaimStore, RecoveryStore, PeopleStore,
            ConversationStore, LiveStore, Protocol):
    """Everything SecureMeet keeps: what every storage backend provides."""

    def close(self) -> None: ...
