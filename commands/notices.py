"""Telling a host what someone else did to their meeting.

An admin or an alternative host may end a host's meeting, rotate its passcode or change
its settings. The host answers for the meeting, so they hear of it: a private message
naming the meeting, who did it and what changed. Never the new passcode or a join link
(the person who acted has them, and shares them privately).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.context import Requester
from commands.meeting_ref import format_meeting_id
from commands.reply import Fact, Notice, Reply


def host_of(meeting: Mapping[str, Any]) -> str:
    return str(meeting.get("host_email") or "").strip().lower()


def for_host(meeting: Mapping[str, Any], who: Requester, what: str, *,
             sandbox: bool = False) -> tuple[Notice, ...]:
    """A notice to the meeting's host that ``who`` did ``what`` ("ended it for
    everyone"); none when the host did it themselves or the host is unknown."""
    host = host_of(meeting)
    if not host or host == who.email.lower():
        return ()
    meeting_id = int(meeting["id"])
    topic = str(meeting.get("topic") or "Zoom meeting")
    actor = f"{who.name} ({who.email})" if who.name else who.email
    reply = Reply(
        title=f"ℹ️ {actor} {what}",
        text=f"This is about your meeting “{topic}”. If you did not expect it, ask them, "
             "or a SecureMeet admin.",
        facts=(Fact("Meeting", f"{topic} · {format_meeting_id(meeting_id)}"),
               Fact("By", actor)),
        sandbox=sandbox)
    return (Notice(to=host, reply=reply),)
