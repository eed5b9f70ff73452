"""End a meeting for everyone in it (the advisory's last duty), host or admin only.

Zoom answers 204 to ending a meeting that has not started, as if it had worked; the
meeting says so itself (``status: waiting``), so the reply says "not running" instead
of claiming an end that did not happen, and the stats do not count it.
"""

from __future__ import annotations

from commands import notices
from commands.access import may_manage, refusal
from commands.changes import recurring
from commands.context import Context, Requester
from commands.errors import ZoomNotFound
from commands.meeting_ref import format_meeting_id, parse_meeting_id
from commands.meeting_view import cancel_action
from commands.records import Event
from commands.reply import Reply

USAGE = "end <meeting ID>"
SUMMARY = "End a meeting for everyone (host or admin only)."
EXAMPLES = ("end 123 4567 8901",)


def run(ctx: Context, who: Requester, text: str) -> Reply:
    meeting_id = parse_meeting_id(text, command="end")
    try:
        meeting = ctx.zoom.get_meeting(meeting_id)
    except ZoomNotFound:
        meeting = None
    if meeting is None or not may_manage(who, meeting):
        ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform, meeting_id,
                                  "refused", {"command": "end"}))
        raise refusal("end")
    name = meeting.get("topic") or format_meeting_id(meeting_id)
    if meeting.get("status") == "waiting":  # Zoom: not started, so nobody is in it
        ctx.store.add_event(Event("end", ctx.now(), who.user, who.platform, meeting_id,
                                  "not_running", {"by": "command"}))
        return Reply(
            title=f"Not running: {name}",
            text=(f"Meeting {format_meeting_id(meeting_id)} has not started, so there is "
                  "nobody to end it for; nothing was changed and it stays scheduled. To "
                  f"call it off, cancel it: `cancel {meeting_id}`."),
            actions=(cancel_action(meeting_id, recurring=recurring(meeting)),),
            sandbox=ctx.sandbox)
    ctx.zoom.end_meeting(meeting_id)
    ctx.store.add_event(Event("end", ctx.now(), who.user, who.platform, meeting_id, "ended",
                              {"by": "command"}))
    return Reply(
        title=f"⏹ Ended for all: {name}",
        text=f"Meeting {format_meeting_id(meeting_id)} was ended for everyone in it.",
        sandbox=ctx.sandbox,
        notices=notices.for_host(ctx, who, meeting, title=f"⏹ Your meeting was ended: {name}",
                                 text="ended it for everyone in it."),
    )
