"""``fix <meeting ID> <rule> [confirm]``: fix one rule on one meeting, then audit again.

The work is :func:`commands.audit.fix`; this module is the chat command around it.
Buttons carry ``value="<ID>:<rule>"`` and a confirmation dialog, so a front end that
routes a pressed "fix" button calls :func:`press` (the dialog was the confirmation).
Typed, a host-wide fix (screen sharing, file transfer, cloud recording, passcode in
the link) needs the word ``confirm`` at the end, and only admins may make it.
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


def press(ctx: Context, who: Requester, value: str) -> Reply:
    """A pressed "fix" button: ``value`` is ``"<ID>:<rule>"``, already confirmed."""
    meeting_id, rule_id, _ = audit.parse_fix(value)
    return audit.fix(ctx, who, meeting_id, rule_id, confirmed=True)
