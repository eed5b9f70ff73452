"""``move <meeting ID> to <when>``: the same meeting at a new time.

The time is read with the schedule grammar (:func:`commands.when.parse_when`: its
questions when unsure, its refusal of a time in the past), then Zoom gets
``PATCH /meetings/{id}`` with the new start (and duration, when one was said), the
meeting is read back and judged by the audit machinery, and the reply says old → new
in the requester's zone with the usual checklist. The meeting ID, join link and
passcode do not change. A time not given keeps the meeting's duration.

A recurring meeting asks first: move one occurrence (``?occurrence_id=``) or the
series (a new start and its ``recurrence``, as Zoom requires; a weekly or monthly
meeting moved to another day repeats on the new day). Buttons carry each answer.

Without a time (the *Move* button) the reply shows how to type one and offers a few
common new times as buttons. A meeting in progress is not moved.

Only the host, an alternative host or an admin may move a meeting; anyone else gets
the audit's refusal, whether the meeting exists or not, and nothing changes. A move is
recorded (``move`` event, counted in ``stats``) and, when someone other than the host
moved it, the host gets a :class:`~commands.reply.Notice`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commands import invitees as inviting
from commands.audit import audit_reply, authorised_meeting, inspect, start_of
from commands.changes import (
    NEXT,
    OCCURRENCE,
    SERIES,
    Target,
    day_label,
    find_occurrence,
    meeting_zone,
    minutes_of,
    next_start,
    parse_target,
    span,
    topic,
    upcoming_occurrences,
    update_record,
    zoom_time,
)
from commands.context import Context, Requester
from commands.errors import UserError
from commands.meeting_ref import format_meeting_id
from commands.meeting_view import cancel_action, fix_actions, move_action
from commands.notices import for_host as tell_host
from commands.notices import role
from commands.records import Event
from commands.reply import Action, Fact, Reply
from commands.schedule import HOST_DUTIES, record_parse_failure
from commands.when import DEFAULT_DURATION, When, WhenError, parse_when

USAGE = "move <meeting ID> to <when>"
SUMMARY = ("Move a meeting to a new time; same ID, link and passcode (its host, an "
           "alternative host or an admin).")
EXAMPLES = ("move 123 4567 8901 to tomorrow 4pm", "move 123 4567 8901 to tue 10:30 for 1h")

_TO = re.compile(r"(?:^|\s)to(?:\s+|$)", re.IGNORECASE)
# A duration said in the new time ("for 45m", "3pm to 4pm"); otherwise the meeting keeps
# its own, rather than the parser's default of 30 minutes.
_DURATION = re.compile(r"\bfor\s+(?:\d|an?\b|half\b|one\b)|\b(?:to|until|till)\b",
                       re.IGNORECASE)
QUICK = ((timedelta(hours=1), "1 hour later"), (timedelta(days=1), "Same time tomorrow"),
         (timedelta(days=7), "Same time next week"))
MIN_LEAD = timedelta(minutes=5)  # a quick new time at least this far ahead


@dataclass(frozen=True)
class Change:
    """One move: the meeting, which part of it, and its time before and asked for."""

    meeting: Mapping[str, Any]
    scope: str  # "meeting" | "series" | "occurrence"
    occurrence_id: str
    old: datetime | None
    old_minutes: int
    new: datetime
    new_minutes: int
    ignored: str = ""  # words of the new time not read as time (a topic): left alone

    @property
    def meeting_id(self) -> int:
        return int(self.meeting["id"])


def run(ctx: Context, who: Requester, text: str) -> Reply:
    text = " ".join((text or "").split())
    if not text:
        raise UserError("Which meeting, and to when? Give its ID, then “to” and the new "
                        "time.", examples=EXAMPLES)
    split = _TO.search(text)
    ref, said = (text[:split.start()], text[split.end():].strip()) if split else (text, "")
    try:
        target = parse_target(ref, command="move", examples=EXAMPLES)
    except UserError:
        if split is None:
            raise UserError("Say which meeting, then “to” and the new time.",
                            examples=EXAMPLES) from None
        raise
    when = _when(ctx, who, target.meeting_id, said, prefix=f"move {ref.strip()} to ") \
        if said else None
    meeting = authorised_meeting(ctx, who, target.meeting_id, verb="move")
    mid = format_meeting_id(target.meeting_id)
    if meeting.get("status") == "started":
        raise UserError(f"“{topic(meeting)}” is in progress, so SecureMeet does not move it. "
                        "End it for everyone first, or move it once it is over.",
                        examples=(f"end {target.meeting_id}",))
    if meeting.get("type") not in (2, 8):
        raise UserError(f"Meeting {mid} has no fixed time in Zoom (an instant meeting, or "
                        "a recurring one with no fixed time), so there is no time to move. "
                        "Schedule a new meeting instead.", examples=("tomorrow 3pm Standup",))
    if when is None:
        return ask_when(ctx, who, meeting, target)
    if meeting.get("type") == 8:
        if not target.scope:
            return ask_scope(ctx, who, meeting, when, said)
        if target.scope == SERIES:
            return move_series(ctx, who, meeting, when, said)
        return move_occurrence(ctx, who, meeting, _occurrence(ctx, meeting, target), when, said)
    return move_meeting(ctx, who, meeting, when, said)


def _when(ctx: Context, who: Requester, meeting_id: int, said: str, *, prefix: str) -> When:
    """The new time, read as a schedule reads it; its errors, with move's examples, and
    its choices (two readings of the time) as whole ``move`` commands (``prefix``)."""
    examples = (f"move {meeting_id} to tomorrow 4pm", f"move {meeting_id} to tue 10:30")
    try:
        when = parse_when(said, ctx.now(), who.tz, day_first=ctx.day_first)
    except WhenError as exc:
        record_parse_failure(ctx, who, said, command="move")
        choices = tuple(prefix + choice for choice in exc.choices)
        raise WhenError(exc.message, examples=choices or examples,  # not NoTimeFound: no help
                        choices=choices) from None
    if when.recurrence:
        raise UserError("A move changes when a meeting is, not how it repeats. Give one new "
                        "time (a recurring meeting then asks: one occurrence or the series).",
                        examples=examples)
    return when


def _minutes(when: When, said: str, current: int) -> int:
    if when.duration != DEFAULT_DURATION or _DURATION.search(said):
        return int(when.duration.total_seconds() // 60)
    return current


def _occurrence(ctx: Context, meeting: Mapping[str, Any], target: Target) -> Mapping[str, Any]:
    if target.scope == OCCURRENCE:
        found = find_occurrence(meeting, target.occurrence_id)
        if found is None:
            raise UserError(f"Meeting {format_meeting_id(int(meeting['id']))} has no such "
                            "occurrence any more (it was cancelled, or the series changed). "
                            "Nothing was changed.", examples=("list",))
        return found
    assert target.scope == NEXT
    left = upcoming_occurrences(meeting, ctx.now())
    if not left:
        raise UserError(f"“{topic(meeting)}” has no occurrences left to move.",
                        examples=("list",))
    return left[0]


# -- asking ------------------------------------------------------------------------------

def ask_when(ctx: Context, who: Requester, meeting: Mapping[str, Any], target: Target) -> Reply:
    """No new time yet: how to type one, and buttons for a few common ones."""
    meeting_id = int(meeting["id"])
    prefix, base, minutes = f"move {meeting_id}", start_of(meeting), minutes_of(meeting)
    part = ""
    if meeting.get("type") == 8:
        if target.scope == SERIES:
            prefix += " series"
            base = next_start(meeting, ctx.now())
            part = "the whole series"
        else:
            occ = _occurrence(ctx, meeting, target if target.scope else replace(
                target, scope=NEXT))
            prefix += f" occurrence {occ['occurrence_id']}"
            base, minutes = start_of(occ), minutes_of(meeting, occ)
            part = "the occurrence shown"
    actions: list[Action] = []
    if base is not None:
        local = base.astimezone(ZoneInfo(who.tz)).replace(tzinfo=None)
        for delta, label in QUICK:
            then = local + delta
            aware = then.replace(tzinfo=ZoneInfo(who.tz))
            if aware - ctx.now() < MIN_LEAD:
                continue
            actions.append(Action(f"{label} · {day_label(aware, who.tz)}",
                                  f"{prefix} to {then:%b} {then.day} {then.year} {then:%H:%M}"))
    typed = f"move {meeting_id}" + (
        (" series" if target.scope == SERIES else " next" if target.scope != OCCURRENCE
         else f" occurrence {target.occurrence_id}") if meeting.get("type") == 8 else "")
    return Reply(
        title=f"When to? {topic(meeting)}",
        text=(f"Type the new time the way you schedule one: `{typed} to tomorrow 4pm`, "
              f"`{typed} to tue 10:30 for 1h`. The meeting keeps its ID, join link "
              "and passcode" + (f"; this moves {part}" if part else "") + "."
              + (" Or press a new time below." if actions else "")),
        facts=(Fact("Meeting ID", format_meeting_id(meeting_id)),
               Fact("Now", span(base, minutes, who.tz))),
        actions=tuple(actions), private=True, sandbox=ctx.sandbox)


def ask_scope(ctx: Context, who: Requester, meeting: Mapping[str, Any], when: When,
              said: str) -> Reply:
    """A recurring meeting: one occurrence (the one that day, else the next) or all?"""
    meeting_id = int(meeting["id"])
    left = upcoming_occurrences(meeting, ctx.now())
    zone = ZoneInfo(who.tz)
    day = when.start.astimezone(zone).date()
    same_day = [o for o in left if (s := start_of(o)) is not None
                and s.astimezone(zone).date() == day]
    pick = (same_day or left or [None])[0]
    actions = []
    if pick is not None:
        start = start_of(pick)
        assert start is not None
        actions.append(Action(f"Only the one on {day_label(start, who.tz)}",
                              f"move {meeting_id} occurrence {pick['occurrence_id']} to {said}",
                              style="primary"))
    actions.append(Action("The whole series", f"move {meeting_id} series to {said}"))
    return Reply(
        title=f"Move one occurrence or the series? {topic(meeting)}",
        text=(f"“{topic(meeting)}” repeats. Move only one occurrence to the new time, or the "
              "whole series (every occurrence at the new time of day, from the new date on)? "
              f"Typed: `move {meeting_id} next to {said}` or "
              f"`move {meeting_id} series to {said}`. Nothing has changed yet."),
        facts=(Fact("Meeting ID", format_meeting_id(meeting_id)),
               Fact("New time", span(when.start, _minutes(when, said, minutes_of(meeting)),
                                     who.tz)),
               Fact("Occurrences left", str(len(left)))),
        actions=tuple(actions), private=True, sandbox=ctx.sandbox)


# -- moving ------------------------------------------------------------------------------

def move_meeting(ctx: Context, who: Requester, meeting: Mapping[str, Any], when: When,
                 said: str) -> Reply:
    old_minutes = minutes_of(meeting)
    change = Change(meeting, "meeting", "", start_of(meeting), old_minutes, when.start,
                    _minutes(when, said, old_minutes), when.topic)
    if _same(change):
        return _unchanged(ctx, who, change)
    ctx.zoom.update_meeting(change.meeting_id, {"start_time": zoom_time(change.new),
                                                "duration": change.new_minutes})
    after = ctx.zoom.get_meeting(change.meeting_id)
    return _done(ctx, who, change, after, start_of(after), minutes_of(after))


def move_series(ctx: Context, who: Requester, meeting: Mapping[str, Any], when: When,
                said: str) -> Reply:
    old_minutes = minutes_of(meeting)
    change = Change(meeting, "series", "", next_start(meeting, ctx.now()), old_minutes,
                    when.start, _minutes(when, said, old_minutes), when.topic)
    if _same(change):
        return _unchanged(ctx, who, change)
    left = upcoming_occurrences(meeting, ctx.now())
    body = {"start_time": zoom_time(change.new), "duration": change.new_minutes,
            "recurrence": series_recurrence(meeting, change.old, change.new, len(left))}
    ctx.zoom.update_meeting(change.meeting_id, body)
    after = ctx.zoom.get_meeting(change.meeting_id)
    edited = _edited_apart(meeting)
    notes = ("Zoom laid the occurrences out again from the new start: occurrences moved or "
             "cancelled one by one before are not kept apart any more.",) if edited else ()
    return _done(ctx, who, change, after, next_start(after, ctx.now()), minutes_of(after),
                 notes=notes)


def _edited_apart(meeting: Mapping[str, Any]) -> bool:
    """Some occurrence was cancelled, or moved or lengthened on its own."""
    zone = ZoneInfo(meeting_zone(meeting))
    times = {s.astimezone(zone).time() for o in meeting.get("occurrences") or []
             if (s := start_of(o)) is not None}
    return len(times) > 1 or any(
        o.get("status") == "deleted" or o.get("duration") not in (None, meeting.get("duration"))
        for o in meeting.get("occurrences") or [])


def series_recurrence(meeting: Mapping[str, Any], old: datetime | None, new: datetime,
                      left: int) -> dict[str, Any]:
    """The series' ``recurrence`` for its new start (Zoom requires it with one): a
    meeting that repeated on the old start's weekday (or day of the month) repeats on
    the new one's; a count of occurrences counts those still to come."""
    rec = dict(meeting.get("recurrence") or {"type": 1, "repeat_interval": 1})
    zone = ZoneInfo(meeting_zone(meeting))
    new_local = new.astimezone(zone)
    if old is not None:
        old_local = old.astimezone(zone)
        if rec.get("type") == 2 and str(rec.get("weekly_days")) == _zoom_weekday(old_local):
            rec["weekly_days"] = _zoom_weekday(new_local)
        if rec.get("type") == 3 and rec.get("monthly_day") == old_local.day:
            rec["monthly_day"] = new_local.day
    if rec.get("end_times") and left:
        rec["end_times"] = left
    return rec


def _zoom_weekday(moment: datetime) -> str:
    return str(moment.isoweekday() % 7 + 1)  # Zoom: 1 = Sunday … 7 = Saturday


def move_occurrence(ctx: Context, who: Requester, meeting: Mapping[str, Any],
                    occurrence: Mapping[str, Any], when: When, said: str) -> Reply:
    old_minutes = minutes_of(meeting, occurrence)
    occurrence_id = str(occurrence["occurrence_id"])
    change = Change(meeting, "occurrence", occurrence_id, start_of(occurrence), old_minutes,
                    when.start, _minutes(when, said, old_minutes), when.topic)
    if _same(change):
        return _unchanged(ctx, who, change)
    ctx.zoom.update_meeting(change.meeting_id, {"start_time": zoom_time(change.new),
                                                "duration": change.new_minutes},
                            occurrence_id=occurrence_id)
    after = ctx.zoom.get_meeting(change.meeting_id)
    moved = find_occurrence(after, occurrence_id)
    return _done(ctx, who, change, after, start_of(moved) if moved else None,
                 minutes_of(after, moved))


def _same(change: Change) -> bool:
    return _minute(change.old) == _minute(change.new) and \
        change.old_minutes == change.new_minutes


def _minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment is not None else None


# -- the reply ---------------------------------------------------------------------------

def _unchanged(ctx: Context, who: Requester, change: Change) -> Reply:
    return Reply(title=f"Already then: {topic(change.meeting)}",
                 text=(f"Meeting {format_meeting_id(change.meeting_id)} is already at "
                       f"{span(change.old, change.old_minutes, who.tz)}. Nothing was changed."),
                 private=True, sandbox=ctx.sandbox)


def _done(ctx: Context, who: Requester, change: Change, after: Mapping[str, Any],
          now_start: datetime | None, now_minutes: int, *, notes: tuple[str, ...] = ()) -> Reply:
    """Judge the meeting as Zoom now holds it and say what changed, truthfully."""
    if change.ignored:
        notes = (f"Not read as part of the time, so left alone: “{change.ignored}” (a move "
                 "changes the time only; the topic stays).", *notes)
    result = inspect(ctx, after)
    was = span(change.old, change.old_minutes, who.tz)
    is_now = span(now_start, now_minutes, who.tz)
    part = {"meeting": "", "series": "The series: ",
            "occurrence": "One occurrence: "}[change.scope]
    facts = (Fact("Was", was), Fact("Now", is_now))  # audit_reply adds the meeting's own
    if not _applied(change, after, now_start, now_minutes):
        reply = audit_reply(
            ctx, who, result, title=f"⚠️ Not moved: {topic(after)}", facts=facts,
            text=(f"SecureMeet asked Zoom for {span(change.new, change.new_minutes, who.tz)}, "
                  f"but Zoom says {is_now}. Check the meeting in Zoom before telling anyone."))
        return replace(reply, facts=_without_when(reply.facts), error=True)
    zone = meeting_zone(after)
    what = {"meeting": "moved it", "series": "moved the whole series",
            "occurrence": "moved one occurrence"}[change.scope]
    notices = tell_host(
        ctx, who, after, title=f"📅 Your meeting was moved: {topic(after)}",
        text=(f"{what} from {span(change.old, change.old_minutes, zone)} to "
              f"{span(now_start, now_minutes, zone)}. The meeting ID, join link and passcode "
              "are unchanged."),
        facts=(Fact("Topic", topic(after)),))
    by = who.name or who.email
    invited = inviting.tell(
        ctx, who, change.meeting_id, title=f"📅 Moved: {topic(after)}", calendar=True,
        text=lambda tz: (f"{by} {what}: {part.lower()}{span(change.old, change.old_minutes, tz)}"
                         f" → {span(now_start, now_minutes, tz)}. Same join link and passcode "
                         "as in your invitation."))
    _record(ctx, who, change, after, now_start, now_minutes, told=bool(notices))
    recurring = after.get("type") == 8
    reply = audit_reply(
        ctx, who, result, title=f"📅 Moved: {topic(after)}", facts=facts, notes=notes,
        text=(f"{part}{was} → {is_now}. Same meeting ID, join link and passcode: "
              + (f"the {inviting.people(len(invited))} SecureMeet invited were told, "
                 "privately." if invited else "let your invitees know the new time.")
              + (f" {after.get('host_email')} was told." if notices else "")))
    notices += invited
    actions = (*fix_actions(change.meeting_id, result.findings, who),
               move_action(change.meeting_id),
               cancel_action(change.meeting_id, recurring=recurring),
               Action("Audit", f"audit {change.meeting_id}"))
    if ctx.store.get_meeting(change.meeting_id) is not None:
        actions += (Action("Add to calendar", f"calendar {change.meeting_id}"),)
    return replace(reply, facts=_without_when(reply.facts),
                   checklist=HOST_DUTIES + reply.checklist, actions=actions, notices=notices)


def _without_when(facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
    """The meeting's own "When" is its series start: "Was" and "Now" say it better."""
    return tuple(f for f in facts if f.label != "When")


def _applied(change: Change, after: Mapping[str, Any], now_start: datetime | None,
             now_minutes: int) -> bool:
    """Zoom holds the time asked for. A series' next occurrence may fall on a later day
    (a meeting that repeats on set weekdays), but at the time of day asked for."""
    if now_start is None or now_minutes != change.new_minutes:
        return False
    if change.scope != "series":
        return _minute(now_start) == _minute(change.new)
    zone = ZoneInfo(meeting_zone(after))
    return _minute(now_start) >= _minute(change.new) and \
        now_start.astimezone(zone).time() == change.new.astimezone(zone).time()


def _record(ctx: Context, who: Requester, change: Change, after: Mapping[str, Any],
            now_start: datetime | None, now_minutes: int, *, told: bool) -> None:
    ctx.store.add_event(Event(
        "move", ctx.now(), who.user, who.platform, change.meeting_id, "moved",
        {"scope": change.scope, "occurrence": change.occurrence_id,
         "from": change.old.isoformat() if change.old else "",
         "to": now_start.isoformat() if now_start else "", "minutes": now_minutes,
         "by": role(who, after), "host_told": told}))
    if change.scope != "occurrence":
        update_record(ctx, change.meeting_id, start=start_of(after), minutes=now_minutes)
