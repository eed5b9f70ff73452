"""Telling a host what someone else did to their meeting.

An admin or an alternative host may end, move or cancel a host's meeting, rotate its
passcode or change its settings. The host answers for the meeting, so they hear of it:
a private message naming the meeting, who did it and in which right, and what changed.
Never a passcode and never a join link (it may carry one): the person who acted has
them, and shares them privately.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.access import hosts_of
from commands.context import Context, Requester
from commands.meeting_ref import format_meeting_id
from commands.reply import Fact, Notice, Reply


def role(who: Requester, meeting: Mapping[str, Any]) -> str:
    """``host``, ``alternative host`` or ``admin``: in which right ``who`` acts."""
    email = who.email.lower()
    if email == str(meeting.get("host_email") or "").lower():
        return "host"
    return "alternative host" if email in hosts_of(meeting) else "admin"


def for_host(ctx: Context, who: Requester, meeting: Mapping[str, Any], *, title: str,
             text: str, facts: tuple[Fact, ...] = ()) -> tuple[Notice, ...]:
    """A notice to the meeting's host that ``who`` did what ``text`` says ("ended it for
    everyone in it"); none when the host did it themselves or the host is unknown."""
    host = str(meeting.get("host_email") or "").strip().lower()
    if not host or host == who.email.lower():
        return ()
    by = f"{who.name} ({who.email})" if who.name else who.email
    as_what = role(who, meeting)
    body = f"{by}, {'an ' if as_what[0] in 'aeiou' else 'a '}{as_what}, {text}"
    return (Notice(to=host, reply=Reply(
        title=title, text=body,
        facts=(Fact("Meeting ID", format_meeting_id(int(meeting["id"]))), *facts),
        private=True, sandbox=ctx.sandbox)),)
