"""``fix <meeting ID> <rule> [confirm]``: fix one rule on one meeting, then audit again.

The work is :func:`commands.audit.fix`; this module is the chat command around it.
Typed, a host-wide fix (screen sharing, file transfer, cloud recording, the passcode
in the link) needs the word ``confirm`` at the end, and only admins may make it.

A "fix" button carries ``value="<ID>:<rule>"``; a host-wide one also a confirmation
dialog and ``value="<ID>:<rule>:confirm"``, because the dialog was the confirmation.
A front end routes a press as the command ``fix <value>`` (colons or spaces).
"""

from __future__ import annotations

from commands import audit
from commands.context import Context, Requester
from commands.reply import Reply

USAGE = "fix <meeting ID> <rule> [confirm]"
SUMMARY = ("Fix one failed rule of a meeting, then audit it again (host-wide settings: "
           "admins only, add `confirm`).")
EXAMPLES = ("fix 123 4567 8901 waiting-room", "fix 123 4567 8901 passcode",
            "fix 123 4567 8901 no-file-transfer confirm")


def run(ctx: Context, who: Requester, text: str) -> Reply:
    meeting_id, rule_id, confirmed = audit.parse_fix(text)
    return audit.fix(ctx, who, meeting_id, rule_id, confirmed=confirmed)
