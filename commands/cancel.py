"""``cancel <meeting ID> [confirm]``: delete a meeting in Zoom, so its link stops working.

A booking made by mistake is a live door until it is gone: this deletes it in Zoom
(``DELETE /meetings/{id}``). It asks first: a button whose dialog confirms, or typed
``cancel <ID> confirm``. A recurring meeting asks whether to cancel one occurrence
(``?occurrence_id=``) or the whole series. Zoom refuses to delete a meeting in progress
(3002), so a running meeting is ended for everyone first (and counted as ended for all);
cancelling a later occurrence of a meeting in progress does not end it, and waits.

A double press deletes once: the second one finds the meeting gone and says so, and
nothing else happens. Two presses at the same moment both reach Zoom, which deletes once;
the one that records the cancellation first (a claim in the store, whichever replica)
reports it, the other says it was already cancelled. A press after the meeting is gone
is told so only if the requester could have cancelled it (they did, they are its host,
or an admin); anyone else gets the same refusal as for audit, revealing nothing.

A cancellation is recorded (``cancel`` event, counted in ``stats``), SecureMeet's own
record of the meeting loses its time (so it is no longer upcoming anywhere), and the
host gets a :class:`~commands.reply.Notice` when someone else cancelled it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from commands import invitees as inviting
from commands.access import hosts_of, may_manage, refusal
from commands.audit import start_of
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
    recurring,
    span,
    topic,
    upcoming_occurrences,
    update_record,
)
from commands.context import Context, Requester
from commands.errors import UserError, ZoomBadRequest, ZoomInProgress, ZoomNotFound
from commands.meeting_ref import format_meeting_id, without_confirm
from commands.meeting_view import CANCEL_CONFIRM
from commands.notices import for_host as tell_host
from commands.notices import role
from commands.records import Event
from commands.reply import Action, Fact, Notice, Reply

USAGE = "cancel <meeting ID> [confirm]"
SUMMARY = ("Cancel a meeting: delete it in Zoom so its link stops working (its host, an "
           "alternative host or an admin; asks first).")
EXAMPLES = ("cancel 123 4567 8901", "cancel 123 4567 8901 confirm",
            "cancel 123 4567 8901 next confirm")

CURRENT_WITHIN = timedelta(hours=1)
SERIES_CONFIRM = ("Delete every occurrence of this meeting in Zoom? Its join link stops "
                  "working for everyone.")


def run(ctx: Context, who: Requester, text: str) -> Reply:
    words, confirmed = without_confirm((text or "").split())
    if not words:
        raise UserError("Which meeting? Give its ID or join link.", examples=EXAMPLES)
    target = parse_target(" ".join(words), command="cancel", examples=EXAMPLES)
    meeting = _authorised(ctx, who, target.meeting_id)
    if isinstance(meeting, Reply):
        return meeting
    occurrence: Mapping[str, Any] | None = None
    if recurring(meeting):
        if not target.scope:
            return ask_which(ctx, who, meeting)
        if target.scope != SERIES:
            found = _occurrence(ctx, who, meeting, target)
            if isinstance(found, Reply):
                return found
            occurrence = found
    if not confirmed:
        return ask_confirm(ctx, who, meeting, target, occurrence)
    return cancel(ctx, who, meeting, occurrence)


def _authorised(ctx: Context, who: Requester, meeting_id: int) -> dict[str, Any] | Reply:
    """The meeting if ``who`` may cancel it; if it is gone, "already cancelled" for
    those who could have cancelled it; otherwise the one refusal for everything."""
    try:
        meeting: dict[str, Any] | None = ctx.zoom.get_meeting(meeting_id)
    except ZoomNotFound:
        gone = already_gone(ctx, who, meeting_id)
        if gone is not None:
            return gone
        if who.is_admin:
            raise
        meeting = None
    if meeting is None or not may_manage(who, meeting):
        ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform, meeting_id,
                                  "refused", {"command": "cancel"}))
        raise refusal("cancel")
    return meeting


def already_gone(ctx: Context, who: Requester, meeting_id: int) -> Reply | None:
    """A meeting Zoom no longer has, explained to someone who could have cancelled it:
    it was cancelled with SecureMeet (by them, or they host it), or SecureMeet scheduled
    it for them. None for anyone else (they get the refusal)."""
    email = who.email.lower()
    for event in reversed(ctx.store.events(kinds=("cancel",))):
        if event.meeting_id != meeting_id or event.data.get("scope") == OCCURRENCE:
            continue
        if who.is_admin or event.actor == who.user or email in event.data.get("hosts", ()):
            when = event.at.astimezone(UTC)
            return _gone_reply(ctx, meeting_id, str(event.data.get("topic") or ""),
                               f"It was already cancelled ({when:%d %b %Y, %H:%M} UTC).")
    record = ctx.store.get_meeting(meeting_id)
    if record is not None and (who.is_admin or record.host_email.lower() == email
                               or record.requester == who.user):
        return _gone_reply(ctx, meeting_id, record.topic,
                           "Zoom no longer has it: it was cancelled or has expired.")
    return None


def _gone_reply(ctx: Context, meeting_id: int, name: str, why: str) -> Reply:
    return Reply(title=f"Already gone: {name or format_meeting_id(meeting_id)}",
                 text=f"Meeting {format_meeting_id(meeting_id)} is not in Zoom. {why} "
                      "Nothing else was done.", private=True, sandbox=ctx.sandbox)


def _occurrence(ctx: Context, who: Requester, meeting: Mapping[str, Any],
                target: Target) -> Mapping[str, Any] | Reply:
    meeting_id = int(meeting["id"])
    if meeting.get("type") != 8:
        raise UserError(f"“{topic(meeting)}” repeats with no fixed time, so it has no "
                        "occurrences to cancel one by one: cancel the series.",
                        examples=(f"cancel {meeting_id} series confirm",))
    if target.scope == OCCURRENCE:
        found = find_occurrence(meeting, target.occurrence_id)
        if found is not None:
            return found
        known = any(str(o.get("occurrence_id")) == target.occurrence_id
                    for o in meeting.get("occurrences") or [])
        if known:  # Zoom lists it as deleted
            return _gone_reply(ctx, meeting_id, topic(meeting),
                               "That occurrence was already cancelled; the rest of the "
                               "series stays.")
        raise UserError(f"Meeting {format_meeting_id(meeting_id)} has no such occurrence. "
                        "Nothing was changed.", examples=(f"cancel {meeting_id}",))
    assert target.scope == NEXT
    left = upcoming_occurrences(meeting, ctx.now())
    if not left:
        raise UserError(f"“{topic(meeting)}” has no occurrences left; cancel the series.",
                        examples=(f"cancel {meeting_id} series confirm",))
    return left[0]


# -- asking ------------------------------------------------------------------------------

def ask_which(ctx: Context, who: Requester, meeting: Mapping[str, Any]) -> Reply:
    """A recurring meeting: one occurrence (the next) or the whole series?"""
    meeting_id = int(meeting["id"])
    left = upcoming_occurrences(meeting, ctx.now()) if meeting.get("type") == 8 else []
    actions = []
    if left:
        start = start_of(left[0])
        assert start is not None
        label = day_label(start, who.tz)
        actions.append(Action(
            f"Only the one on {label}",
            f"cancel {meeting_id} occurrence {left[0]['occurrence_id']} confirm",
            style="danger", confirm=f"Delete the occurrence on {label} in Zoom? The rest of "
                                    "the series stays."))
    actions.append(Action("The whole series", f"cancel {meeting_id} series confirm",
                          style="danger", confirm=SERIES_CONFIRM))
    typed = (f"`cancel {meeting_id} next confirm` or " if left else "") + \
        f"`cancel {meeting_id} series confirm`"
    return Reply(
        title=f"Cancel one occurrence or the series? {topic(meeting)}",
        text=(f"“{topic(meeting)}” repeats. Cancel only "
              + ("the next occurrence, or " if left else "")
              + f"the whole series? Typed: {typed}. Nothing has changed yet."),
        facts=_facts(ctx, who, meeting) + (Fact("Occurrences left", str(len(left))),),
        actions=tuple(actions), private=True, sandbox=ctx.sandbox)


def ask_confirm(ctx: Context, who: Requester, meeting: Mapping[str, Any], target: Target,
                occurrence: Mapping[str, Any] | None) -> Reply:
    meeting_id = int(meeting["id"])
    if occurrence is not None:
        scope = f" occurrence {occurrence['occurrence_id']}"
        when = span(start_of(occurrence), minutes_of(meeting, occurrence), who.tz)
        what = f"the occurrence on {when} in Zoom; the rest of the series stays"
        question = "Delete this occurrence in Zoom? The rest of the series stays."
    else:
        scope = " series" if target.scope == SERIES else ""
        what = ("every occurrence of it in Zoom" if scope else "it in Zoom") + \
            ": its join link and passcode stop working for everyone"
        question = SERIES_CONFIRM if scope else CANCEL_CONFIRM
    running = meeting.get("status") == "started" and _is_current(ctx, meeting, occurrence)
    typed = f"cancel {meeting_id}{scope} confirm"
    return Reply(
        title=f"Cancel “{topic(meeting)}”?",
        text=(f"This deletes {what}."
              + (" It is in progress: SecureMeet ends it for everyone first." if running
                 else "")
              + f" Press the button, or type `{typed}`. Nothing has changed yet."),
        facts=_facts(ctx, who, meeting),
        actions=(Action("Yes, cancel it", typed, style="danger", confirm=question),),
        private=True, sandbox=ctx.sandbox)


def _facts(ctx: Context, who: Requester, meeting: Mapping[str, Any]) -> tuple[Fact, ...]:
    facts = [Fact("Meeting ID", format_meeting_id(int(meeting["id"])))]
    when = next_start(meeting, ctx.now())
    if when is not None:
        label = "Next" if meeting.get("type") == 8 else "When"
        facts.append(Fact(label, span(when, minutes_of(meeting), who.tz)))
    if meeting.get("host_email"):
        facts.append(Fact("Host", str(meeting["host_email"])))
    return tuple(facts)


# -- cancelling --------------------------------------------------------------------------

def cancel(ctx: Context, who: Requester, meeting: Mapping[str, Any],
           occurrence: Mapping[str, Any] | None) -> Reply:
    """End it if it is running, delete it (or one occurrence), record it once."""
    meeting_id = int(meeting["id"])
    occurrence_id = str(occurrence["occurrence_id"]) if occurrence is not None else None
    current = _is_current(ctx, meeting, occurrence)
    ended = False
    if meeting.get("status") == "started" and current:
        ended = _end(ctx, who, meeting_id)
    try:
        try:
            ctx.zoom.delete_meeting(meeting_id, occurrence_id=occurrence_id)
        except ZoomInProgress:  # it started between our read and the delete
            if not current:
                raise UserError(
                    f"“{topic(meeting)}” is in progress now, and Zoom does not delete one of "
                    "its occurrences while it runs. Nothing was changed: cancel that "
                    "occurrence once this one is over.",
                    examples=(f"cancel {meeting_id} occurrence {occurrence_id} confirm",)
                ) from None
            ended = _end(ctx, who, meeting_id)
            ctx.zoom.delete_meeting(meeting_id, occurrence_id=occurrence_id)
    except ZoomNotFound:
        pass  # gone already: the claim below says whether this press is the one that tells
    except ZoomBadRequest as exc:
        if occurrence_id is None or exc.code != 3000:
            raise
        # Zoom: "Invalid occurrence_id." — this occurrence was deleted meanwhile
    scope = "occurrence" if occurrence is not None else (
        "series" if recurring(meeting) else "meeting")
    claim = f"cancel:{meeting_id}:{meeting.get('uuid') or ''}:{occurrence_id or 'all'}"
    if not ctx.store.claim(claim, at=ctx.now()):
        return _gone_reply(ctx, meeting_id, topic(meeting),
                           "It was already cancelled (a second press, or someone else's).")
    start = start_of(occurrence) if occurrence is not None else next_start(meeting, ctx.now())
    minutes = minutes_of(meeting, occurrence)
    notices = _notice(ctx, who, meeting, scope, start, minutes, ended)
    invited = _tell_invitees(ctx, who, meeting, scope, start, minutes)
    ctx.store.add_event(Event(
        "cancel", ctx.now(), who.user, who.platform, meeting_id, "cancelled",
        {"scope": scope, "occurrence": occurrence_id or "",
         "start": start.isoformat() if start else "", "ended_first": ended,
         "by": role(who, meeting), "hosts": sorted(hosts_of(meeting)),
         "topic": topic(meeting)[:200], "host_told": bool(notices)}))
    if scope != "occurrence":
        update_record(ctx, meeting_id, start=None)
    return _cancelled_reply(ctx, who, meeting, scope, start, minutes, ended, notices,
                            invited)


def _tell_invitees(ctx: Context, who: Requester, meeting: Mapping[str, Any], scope: str,
                   start: datetime | None, minutes: int) -> tuple[Notice, ...]:
    by = who.name or who.email

    def text(tz: str) -> str:
        when = span(start, minutes, tz)
        if scope == "occurrence":
            return (f"{by} cancelled the occurrence on {when}. The rest of the series stays, "
                    "with the same link and passcode.")
        return f"{by} cancelled it ({when}). Its join link no longer works."

    return inviting.tell(ctx, who, int(meeting["id"]),
                         title=f"🗑 Cancelled: {topic(meeting)}", text=text)


def _is_current(ctx: Context, meeting: Mapping[str, Any],
                occurrence: Mapping[str, Any] | None) -> bool:
    """Whether what is cancelled is what may be running now: the whole meeting, or the
    next occurrence not yet over if it starts within the hour (a host may start early).
    A later occurrence is not a reason to end the one in progress."""
    if occurrence is None:
        return True
    left = upcoming_occurrences(meeting, ctx.now())
    start = start_of(occurrence)
    return bool(left) and left[0].get("occurrence_id") == occurrence.get("occurrence_id") \
        and start is not None and start <= ctx.now() + CURRENT_WITHIN


def _end(ctx: Context, who: Requester, meeting_id: int) -> bool:
    """End a running meeting for all (Zoom will not delete it while it runs); counted as
    an end for all, like the ``end`` command."""
    ctx.zoom.end_meeting(meeting_id)
    ctx.store.add_event(Event("end", ctx.now(), who.user, who.platform, meeting_id, "ended",
                              {"by": "cancel"}))
    return True


def _notice(ctx: Context, who: Requester, meeting: Mapping[str, Any], scope: str,
            start: datetime | None, minutes: int, ended: bool) -> tuple[Notice, ...]:
    zone = meeting_zone(meeting)
    when = span(start, minutes, zone)
    what = {"occurrence": f"cancelled the occurrence on {when}; the rest of the series "
                          "stays, with the same link and passcode",
            "series": f"cancelled the whole series (next: {when}); it was deleted in Zoom "
                      "and its join link no longer works",
            "meeting": f"cancelled it ({when}); it was deleted in Zoom and its join link no "
                       "longer works"}[scope]
    return tell_host(ctx, who, meeting, title=f"🗑 Your meeting was cancelled: "
                       f"{topic(meeting)}",
                       text=what + (". It was in progress and was ended for everyone first."
                                    if ended else "."),
                       facts=(Fact("Topic", topic(meeting)),))


def _cancelled_reply(ctx: Context, who: Requester, meeting: Mapping[str, Any], scope: str,
                     start: datetime | None, minutes: int, ended: bool,
                     notices: tuple[Notice, ...], invited: tuple[Notice, ...]) -> Reply:
    meeting_id = int(meeting["id"])
    when = span(start, minutes, who.tz)
    if invited:
        told = f"The {inviting.people(len(invited))} SecureMeet invited were told, privately."
    else:
        told = ("Tell that day's invitees it is off." if scope == "occurrence"
                else "Tell your invitees it is off.")
    if scope == "occurrence":
        title = f"🗑 Cancelled one occurrence: {topic(meeting)}"
        text = (f"The occurrence on {when} was deleted in Zoom. The rest of the series stays, "
                f"with the same link and passcode. {told}")
    else:
        title = f"🗑 Cancelled: {topic(meeting)}"
        text = (f"Meeting {format_meeting_id(meeting_id)} was deleted in Zoom: its join link "
                f"and passcode no longer work. {told}")
    if ended:
        text += " It was in progress, so it was ended for everyone first."
    if notices:
        text += f" {meeting.get('host_email')} was told."
    facts = (Fact("Meeting ID", format_meeting_id(meeting_id)),
             Fact("Was" if scope != "series" else "Next was", when))
    actions: tuple[Action, ...] = ()
    if scope == "occurrence":
        actions = (Action("Audit the series", f"audit {meeting_id}"),)
    return Reply(title=title, text=text, facts=facts, actions=actions,
                 notices=notices + invited, private=True, sandbox=ctx.sandbox)
