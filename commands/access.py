"""Who may act on a meeting: its host, an alternative host, or an admin.

A refusal must not reveal whether the meeting exists, so a stranger sees the same
message for "not yours" as for "no such meeting".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from commands.context import Requester
from commands.errors import NotAllowed


def hosts_of(meeting: Mapping[str, Any]) -> set[str]:
    emails = {str(meeting.get("host_email") or "").lower()}
    alternates = str((meeting.get("settings") or {}).get("alternative_hosts") or "")
    emails |= {e.strip().lower() for e in re.split(r"[;,]", alternates) if e.strip()}
    return emails - {""}


def may_manage(who: Requester, meeting: Mapping[str, Any]) -> bool:
    return who.is_admin or who.email.lower() in hosts_of(meeting)


def refusal(verb: str) -> NotAllowed:
    return NotAllowed(
        f"No meeting that you host has that ID, so you can't {verb} it. "
        "Only its host, an alternative host, or a SecureMeet admin can.",
        examples=(f"{verb} mine" if verb == "audit" else
                  "list" if verb in ("move", "cancel") else "help",),
    )


def require_admin(who: Requester, what: str) -> None:
    if not who.is_admin:
        raise NotAllowed(f"Only SecureMeet admins can {what}. Ask your workspace admin.")
