"""Invitees named in a schedule command, and the private invitation each one gets.

``/securemeet tomorrow 3pm for 30m Design sync with @ravi @meera``: Slack sends the
mentions escaped (``<@U123|ravi>``, the manifest sets ``should_escape``); Teams' front
end writes its mention entities the same way (``<@29:…|Ravi>``); a plain email
(``with ravi@example.org``, or Slack's ``<mailto:…|…>``) works anywhere. This module
is pure text and records:

- :func:`find` lists the :class:`Token`\\ s in a command, in order, once each;
  :func:`strip` removes them (and the ``with``/``and`` around them), so the time
  parser and the topic never see mention markup;
- the front end looks each token up on its platform and answers an :class:`Invitee`:
  who it is, where to send the invitation (their chat id), their email (it goes into
  Zoom's ``settings.meeting_invitees``) and zone, or why they cannot be reached (a bot,
  deactivated, outside the workspace, unknown, no 1:1 chat with SecureMeet);
- :func:`settle` fills in a token nobody could look up, and leaves out the requester;
- :func:`invitation` is the private message an invitee gets: topic, time in their own
  zone, join link and passcode, an *Add to calendar* button. It carries a secret, so
  it is only ever sent as a private notice, into that person's 1:1 chat with the bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from commands import timefmt
from commands.context import Context, Requester
from commands.meeting_ref import format_meeting_id
from commands.reply import Action, CheckItem, Fact, Notice, Reply, Status

SHARE_ID = "share-privately"  # the checklist item the invitations settle

# <@U123>, <@U123|ravi>, <@29:1abc|Ravi Kumar>: a chat user (Slack's escaped mention).
_MENTION = r"<@(?P<mention>[^|>\s]+)(?:\|(?P<mention_label>[^>]*))?>"
# <mailto:ravi@example.org|ravi@example.org>: Slack's escaped email.
_MAILTO = r"<mailto:(?P<mailto>[^|>\s]+@[^|>\s]+)(?:\|[^>]*)?>"
# <!subteam^S123|@design>: a user group (not expanded: named as unreachable).
_GROUP = r"<!subteam\^(?P<group>[^|>\s]+)(?:\|(?P<group_label>[^>]*))?>"
_EMAIL = (r"(?<![\w.+@-])(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
          r"\.[A-Za-z]{2,})(?![\w@-])")
# @ravi typed without the client turning it into a mention: nobody by that name.
_HANDLE = r"(?<![\w@.<|])@(?P<handle>[A-Za-z][\w.-]{0,79}[\w])(?![\w@])"
_TOKEN = re.compile("|".join((_MENTION, _MAILTO, _GROUP, _EMAIL, _HANDLE)))
# Other markup Slack escapes: <#C123|general> reads as #general; <!here>, <!channel>.
_CHANNEL = re.compile(r"<#(?P<id>[^|>\s]+)(?:\|(?P<name>[^>]*))?>")
_SPECIAL = re.compile(r"<!(?:here|channel|everyone)(?:\|[^>]*)?>")
_MARK = "\x00"
_LIST = re.compile(r"(?:\b(?:with|w/|inviting|invite|cc)\s+)?" + _MARK + r"\d+" + _MARK
                   + r"(?:\s*(?:,|&|\+|\band\b)?\s*" + _MARK + r"\d+" + _MARK + r")*",
                   re.IGNORECASE)
MAX_INVITEES = 25  # one command invites at most this many people (the rest are named)


@dataclass(frozen=True)
class Token:
    """One invitee as written. ``kind``: mention (a chat user id), email, group, handle."""

    kind: str
    value: str  # the chat user id, the email (lower case), the group id, the handle
    label: str = ""  # what the writer saw: "ravi", "ravi@example.org", "@design"
    raw: str = ""  # the text as written, to put back into a rewritten command

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    @property
    def shown(self) -> str:
        if self.kind == "email":
            return self.value
        label = self.label.lstrip("@")
        return ("@" + label) if label else self.value


@dataclass(frozen=True)
class Invitee:
    """A token looked up: whom to send to, or why nobody can be.

    ``user`` is the core's chat id (``slack:T1:U1``, ``teams:<aad>``), empty when the
    invitation cannot be delivered; ``reason`` then says why ("a bot", "deactivated",
    "outside this workspace", "unknown user", "no 1:1 chat with SecureMeet").
    ``email`` goes into Zoom's ``meeting_invitees`` (left empty for bots and accounts
    that are gone); ``tz`` is their zone, for the time in their invitation."""

    token: Token
    name: str
    user: str = ""
    email: str = ""
    tz: str = ""
    reason: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.user) and not self.reason


def find(text: str) -> tuple[Token, ...]:
    """The invitees written in ``text``, in order, each once."""
    seen: dict[str, Token] = {}
    for match in _TOKEN.finditer(text or ""):
        token = _token(match)
        if token is not None and token.key not in seen:
            seen[token.key] = token
    return tuple(seen.values())


def _token(match: re.Match[str]) -> Token | None:
    raw = match.group(0)
    if match.group("mention"):
        return Token("mention", match.group("mention"), match.group("mention_label") or "", raw)
    email = match.group("mailto") or match.group("email")
    if email:
        return Token("email", email.lower(), email, raw)
    if match.group("group"):
        return Token("group", match.group("group"), match.group("group_label") or "", raw)
    if match.group("handle"):
        return Token("handle", match.group("handle").lower(), "@" + match.group("handle"), raw)
    return None


def strip(text: str) -> str:
    """``text`` without its invitees, nor the ``with``/``and``/commas that listed them;
    a channel reference reads as ``#name``; ``@here`` and the like are dropped."""
    text = _SPECIAL.sub(" ", text or "")
    text = _CHANNEL.sub(lambda m: "#" + (m.group("name") or m.group("id")), text)
    marked = _TOKEN.sub(lambda m: f"{_MARK}{m.start()}{_MARK}", text.replace(_MARK, " "))
    cleaned = _LIST.sub(" ", marked)
    cleaned = re.sub(r"\s+([,;:])", r"\1", " ".join(cleaned.split()))
    return cleaned.strip(" ,;:&+")


def with_tokens(command: str, tokens: tuple[Token, ...]) -> str:
    """A rewritten command (a choice between two readings of its time) with the
    invitees put back, so pressing it invites the same people."""
    if not tokens:
        return command
    return f"{command} with " + " ".join(t.raw or t.shown for t in tokens)


def settle(tokens: tuple[Token, ...], found: tuple[Invitee, ...], who: Requester,
           ) -> tuple[Invitee, ...]:
    """One invitee per token, in order: as the front end found them, else (nobody
    could look them up: the terminal, a platform that was down) with a reason. The
    requester is not their own invitee; past :data:`MAX_INVITEES`, named as too many."""
    by_key = {i.token.key: i for i in found}
    out: list[Invitee] = []
    for token in tokens:
        invitee = by_key.get(token.key) or _unresolved(token)
        if invitee.user and invitee.user == who.user:
            continue
        if invitee.email and invitee.email == who.email.lower() and not invitee.user:
            continue
        if len([i for i in out if i.reachable]) >= MAX_INVITEES and invitee.reachable:
            invitee = replace(invitee, user="", reason=f"more than {MAX_INVITEES} invitees")
        out.append(invitee)
    return tuple(out)


def _unresolved(token: Token) -> Invitee:
    if token.kind == "email":
        return Invitee(token, token.value, email=token.value,
                       reason="SecureMeet could not send it here")
    if token.kind == "group":
        return Invitee(token, token.shown, reason="a user group: mention the people in it")
    if token.kind == "handle":
        return Invitee(token, token.shown, reason="nobody by that name")
    return Invitee(token, token.shown, reason="could not be looked up")


def zoom_invitees(invitees: tuple[Invitee, ...]) -> list[dict[str, str]]:
    """Zoom's ``settings.meeting_invitees``: every invitee with an email, once."""
    emails = dict.fromkeys(i.email.lower() for i in invitees if i.email)
    return [{"email": email} for email in emails]


def names(people: list[str]) -> str:
    """``Ravi``, ``Ravi and Meera``, ``Ravi, Meera and Ada``."""
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


def people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def sharing_lines(invitees: tuple[Invitee, ...]) -> list[str]:
    """What the requester is told: who got it, and who could not be reached and why."""
    sent = [i.name for i in invitees if i.reachable]
    missed = [i for i in invitees if not i.reachable]
    lines = []
    if sent:
        lines.append(f"📨 Sent privately to {names(sent)}: each got the link, the passcode "
                     "and their local time in a direct message from SecureMeet. Nothing was "
                     "posted in the channel.")
    if missed:
        lines.append("⚠️ Not sent to " + "; ".join(f"{i.name} ({i.reason})" for i in missed)
                     + ". Share it with them yourself, privately. The meeting stands.")
    return lines


def share_item(invitees: tuple[Invitee, ...], default: CheckItem) -> CheckItem:
    """The checklist's "share privately" line: done when everyone was reached."""
    sent = [i for i in invitees if i.reachable]
    missed = [i for i in invitees if not i.reachable]
    if not invitees:
        return default
    if not missed:
        return CheckItem(SHARE_ID, f"Shared privately with {people(len(sent))}", Status.DONE,
                         "SecureMeet sent each invitee the link and passcode directly")
    return replace(default, detail=(f"SecureMeet could not reach {names([i.name for i in missed])}"
                                    ": send them the link and passcode yourself, privately"))


def invitation(*, sandbox: bool, who: Requester, meeting: dict[str, Any], start: Any,
               duration: timedelta, invitee: Invitee, repeats: str = "") -> Reply:
    """The invitee's private message. Holds the passcode: a private notice only."""
    meeting_id = int(meeting["id"])
    topic = str(meeting.get("topic") or "Zoom meeting")
    by = who.name or who.email
    join = str(meeting.get("join_url") or "")
    facts = [Fact("When", timefmt.span(start, duration, invitee.tz or who.tz))]
    if repeats:
        facts.append(Fact("Repeats", repeats))
    facts += [Fact("Host", f"{who.name} ({who.email})" if who.name else who.email),
              Fact("Join link", join, url=join),
              Fact("Meeting ID", format_meeting_id(meeting_id)),
              Fact("Passcode", str(meeting.get("password") or ""), secret=True)]
    return Reply(
        title=f"📨 {topic}",
        text=(f"{by} invited you to a Zoom meeting. The link and passcode are for you "
              "alone: please don't forward them or post them in a channel."),
        facts=tuple(facts),
        actions=(Action("Add to calendar", f"calendar {meeting_id}"),),
        notes=("Sent privately by SecureMeet. You will wait in the waiting room until "
               "the host lets you in.",),
        private=True, sandbox=sandbox)


def tell(ctx: Context, who: Requester, meeting_id: int, *, title: str,
         text: Callable[[str], str], calendar: bool = False) -> tuple[Notice, ...]:
    """A note to each person SecureMeet sent this meeting's invitation to (a move, a
    cancel), in their own zone (``text(tz)``), into their direct message. No passcode
    and no join link in it: they have them. Not to ``who``, who did it."""
    actions = (Action("Add to calendar", f"calendar {meeting_id}"),) if calendar else ()
    return tuple(
        Notice(to=inv.user, name=inv.name, reply=Reply(
            title=title, text=text(inv.tz or who.tz),
            facts=(Fact("Meeting ID", format_meeting_id(meeting_id)),), actions=actions,
            private=True, sandbox=ctx.sandbox))
        for inv in ctx.store.invitations(meeting_id) if inv.user != who.user)
