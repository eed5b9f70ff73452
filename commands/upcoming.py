"""``list [host email]``: the requester's upcoming meetings, soonest first.

Zoom's ``GET /users/{user}/meetings?type=upcoming`` names them; each is read and judged
by the audit machinery (the host's settings and the account's locks read once), and
shown with its time in the requester's zone, its ID and its mark under the policy
(✓ meets it, ✗ fails a rule, ? could not be checked), with *Move*, *Cancel* and *Audit*
buttons for the first few. Nothing is recorded: a list is a look, not an audit.

Admins may add a host's email to see that host's meetings; anyone else asking for
another host's is refused (and the refusal recorded).
"""

from __future__ import annotations

import re
from dataclasses import replace

from commands import policy
from commands.access import may_manage
from commands.audit import Audit, judge_upcoming
from commands.changes import day_label, minutes_of, next_start, recurring, span, topic
from commands.context import Context, Requester
from commands.errors import NotAllowed, UserError, ZoomUserNotFound
from commands.meeting_ref import format_meeting_id
from commands.meeting_view import (
    cancel_action,
    move_action,
    policy_note,
)
from commands.records import Event
from commands.reply import Action, Fact, Reply, Status

USAGE = "list [host email]"
SUMMARY = ("Your upcoming meetings with their policy mark and Move / Cancel / Audit "
           "buttons (admins: add a host's email).")
EXAMPLES = ("list", "list alice@example.com")

LIST_LIMIT = 30  # meetings read and judged (each is one GET)
BUTTONS_FOR = 5  # meetings that get Move / Cancel / Audit buttons, soonest first
_EMAIL = re.compile(r"^[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+$")
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$", re.IGNORECASE)
_SELF = ("", "mine", "my", "me", "my meetings")


def run(ctx: Context, who: Requester, text: str) -> Reply:
    host = _host(ctx, who, text)
    mine = host == who.email.lower()
    try:
        judged, more = judge_upcoming(ctx, host, limit=LIST_LIMIT,
                                      keep=lambda meeting: not mine or may_manage(who, meeting))
    except ZoomUserNotFound:
        if mine:
            raise
        raise UserError(f"{host} is not a user of this organisation's Zoom account.",
                        examples=EXAMPLES) from None
    now = ctx.now()
    judged.sort(key=lambda a: (next_start(a.meeting, now) or now).timestamp())
    return list_reply(ctx, who, host, judged, more)


def _host(ctx: Context, who: Requester, text: str) -> str:
    """Whose meetings: the requester's, or (admins only) the email given."""
    word = " ".join((text or "").split())
    mailto = _MAILTO.match(word)
    if mailto:
        word = mailto.group(1)
    if word.lower() in _SELF or word.lower() == who.email.lower():
        return who.email.lower()
    if not _EMAIL.match(word):
        raise UserError("`list` takes nothing, or (for admins) a host's email.",
                        examples=EXAMPLES)
    if not who.is_admin:
        ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform, None,
                                  "refused", {"command": "list"}))
        raise NotAllowed("Only SecureMeet admins can list another host's meetings. "
                         "`list` alone shows yours.", examples=("list",))
    return word.lower()


def list_reply(ctx: Context, who: Requester, host: str, judged: list[Audit],
               more: int) -> Reply:
    mine = host == who.email.lower()
    title = "📋 Your upcoming meetings" if mine else f"📋 {host}'s upcoming meetings"
    notes = [policy_note(ctx.policy_level), f"Times in {who.tz}."]
    if more:
        notes.insert(0, f"Showing the first {LIST_LIMIT}; {more} more not shown.")
    if not judged:
        return Reply(title=title, text=("Zoom lists no upcoming meetings that "
                                        + ("you host." if mine else f"{host} hosts.")),
                     notes=tuple(notes), private=True, sandbox=ctx.sandbox)
    bad = sum(not a.compliant for a in judged)
    text = (f"{len(judged)} upcoming, soonest first. "
            + (f"✓ All meet the {ctx.policy_level} policy." if not bad else
               f"✗ {bad} of them do not meet the {ctx.policy_level} policy: audit them."))
    facts = tuple(_line(ctx, who, a) for a in judged)
    actions: list[Action] = []
    for a in judged[:BUTTONS_FOR]:
        name = _short(a, who, ctx)
        actions += [replace(move_action(a.meeting_id), label=f"Move · {name}"),
                    replace(cancel_action(a.meeting_id, recurring=recurring(a.meeting)),
                            label=f"Cancel · {name}"),
                    Action(f"Audit · {name}", f"audit {a.meeting_id}")]
    if len(judged) > BUTTONS_FOR:
        notes.insert(0, f"Buttons for the first {BUTTONS_FOR}; for the others type "
                        "`move <ID> to <when>`, `cancel <ID>` or `audit <ID>`.")
    return Reply(title=title, text=text, facts=facts, actions=tuple(actions),
                 notes=tuple(notes), private=True, sandbox=ctx.sandbox)


def _line(ctx: Context, who: Requester, a: Audit) -> Fact:
    start = next_start(a.meeting, ctx.now())
    status = a.mark
    when = span(start, minutes_of(a.meeting), who.tz)
    parts = [topic(a.meeting), f"ID {format_meeting_id(a.meeting_id)}"]
    if recurring(a.meeting):
        parts.append("repeats" + (" (next shown)" if start is not None else ""))
    if status is Status.FAIL:
        parts.append("fails: " + ", ".join(policy.RULES_BY_ID[r].title for r in a.failed))
    elif status is Status.UNKNOWN:
        parts.append(f"{a.count(Status.UNKNOWN)} could not be checked")
    return Fact(f"{status.mark} {when}", " · ".join(parts))


def _short(a: Audit, who: Requester, ctx: Context) -> str:
    name = topic(a.meeting)
    name = name if len(name) <= 24 else name[:23] + "…"
    start = next_start(a.meeting, ctx.now())
    return f"{name} ({day_label(start, who.tz)})" if start is not None else name
