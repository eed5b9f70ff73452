"""Live host duties: what a running meeting needs from its host, decided from Zoom's events.

Two of the advisory's rules can only be kept during the meeting, and no REST call does
them: lock the meeting once everyone is in, and end it for all rather than leave. So
SecureMeet watches Zoom's webhooks for the meetings it scheduled or audited and nudges
the host by direct message at the right moment. This module is the pure part: state in,
state and decisions out; no clock (``now`` is an argument), no I/O. The adapter is
``bot/zoom_webhooks/live_runner.py``; the wire format is parsed in ``bot/zoom_webhooks/events.py``.

The cycle, per event and per timer::

    state = observe(state, event, meeting_id=…, uuid=…)   # what is true now
    state, nudges = decide(state, now, settings)          # what to tell the host now
    when = next_check(state, settings)                    # when to ask decide() again

``decide`` marks what it returns as sent, so the caller saves the state *before* sending
(at most once: a crash in between loses a nudge, never repeats one).

Participants are tracked by identity, not counted, so Zoom's retries and out-of-order
deliveries cannot drift the figures: each person has one seat (``in`` | ``waiting`` |
``out``) and the time of the latest event that moved it; an older event is ignored.

Nudges (each at most once per cause, see :class:`LiveSettings` for the timings):

``waiting``    people are in the waiting room: "2 waiting in the waiting room — admit
               only people you expect". At most one per ``waiting_interval`` per
               meeting; arrivals in between are batched into the next one's count.
``lock``       joins have settled: at least ``lock_min_participants`` in, the host among
               them, nobody waiting, no arrival for ``quiet_seconds`` → "5 in, 0 waiting —
               everyone seems to be here: lock the meeting". Again only after new
               arrivals (the host's own return is not one), and at most
               ``lock_nudges_max`` times per meeting.
``host_left``  the host left while others stayed, and is still away after
               ``host_left_grace`` (a dropped connection often comes back) → "the meeting
               is still running — End meeting for all", with the end button.
``risk``       Zoom's ``meeting.risk_alert`` (the link was posted publicly) → a warning
               and a "Rotate passcode" button, at once; further alerts within
               ``risk_interval`` of a warning are covered by it. The button is the audit
               command's fix for rule ``passcode``, ``fix <ID> passcode confirm`` (its
               dialog is the confirmation, as for host-wide fixes): a leaked passcode
               needs replacing even when it is strong.

Ended for all (what the stats count; decided once, when ``meeting.ended`` arrives):
the meeting was **ended for all** when (a) SecureMeet's end command or button ended
it, or (b) the host was still in when it ended — in, or gone at most ``end_window``
seconds before the end (Zoom sends everyone's ``participant_left`` around the end, in
any order), or (c) the host left when nobody else was in (the host was the last one:
nothing was left running). It was **left running** when the host left others in a
meeting that went on for longer than ``end_window`` without them (it ended when the
last person left, or Zoom ended it), or when the host never joined at all. When
SecureMeet saw nobody in the meeting (webhooks turned on mid-meeting, say) it records
the end without a verdict, and the stats do not count it either way.

DMs never carry the passcode, a join link or a start URL: a risk alert names only where
the link was posted, never the link itself (it may carry ``?pwd=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from commands.meeting_ref import format_meeting_id
from commands.records import Event
from commands.reply import Action, Fact, Reply

# What Zoom's events become (bot/zoom_webhooks/events.py maps the names).
STARTED = "started"
JOINED = "joined"  # meeting.participant_joined
WAITING = "waiting"  # meeting.participant_joined_waiting_room / put_in_waiting_room
ADMITTED = "admitted"  # meeting.participant_admitted
LEFT_WAITING = "left_waiting"  # meeting.participant_left_waiting_room
LEFT = "left"  # meeting.participant_left
ENDED = "ended"
RISK = "risk"  # meeting.risk_alert
KINDS = (STARTED, JOINED, WAITING, ADMITTED, LEFT_WAITING, LEFT, ENDED, RISK)
PARTICIPANT_KINDS = (JOINED, WAITING, ADMITTED, LEFT_WAITING, LEFT)

IN, OUT = "in", "out"  # seat places, with WAITING

NAMES_SHOWN = 5  # waiting-room names in one nudge
NAME_MAX = 40  # characters of a display name (Zoom's, so a stranger's: cut, never trusted)


@dataclass(frozen=True)
class LiveSettings:
    """Timings, in seconds. ``quiet_seconds`` is ``SECUREMEET_LOCK_QUIET_SECONDS``."""

    quiet_seconds: float = 120.0  # no arrival for this long → "lock the meeting"
    lock_min_participants: int = 2  # in the meeting (the host counts) before a lock nudge
    lock_nudges_max: int = 2  # lock nudges per meeting at most
    waiting_interval: float = 60.0  # waiting-room nudges at most one per this, per meeting
    host_left_grace: float = 30.0  # the host away this long while others stay → nudge
    risk_interval: float = 600.0  # risk-alert nudges at most one per this, per meeting
    end_window: float = 60.0  # the host gone at most this long before the end: "for all"


@dataclass(frozen=True)
class Participant:
    key: str  # participant_uuid, else Zoom's per-meeting user_id, id, or name
    name: str = ""
    is_host: bool = False


@dataclass(frozen=True)
class LiveEvent:
    kind: str  # one of KINDS
    at: datetime  # when Zoom says it happened (event_ts)
    participant: Participant | None = None
    by_securemeet: bool = False  # ENDED: SecureMeet's end command or button ended it
    where: str = ""  # RISK: where the link was posted ("Twitter"), never the link


@dataclass(frozen=True)
class Seat:
    place: str  # in | waiting | out
    at: datetime  # the latest event that moved this participant
    is_host: bool = False
    name: str = ""  # kept only while waiting (the host sees who is knocking)


@dataclass(frozen=True)
class LiveState:
    """One meeting instance (Zoom's ``uuid``) as SecureMeet has seen it."""

    meeting_id: int
    uuid: str
    first_seen_at: datetime
    topic: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    ended_for_all: bool | None = None
    seats: Mapping[str, Seat] = field(default_factory=dict)
    peak: int = 0
    host_seen: bool = False
    last_arrival_at: datetime | None = None  # latest join or waiting-room arrival
    waiting_arrival_at: datetime | None = None  # latest waiting-room arrival
    host_left_at: datetime | None = None  # others in without the host since then
    waiting_nudged_at: datetime | None = None
    lock_nudged_at: datetime | None = None
    lock_nudges: int = 0
    host_left_nudged_at: datetime | None = None
    risk_at: datetime | None = None
    risk_where: str = ""
    risk_nudged_at: datetime | None = None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def in_count(self) -> int:
        return sum(1 for s in self.seats.values() if s.place == IN)

    @property
    def waiting_count(self) -> int:
        return sum(1 for s in self.seats.values() if s.place == WAITING)

    @property
    def host_in(self) -> bool:
        return any(s.place == IN and s.is_host for s in self.seats.values())

    @property
    def others_in(self) -> int:
        return sum(1 for s in self.seats.values() if s.place == IN and not s.is_host)

    def waiting_names(self) -> list[str]:
        seats = sorted((s for s in self.seats.values() if s.place == WAITING),
                       key=lambda s: s.at)
        return [s.name for s in seats if s.name]

    # plain data for the store (which encodes it as JSON) ------------------------------
    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: _dump(getattr(self, name)) for name in _SCALARS
        }
        data["seats"] = {k: [s.place, _dump(s.at), int(s.is_host), s.name]
                         for k, s in self.seats.items()}
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LiveState:
        values: dict[str, Any] = {}
        for name in _SCALARS:
            value = data.get(name)
            values[name] = _load(value) if name in _TIMES else value
        seats = {k: Seat(v[0], _load(v[1]), bool(v[2]), v[3] or "")
                 for k, v in (data.get("seats") or {}).items()}
        values = {k: v for k, v in values.items() if v is not None}
        return cls(seats=seats, **values)


_TIMES = ("first_seen_at", "started_at", "ended_at", "last_arrival_at", "waiting_arrival_at",
          "host_left_at", "waiting_nudged_at", "lock_nudged_at", "host_left_nudged_at",
          "risk_at", "risk_nudged_at")
_SCALARS = ("meeting_id", "uuid", "topic", "ended_for_all", "peak", "host_seen",
            "lock_nudges", "risk_where", *_TIMES)


def _dump(value: Any) -> Any:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def _load(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Watch:
    """Whom to nudge about a meeting: who scheduled it, else who last audited it (audit
    is open only to the host, an alternative host or an admin)."""

    requester: str  # "slack:T1:U1", "teams:<aad>", "console:<email>"
    platform: str
    topic: str = ""
    source: str = "scheduled"  # scheduled | audited


@dataclass(frozen=True)
class Nudge:
    kind: str  # waiting | lock | host_left | risk
    in_count: int = 0
    waiting_count: int = 0
    names: tuple[str, ...] = ()
    where: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a meeting's timeline (stored; no names, no secrets)."""

    at: datetime
    kind: str  # started | risk_alert | nudge | ended
    data: Mapping[str, Any] = field(default_factory=dict)


# -- observe -----------------------------------------------------------------------------

def observe(state: LiveState | None, event: LiveEvent, *, meeting_id: int, uuid: str,
            topic: str = "", settings: LiveSettings | None = None) -> LiveState:
    """The state after ``event``. An instance that has ended takes no more participant
    events (late retries); a risk alert is still taken (the link is still out there)."""
    settings = settings or LiveSettings()
    if state is None:
        state = LiveState(meeting_id=meeting_id, uuid=uuid, first_seen_at=event.at,
                          topic=topic)
    elif topic and not state.topic:
        state = replace(state, topic=topic)
    if event.kind == RISK:
        if state.risk_at is None or event.at > state.risk_at:
            state = replace(state, risk_at=event.at, risk_where=event.where or state.risk_where)
        return state
    if state.ended:
        return state
    if event.kind == STARTED:
        started = event.at if state.started_at is None else min(state.started_at, event.at)
        return replace(state, started_at=started)
    if event.kind == ENDED:
        return _end(state, event, settings)
    if event.kind in PARTICIPANT_KINDS and event.participant is not None:
        return _move(state, event, event.participant)
    return state


def _move(state: LiveState, event: LiveEvent, who: Participant) -> LiveState:
    seat = state.seats.get(who.key)
    if seat is not None and seat.at > event.at:
        return state  # an older event delivered late: the seat already moved past it
    is_host = who.is_host or (seat is not None and seat.is_host)
    place = {JOINED: IN, ADMITTED: IN, WAITING: WAITING, LEFT: OUT,
             LEFT_WAITING: OUT}[event.kind]
    if event.kind == LEFT_WAITING and seat is not None and seat.place != WAITING:
        return state  # left the waiting room into the meeting: the join says so
    name = _clean_name(who.name) if place == WAITING else ""
    seats = dict(state.seats)
    seats[who.key] = Seat(place, event.at, is_host, name)
    new = replace(state, seats=seats)
    arrived = place in (IN, WAITING) and (seat is None or seat.place != place)
    if arrived and not is_host:  # an admission is an arrival too; the host's return is not
        new = replace(new, last_arrival_at=_later(new.last_arrival_at, event.at))
        if place == WAITING:
            new = replace(new, waiting_arrival_at=_later(new.waiting_arrival_at, event.at))
    if place == IN:
        new = replace(new, peak=max(new.peak, new.in_count))
        if is_host:
            new = replace(new, host_seen=True, host_left_at=None)
    # Others in without the host: since when (the host left them, or they came later).
    if new.host_seen and not new.host_in:
        if new.others_in and new.host_left_at is None:
            new = replace(new, host_left_at=event.at)
    return new


def _end(state: LiveState, event: LiveEvent, settings: LiveSettings) -> LiveState:
    return replace(state, ended_at=event.at,
                   ended_for_all=ended_for_all(state, event.at, by_securemeet=event.by_securemeet,
                                               settings=settings),
                   seats={k: replace(s, name="") for k, s in state.seats.items()})


def ended_for_all(state: LiveState, at: datetime, *, by_securemeet: bool,
                  settings: LiveSettings) -> bool | None:
    """See the module docstring: (a) SecureMeet ended it, (b) the host was (about) in at
    the end, (c) the host was the last one in; otherwise it was left running. None: we
    saw nobody in it (e.g. webhooks turned on mid-meeting), so we cannot say."""
    if by_securemeet:
        return True
    if not state.seats:
        return None
    if not state.host_seen:
        return False
    if state.host_in or state.host_left_at is None:
        return True
    return (at - state.host_left_at).total_seconds() <= settings.end_window


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


# -- decide ------------------------------------------------------------------------------

def due(state: LiveState, settings: LiveSettings) -> dict[str, datetime]:
    """Each nudge that is owed, and from when it may be sent."""
    owed: dict[str, datetime] = {}
    if state.risk_at is not None and (
            state.risk_nudged_at is None
            or state.risk_at >= state.risk_nudged_at + timedelta(seconds=settings.risk_interval)):
        owed["risk"] = state.risk_at  # alerts soon after a warning are covered by it
    if state.ended:
        return owed
    if state.waiting_count and state.waiting_arrival_at is not None and (
            state.waiting_nudged_at is None
            or state.waiting_arrival_at > state.waiting_nudged_at):
        owed["waiting"] = (_after(state.waiting_nudged_at, settings.waiting_interval)
                           or state.waiting_arrival_at)
    if (state.host_in and not state.waiting_count
            and state.in_count >= settings.lock_min_participants
            and state.lock_nudges < settings.lock_nudges_max
            and state.last_arrival_at is not None
            and (state.lock_nudged_at is None or state.last_arrival_at > state.lock_nudged_at)):
        owed["lock"] = state.last_arrival_at + timedelta(seconds=settings.quiet_seconds)
    if (state.host_left_at is not None and not state.host_in and state.in_count
            and (state.host_left_nudged_at is None
                 or state.host_left_nudged_at < state.host_left_at)):
        owed["host_left"] = state.host_left_at + timedelta(seconds=settings.host_left_grace)
    return owed


def _after(moment: datetime | None, seconds: float) -> datetime | None:
    return None if moment is None else moment + timedelta(seconds=seconds)


def decide(state: LiveState, now: datetime,
           settings: LiveSettings) -> tuple[LiveState, tuple[Nudge, ...]]:
    """The nudges due at ``now``, and the state that records them as sent."""
    nudges: list[Nudge] = []
    for kind, when in sorted(due(state, settings).items(), key=lambda kv: _ORDER[kv[0]]):
        if when > now:
            continue
        if kind == "risk":
            nudges.append(Nudge("risk", where=state.risk_where))
            state = replace(state, risk_nudged_at=now)
        elif kind == "waiting":
            names = state.waiting_names()
            nudges.append(Nudge("waiting", state.in_count, state.waiting_count,
                                tuple(names[:NAMES_SHOWN])))
            state = replace(state, waiting_nudged_at=now)
        elif kind == "lock":
            nudges.append(Nudge("lock", state.in_count, state.waiting_count))
            state = replace(state, lock_nudged_at=now, lock_nudges=state.lock_nudges + 1)
        elif kind == "host_left":
            nudges.append(Nudge("host_left", state.in_count))
            state = replace(state, host_left_nudged_at=now)
    return state, tuple(nudges)


_ORDER = {"risk": 0, "host_left": 1, "waiting": 2, "lock": 3}


def next_check(state: LiveState, now: datetime, settings: LiveSettings) -> datetime | None:
    """When :func:`decide` could next have something to say (None: only a new event can)."""
    later = [when for when in due(state, settings).values() if when > now]
    return min(later) if later else None


# -- what is recorded ----------------------------------------------------------------------

def records(before: LiveState | None, after: LiveState, nudges: tuple[Nudge, ...], *,
            now: datetime, event: LiveEvent | None = None, platform: str = ""
            ) -> tuple[tuple[TimelineEntry, ...], tuple[Event, ...]]:
    """Timeline lines and stats events for one step (``event`` is None for a timer)."""
    lines: list[TimelineEntry] = []
    events: list[Event] = []
    mid = after.meeting_id
    if after.started_at is not None and (before is None or before.started_at is None):
        lines.append(TimelineEntry(after.started_at, "started"))
        events.append(Event("meeting_started", after.started_at, "zoom", platform, mid,
                            "started", {}))
    if event is not None and event.kind == RISK and after.risk_at == event.at and (
            before is None or before.risk_at != event.at):
        lines.append(TimelineEntry(event.at, "risk_alert", {"where": event.where}))
    for nudge in nudges:
        lines.append(TimelineEntry(now, "nudge", {
            "kind": nudge.kind, "in": nudge.in_count, "waiting": nudge.waiting_count}))
    if after.ended_at is not None and (before is None or before.ended_at is None):
        data = {"ended_for_all": after.ended_for_all, "peak": after.peak}
        lines.append(TimelineEntry(after.ended_at, "ended", {
            **data, "by_securemeet": bool(event and event.by_securemeet)}))
        if after.ended_for_all is not None:  # no verdict, no count in the stats
            events.append(Event("meeting_ended", after.ended_at, "zoom", platform, mid,
                                "ended_for_all" if after.ended_for_all else "left_running",
                                data))
    return tuple(lines), tuple(events)


# -- what the host reads -------------------------------------------------------------------

def nudge_reply(nudge: Nudge, state: LiveState, *, sandbox: bool = False) -> Reply:
    """The direct message for one nudge. No passcode, join link or start URL, ever."""
    meeting = Fact("Meeting", _label(state))
    if nudge.kind == "waiting":
        n = nudge.waiting_count
        facts = [meeting]
        if nudge.names:
            more = n - len(nudge.names)
            facts.append(Fact("Waiting", ", ".join(nudge.names)
                              + (f" and {more} more" if more > 0 else "")))
        return Reply(
            title=f"👋 {n} waiting in the waiting room — admit only people you expect",
            text=(f"{_people(nudge.in_count)} in the meeting. In Zoom: Participants → "
                  "Waiting Room → Admit. Anyone you don't recognise: leave them waiting, "
                  "or Remove."),
            facts=tuple(facts), sandbox=sandbox)
    if nudge.kind == "lock":
        return Reply(
            title=(f"🔒 {nudge.in_count} in, {nudge.waiting_count} waiting — everyone seems "
                   "to be here: lock the meeting"),
            text=("In Zoom: Security → Lock Meeting. Once it is locked nobody new can join, "
                  "even with the link and passcode; unlock it the same way if someone is "
                  "still to come."),
            facts=(meeting,), sandbox=sandbox)
    if nudge.kind == "host_left":
        return Reply(
            title="⏹ You left, but the meeting is still running — End meeting for all",
            text=(f"{_people(nudge.in_count)} still in it. If it is over, end it for "
                  "everyone: the button below, or in Zoom: End → End Meeting for All."),
            facts=(meeting,),
            actions=(Action("End meeting for all", f"end {state.meeting_id}",
                            style="danger", confirm="End this meeting for everyone in it?"),),
            sandbox=sandbox)
    if nudge.kind == "risk":
        where = f" on {nudge.where}" if nudge.where else ""
        return Reply(
            title="⚠️ Your meeting's link was posted publicly",
            text=(f"Zoom found a link to this meeting posted{where}. Anyone who saw it can "
                  "try to join. Rotate the passcode and send the new one to your invitees "
                  "privately; keep the waiting room on and admit only people you expect."),
            facts=(meeting,),
            actions=(Action("Rotate passcode", f"fix {state.meeting_id} passcode confirm",
                            style="danger",
                            confirm="Rotate the passcode? The old one stops working: "
                                    "invitees need the new one."),),
            sandbox=sandbox)
    raise ValueError(f"unknown nudge {nudge.kind!r}")


def _label(state: LiveState) -> str:
    ident = format_meeting_id(state.meeting_id)
    return f"{state.topic} ({ident})" if state.topic else ident


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"
