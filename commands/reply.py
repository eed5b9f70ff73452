"""One platform-neutral answer: every front end renders this and nothing else.

A ``Reply`` says *what* to show (title, facts, checklist, actions); Block Kit,
Adaptive Cards and the terminal each decide *how*. Secrets are marked on the fact
itself (``secret=True``) so a renderer for a public place can drop them, and
``private`` says whether the reply may only go to the requester.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


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
    """A button. ``name`` is routed by the front end back to a command."""

    name: str  # end | audit | fix | rotate | calendar
    label: str
    value: str  # meeting id (plus rule id for fix: "123:waiting-room")
    style: str | None = None  # primary | danger
    confirm: str | None = None  # a confirmation question before acting
    url: str | None = None  # a link button instead of a callback


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

    def public_copy(self) -> Reply:
        """The same reply with every secret fact removed, for a shared channel."""
        return replace(self, facts=tuple(f for f in self.facts if not f.secret), private=False)

    @property
    def has_secret(self) -> bool:
        return any(f.secret for f in self.facts)

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


def error_reply(message: str, *, examples: tuple[str, ...] = (), sandbox: bool = False) -> Reply:
    """The one shape every user-facing error takes: what was wrong, then what works."""
    head, rest = _split_first_sentence(message)
    lines = [rest] if rest else []
    if examples:
        lines.append("Try: " + " · ".join(f"`/securemeet {e}`" for e in examples))
    return Reply(title="⚠️ " + head, text="\n".join(lines), error=True, sandbox=sandbox)


def _split_first_sentence(message: str) -> tuple[str, str]:
    """``"Bad time. Use 3pm."`` → ``("Bad time.", "Use 3pm.")``; long heads stay whole."""
    for end in (". ", "\n"):
        head, sep, rest = message.partition(end)
        if sep and len(head) <= 120:
            return head + ("." if end == ". " else ""), rest.strip()
    return message, ""
