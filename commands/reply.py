"""One platform-neutral answer: every front end renders this and nothing else.

A ``Reply`` says *what* to show (title, facts, checklist, actions); Block Kit,
Adaptive Cards and the terminal each decide *how*. It also owns two decisions no
renderer should make on its own:

- **What may be shown in public.** Secrets are marked on the fact itself
  (``secret=True``), and a join link may carry its passcode (``?pwd=…``);
  :meth:`Reply.public_copy` drops the one and strips the other everywhere (facts,
  links, buttons, text), so a renderer for a shared place only renders.
- **How the checklist is grouped.** :meth:`Reply.groups` orders and heads it the same
  way for every platform.

A button is an :class:`Action` that carries the command it runs, exactly as a user
would type it (``fix 123 passcode confirm``): every press goes through the router and
its access checks, like a typed command. :class:`Notice` is a message for someone other
than the requester (the host, when an admin changed their meeting), delivered
privately by the front door; it never carries a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from commands.records import Event


class Status(StrEnum):
    """A checklist item's state. ``TODO`` is a host duty no API can do."""

    DONE = "done"  # ✓ enforced and confirmed by reading Zoom back
    FAIL = "fail"  # ✗ not as the policy asks
    TODO = "todo"  # ☐ a host duty during or around the meeting
    MANUAL = "manual"  # ? no API can check it: how to check by hand
    UNKNOWN = "unknown"  # ? we could not read it (no permission)

    @property
    def mark(self) -> str:
        return {"done": "✓", "fail": "✗", "todo": "☐", "manual": "?", "unknown": "?"}[self.value]


# The one order of a checklist, worst first; and its two headings.
ORDER = (Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.DONE, Status.TODO)
CHECKS_HEADING = "Security settings (as Zoom applied them)"
DUTIES_HEADING = "Left to you, the host"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    secret: bool = False  # e.g. the passcode: only ever in a private reply
    url: str | None = None


@dataclass(frozen=True)
class CheckItem:
    rule_id: str
    title: str
    status: Status
    detail: str = ""  # one line: why, or how to do it
    clause: str = ""  # the advisory clause it comes from


@dataclass(frozen=True)
class Action:
    """A button: ``command`` is what pressing it runs, as typed (``end 123``), or a
    link (``url``). ``confirm`` is a question asked before the press is sent."""

    label: str
    command: str = ""
    style: str | None = None  # primary | danger
    confirm: str | None = None
    url: str | None = None

    @property
    def verb(self) -> str:
        """The command word (``fix``), for action ids and metrics; ``link`` for a link."""
        return self.command.split(" ", 1)[0].lower() if self.command else "link"


LEGACY_VERBS = ("end", "audit", "fix", "calendar")  # what buttons did before they carried commands


def legacy_command(verb: object, value: object) -> str | None:
    """The command of a button sent before buttons carried their command: the verb,
    and a value like ``123:waiting-room`` (``fix 123 waiting-room``); None otherwise."""
    if verb in LEGACY_VERBS and isinstance(value, str):
        return f"{verb} {value.replace(':', ' ')}".strip()
    return None


@dataclass(frozen=True)
class Chart:
    """A chart to attach, as data: the front ends draw it (``bot/charts.py``), so the
    core needs no imaging library. ``weeks``: (week start, meetings, of which compliant)."""

    filename: str
    title: str
    weeks: tuple[tuple[date, int, int], ...]


@dataclass(frozen=True)
class Notice:
    """A direct message to another person: the host, when an admin ended their meeting
    (``to`` is an email or a chat user id); delivered best effort, its public copy only.

    ``private``: a message meant for exactly this one person with its secrets (an
    invitee's passcode). ``to`` must then be a chat user id; the front door sends it
    before the requester's reply, through the platform's ``send_private`` (that
    person's 1:1 chat with the bot, nowhere else), and tells the requester about any
    that could not be delivered (:meth:`Reply.undelivered`, naming ``name``).
    ``record``: an event to record once it was delivered (an invitation sent)."""

    to: str
    reply: Reply
    private: bool = False
    name: str = ""
    record: Event | None = None


@dataclass(frozen=True)
class Reply:
    title: str
    text: str = ""
    facts: tuple[Fact, ...] = ()
    checklist: tuple[CheckItem, ...] = ()
    actions: tuple[Action, ...] = ()
    notes: tuple[str, ...] = ()  # short lines under everything (policy level, sandbox)
    private: bool = True
    error: bool = False
    sandbox: bool = False
    attachments: tuple[tuple[str, str, bytes], ...] = field(default=(), repr=False)
    # (filename, mime type, content): an .ics, a CSV, a chart
    notices: tuple[Notice, ...] = field(default=(), repr=False)
    chart: Chart | None = field(default=None, repr=False)

    def public_copy(self) -> Reply:
        """The same reply for a place others can read: no secret fact, and no link,
        button or text carrying a passcode (``?pwd=…`` stripped)."""
        facts = tuple(replace(f, value=strip_secret_query(f.value),
                              url=strip_secret_query(f.url) if f.url else f.url)
                      for f in self.facts if not f.secret)
        actions = tuple(replace(a, url=strip_secret_query(a.url)) if a.url else a
                        for a in self.actions)
        return replace(self, title=strip_secret_query(self.title),
                       text=strip_secret_query(self.text), facts=facts, actions=actions,
                       notes=tuple(strip_secret_query(n) for n in self.notes), private=False)

    def undelivered(self, names: tuple[str, ...]) -> Reply:
        """This reply, once the private notices to ``names`` could not be delivered: a
        note says so, and a "shared privately" checklist line is a duty again."""
        if not names:
            return self
        who = ", ".join(names)
        checklist = tuple(
            replace(c, title="Share the link privately", status=Status.TODO,
                    detail=f"SecureMeet could not deliver it to {who}: send them the link "
                           "and passcode yourself, privately")
            if c.rule_id == "share-privately" else c for c in self.checklist)
        note = (f"⚠️ Could not deliver the invitation to {who}. Send them the link and "
                "passcode yourself, privately.")
        return replace(self, checklist=checklist, notes=(note, *self.notes))

    @property
    def has_secret(self) -> bool:
        return any(f.secret for f in self.facts)

    def groups(self) -> list[tuple[str, tuple[CheckItem, ...]]]:
        """The checklist as (heading, items): what Zoom applied, worst first, then the
        host's duties. Empty groups are left out."""
        ordered = sorted(self.checklist, key=lambda item: ORDER.index(item.status))
        checks = tuple(i for i in ordered if i.status is not Status.TODO)
        duties = tuple(i for i in ordered if i.status is Status.TODO)
        return [(h, items) for h, items in ((CHECKS_HEADING, checks),
                                             (DUTIES_HEADING, duties)) if items]

    def plain_text(self) -> str:
        """A one-screen text version: Slack's fallback ``text``, logs never get it."""
        lines = [self.title]
        if self.text:
            lines.append(self.text)
        lines += [f"{f.label}: {f.value}" for f in self.facts]
        lines += [f"{c.status.mark} {c.title}" + (f" — {c.detail}" if c.detail else "")
                  for c in self.checklist]
        lines += list(self.notes)
        return "\n".join(lines)


_SECRET_QUERY = re.compile(r"(https?://[^\s<>|?#]+)\?[^\s<>|#]*?\bpwd=[^\s<>|]*", re.I)


def strip_secret_query(text: str) -> str:
    """Every link in ``text`` whose query carries a passcode (``pwd=``), without its
    query: ``https://zoom.us/j/1?pwd=x`` → ``https://zoom.us/j/1``."""
    return _SECRET_QUERY.sub(r"\1", text) if "pwd=" in text.lower() else text


def error_reply(message: str, *, examples: tuple[str, ...] = (), sandbox: bool = False,
                choices: tuple[Action, ...] = ()) -> Reply:
    """The one shape every user-facing error takes: what was wrong, then what works.
    ``choices`` are buttons that run a corrected command (the readings of an
    ambiguous time)."""
    head, rest = _split_first_sentence(message)
    lines = [rest] if rest else []
    if examples:
        lines.append("Try: " + " · ".join(f"`/securemeet {e}`" for e in examples))
    return Reply(title="⚠️ " + head, text="\n".join(lines), actions=choices, error=True,
                 sandbox=sandbox)


def unexpected_error(ref: str, *, sandbox: bool = False) -> Reply:
    """What the user sees when something failed that is not their doing: the only
    wording of it. ``ref`` is in the log line that has the details."""
    return error_reply(f"Something went wrong on our side (ref {ref}). Nothing was "
                       "changed; please try again, and quote the ref if it persists.",
                       sandbox=sandbox)


_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)([.?!])\s+|\n")


def _split_first_sentence(message: str) -> tuple[str, str]:
    """``"Bad time. Use 3pm."`` → ``("Bad time.", "Use 3pm.")``; a question ends a
    sentence too, "e.g." does not; long heads stay whole."""
    end = _SENTENCE_END.search(message)
    if end and end.start() <= 120:
        return message[:end.start()] + (end.group(1) or ""), message[end.end():].strip()
    return message, ""
