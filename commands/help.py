"""The help text, built from the command registry so it cannot drift from it.

The router owns the registry and passes it in: this module imports nothing of the
router's, so the two never import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from commands import policy
from commands.context import Context, Requester
from commands.reply import Fact, Reply

USAGE = "help"
SUMMARY = "Show what SecureMeet can do."
EXAMPLES = ("help",)

SCHEDULE_EXAMPLES = (
    "tomorrow 3pm for 45m Budget review",
    "tue 10:30 for 1h Design sync",
    "every weekday 9am for 15m Standup",
    "Dec 5 14:00 CET for 90 minutes Partner call",
)


class Described(Protocol):
    """What help shows of a command: the router's :class:`commands.router.Command`."""

    usage: str
    summary: str


def run(ctx: Context, who: Requester, *, registry: Mapping[str, Described],
        intro: str = "") -> Reply:
    facts = [Fact("/securemeet <when> [for <duration>] [topic]",
                  "schedule a locked-down meeting, e.g. " + " · ".join(
                      f"`{e}`" for e in SCHEDULE_EXAMPLES[:2])),
             Fact("… with @someone or an email",
                  "invite people: each gets the link and passcode in a direct message from "
                  "SecureMeet, e.g. `tomorrow 3pm Design sync with @ravi @meera`")]
    for command in registry.values():
        facts.append(Fact(f"/securemeet {command.usage}", command.summary))
    rules = ", ".join(r.title.lower() for r in policy.rules_for(ctx.policy_level)
                      if r.kind not in ("duty", "manual"))
    text = (intro + "\n" if intro else "") + (
        "Every meeting gets a fresh ID and a strong passcode, and SecureMeet reads it back "
        f"from Zoom to confirm: {rules}. What no API can do is left to you as a checklist.")
    return Reply(title="SecureMeet — Zoom meetings, locked down by default", text=text,
                 facts=tuple(facts), notes=(f"Policy: {ctx.policy_level}",), sandbox=ctx.sandbox)
