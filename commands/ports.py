"""The ports the core and the front ends are given: a Zoom gateway and a store.

The core never imports ``bot/`` or ``storage/``; the composition root (``bot/bootstrap.py``)
passes in objects that satisfy these protocols (the real Zoom client, the SQLite or
PostgreSQL store, or a fake). Each protocol is one concern, so a reader sees what a
piece of code may touch; :class:`Store` is all of them, what every backend provides.
The records they move are in :mod:`commands.records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import (
    NO_DATA,
    Event,
    Invitation,
    MeetingId,
    MeetingRecord,
    OpenRequest,
    PendingCreate,
    Person,
    TeamsConversation,
    Timer,
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

    def warm(self) -> None:
        """Get ready for the first call (an access token) so it does not pay for it; a
        failure is raised, and the first call tries again."""
        ...


class MeetingStore(Protocol):
    """Meetings SecureMeet scheduled, their audits and the hosts' passcode fingerprints."""

    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        """Record a meeting. With ``settles``, in one transaction with clearing that
        intent: False, and nothing saved, when the intent is gone (a sweep settled it) or
        a sweep has claimed it (it may be removing the meeting right now)."""
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

    def accept(self, request: OpenRequest) -> bool:
        """Claim ``request.key`` and record the request as open, in one transaction: a
        crash leaves both or neither, so a key is never claimed without a request the
        sweep can answer. False, and nothing recorded, when the key was claimed before."""
        ...

    def accept_now(self, request: OpenRequest) -> bool | None:
        """:meth:`accept` if it can be done at once, without waiting for a lock or the
        network (the front door calls it on its event loop); None when it cannot, and
        then nothing was done."""
        ...

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

    def forget_teams_conversation(self, conversation_id: str) -> int:
        """Drop every reference to a conversation (the app was uninstalled there); how
        many were dropped."""
        ...


class ShareStore(Protocol):
    """Sharing privately: the invitations SecureMeet sent, and the hosts of the join
    links Zoom gives this account (so a link on a vanity or test host is recognised)."""

    def save_invitations(self, invitations: Sequence[Invitation]) -> None:
        """Record invitations sent (one per meeting and person; a second is a no-op)."""
        ...

    def invitations(self, meeting_id: MeetingId) -> list[Invitation]:
        """The people a meeting's invitation was sent to, in the order they were."""
        ...

    def learn_join_host(self, host: str, *, at: datetime) -> None:
        """Remember a host name seen in a ``join_url`` Zoom returned (lower case)."""
        ...

    def join_hosts(self) -> frozenset[str]:
        """Every host name learned so far."""
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


class TimerStore(Protocol):
    """Durable timers: live-duty nudges are rows with a due time, so they survive the
    replica that set them. Whichever replica polls first gets a due timer, leased to it
    alone; if it dies before :meth:`done_timer`, the timer falls due again when the lease
    runs out, and another replica fires it."""

    def set_timer(self, key: str, due_at: datetime, *,
                  data: Mapping[str, Any] = NO_DATA) -> None:
        """Create or replace (the last set wins: due time and data); a claim on the old
        timer lapses, so its holder's :meth:`done_timer` no longer removes it."""
        ...

    def clear_timer(self, key: str) -> bool:
        """Remove the timer, claimed or not; False when there was none."""
        ...

    def claim_due_timers(self, *, now: datetime, owner: str, lease: timedelta,
                         limit: int) -> list[Timer]:
        """At most ``limit`` timers due at ``now`` and not leased to another, earliest
        first; each is now ``owner``'s until ``now + lease``. No two callers ever get the
        same timer under a live lease."""
        ...

    def done_timer(self, key: str, owner: str) -> bool:
        """Remove a fired timer if ``owner`` still holds it and nobody set it again since;
        False otherwise (it stays, to fire as set)."""
        ...


class SweepStore(Protocol):
    """The recovery sweep's work, claimed with a lease so that two replicas sweeping at
    once never settle the same item (:class:`RecoveryStore` clears it afterwards)."""

    def claim_pending_creates(self, *, before: datetime, now: datetime, owner: str,
                              lease: timedelta, limit: int) -> list[PendingCreate]:
        """Intents written before ``before``, not leased to another at ``now``, oldest
        first, at most ``limit``; each is now ``owner``'s until ``now + lease``."""
        ...

    def claim_open_requests(self, *, before: datetime, now: datetime, owner: str,
                            lease: timedelta, limit: int) -> list[OpenRequest]:
        """As :meth:`claim_pending_creates`, for unanswered chat requests."""
        ...

    def release_pending(self, key: str, owner: str) -> bool:
        """Give a claimed intent back (its settling failed for now: Zoom is down), so the
        next sweep, on any replica, tries it again; False if ``owner`` did not hold it."""
        ...


class LeaseStore(Protocol):
    """A named lease: one holder at a time across replicas (say, refreshing the Zoom
    token). Not a fence: a holder that overruns its lease may overlap the next one."""

    def try_lease(self, name: str, *, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the lease until ``now + seconds``: True when it was free,
        expired, or already ``owner``'s."""
        ...

    def release_lease(self, name: str, owner: str) -> bool:
        """Give the lease up if ``owner`` holds it (False otherwise)."""
        ...


class SharedStore(Protocol):
    """A small value every replica reads (the Zoom token). The caller encrypts it first:
    the store keeps bytes, and tokens are never stored in clear."""

    def put_shared(self, name: str, value: bytes, *, expires_at: datetime) -> None: ...

    def get_shared(self, name: str) -> tuple[bytes, datetime] | None:
        """The value and its expiry (past or not: the caller decides); None if unset."""
        ...


class RateStore(Protocol):
    """A rate budget all replicas share (Zoom's limits are per account)."""

    def take_rate(self, bucket: str, *, rate: float, burst: int, now: datetime) -> float:
        """A token bucket of ``burst`` tokens refilled at ``rate`` per second: 0 when a
        call may go now (and it is counted), else the seconds to wait before asking
        again (nothing counted)."""
        ...


class Store(MeetingStore, EventStore, ClaimStore, RecoveryStore, PeopleStore,
            ConversationStore, ShareStore, LiveStore, TimerStore, SweepStore, LeaseStore,
            SharedStore, RateStore, Protocol):
    """Everything SecureMeet keeps: what every storage backend provides."""

    backend: str
    """``sqlite`` or ``postgresql``."""

    def ready(self) -> tuple[bool, str]:
        """Whether the database answers and its schema is current, and why not (for
        ``GET /readyz``); never raises, never names a password."""
        ...

    def close(self) -> None: ...
