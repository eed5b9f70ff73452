"""The figures a store hands the ``stats`` command: plain values, no SQL, no formatting.

A store answers :meth:`commands.ports.Store.stats` with one :class:`StatsFigures`.
Windows are whole UTC days: every record whose UTC calendar day lies from
``since`` to ``until`` (both inclusive) is counted, so a record at exactly 00:00:00
UTC on ``since`` counts and one a second earlier does not. ``since=None`` means
"from the first record on".

What each figure counts (the same definitions the reference recount in
``storage/stats.py`` and the tests use):

- ``meetings_created``, ``by_platform``, ``compliant_at_creation``,
  ``failing_rules``: rows of the ``meetings`` table by their ``created_at`` day; a
  rule counts once per meeting.
- ``distinct_hosts``: distinct host emails (case-insensitive) among those meetings.
- ``audits_run`` / ``audits_compliant`` / ``audit_failures_by_rule``: ``audit``
  events, outcome ``compliant``, and the rules in their ``data.failed``.
- ``fixes_by_rule``: ``fix`` events with outcome ``fixed`` (Zoom confirmed the change;
  ``ok``, the default outcome, counts too), by ``data.rule``.
- ``ended_for_all`` / ``left_running``: meeting occurrences, i.e. (meeting ID, UTC
  day) pairs, from ``end`` events (outcome ``ended``: ended for all by SecureMeet)
  and Zoom's ``meeting_ended`` webhook events (``data.ended_for_all``). An occurrence
  ended for all by either source counts once, as ended for all; one whose only
  ending says otherwise was left running by its host.
- ``refusals`` / ``refusals_by_command``: ``refusal`` events.
- ``invitations_sent``: ``invite`` events, one per invitee whose private invitation
  was delivered (from ``events_by_kind``).
- ``leaks_caught`` / ``leaks_by_channel``: ``leak`` events (a join link carrying its
  passcode, posted where others read it), by ``data.channel_type``: ``public``,
  ``private``, ``group_dm``, ``shared`` (Slack Connect), or ``channel`` when Slack
  would not say.
- ``moves`` / ``cancellations``: ``move`` and ``cancel`` events (written only when Zoom
  changed or deleted the meeting, or one occurrence of it), from ``events_by_kind``.
- ``parse_failures`` / ``top_phrases``: ``parse_failure`` events; phrases are
  trimmed, ASCII-lowercased and cut to 120 characters, most frequent first. So that
  the work stays bounded however much people mistype, each UTC day ranks at most
  ``PHRASES_PER_DAY`` distinct phrases, the first it sees; later new phrases that day
  still count in ``parse_failures`` but not in the ranking.
- ``daily``: (day, meetings created, of which compliant) for each day with meetings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

PLATFORMS = ("slack", "teams", "console")
FIX_APPLIED = ("fixed", "ok")
PHRASE_MAX = 120
TOP_PHRASES = 10
PHRASES_PER_DAY = 100  # storage/stats.py's trigger says 100 too


@dataclass(frozen=True)
class DayCount:
    day: date
    meetings: int
    compliant: int


@dataclass(frozen=True)
class StatsFigures:
    since: date | None  # first UTC day counted; None = from the first record
    until: date  # last UTC day counted
    first_day: date | None = None  # the first day with any record at all; None = empty store
    meetings_created: int = 0
    distinct_hosts: int = 0
    by_platform: Mapping[str, int] = field(default_factory=dict)
    compliant_at_creation: int = 0
    failing_rules: Mapping[str, int] = field(default_factory=dict)
    audits_run: int = 0
    audits_compliant: int = 0
    audit_failures_by_rule: Mapping[str, int] = field(default_factory=dict)
    fixes_by_rule: Mapping[str, int] = field(default_factory=dict)
    ended_for_all: int = 0
    left_running: int = 0
    refusals: int = 0
    refusals_by_command: Mapping[str, int] = field(default_factory=dict)
    leaks_by_channel: Mapping[str, int] = field(default_factory=dict)
    parse_failures: int = 0
    top_phrases: tuple[tuple[str, int], ...] = ()
    daily: tuple[DayCount, ...] = ()
    events_by_kind: Mapping[str, int] = field(default_factory=dict)

    @property
    def fixes_applied(self) -> int:
        return sum(self.fixes_by_rule.values())

    @property
    def moves(self) -> int:
        """Meetings (a series, or one occurrence) moved with SecureMeet."""
        return self.events_by_kind.get("move", 0)

    @property
    def cancellations(self) -> int:
        """Meetings (a series, or one occurrence) cancelled with SecureMeet."""
        return self.events_by_kind.get("cancel", 0)

    @property
    def invitations_sent(self) -> int:
        """Private invitations delivered (one per invitee)."""
        return self.events_by_kind.get("invite", 0)

    @property
    def leaks_caught(self) -> int:
        """Join links with their passcode caught where others read them."""
        return self.events_by_kind.get("leak", 0)

    @property
    def empty_store(self) -> bool:
        """Nothing was ever recorded: no meeting, no event."""
        return self.first_day is None

    @property
    def quiet(self) -> bool:
        """Nothing happened in the window."""
        return self.meetings_created == 0 and not any(self.events_by_kind.values())


def top(counts: Mapping[str, int], limit: int | None = None) -> tuple[tuple[str, int], ...]:
    """Most frequent first, ties alphabetically; zero counts dropped."""
    ranked = sorted(((k, n) for k, n in counts.items() if n), key=lambda kn: (-kn[1], kn[0]))
    return tuple(ranked[:limit] if limit is not None else ranked)
