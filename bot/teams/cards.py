"""Adaptive Cards for the core's ``Reply``: a pure function, no network, no Teams SDK.

Schema version 1.5 (what Teams supports, and the Teams SDK's default). Layout, top to
bottom: the title as a heading ``TextBlock``, the text, the facts as a ``FactSet``,
the checklist (✓ done, ✗ fail, ☐ host duty, ? check by hand) as one ``TextBlock`` per
item under two headings, and the notes in small subtle text. Card actions:

- a fact with a URL (the join link) → ``Action.OpenUrl``;
- a ``Reply`` action → ``Action.Execute`` (Universal Actions: Teams sends an
  ``adaptiveCard/action`` invoke) with an ``Action.Submit`` fallback for clients that
  lack it (that arrives as a message whose ``value`` is the data). Both carry the
  same data, ``{"command": "<the command the button runs>"}``, so the bot routes
  either the same way (:func:`command_from`);
- an action with a ``confirm`` question → ``Action.ShowCard``: pressing it unfolds a
  small card with the question and a "Yes, …" button that carries the data. Adaptive
  Cards have no confirmation dialog; this is the nearest thing, and nothing is sent
  before the second press.

Teams shows six buttons; more go to the overflow menu (``mode: secondary``, 1.5).

Markdown: Teams renders a subset of Markdown in ``TextBlock`` text and in fact titles
and values. Everything that can carry what a user typed (a topic in a title or a
sentence, a passcode drawn from ``[A-Za-z0-9@-_*]``) is escaped with backslashes
(:func:`md_escape`), so a topic ``[Verify](https://…)`` shows as typed and never becomes
a link; only the checklist's own bold labels are Markdown.

Secrets: ``render(reply, public=True)`` renders ``Reply.public_copy()`` (no secret fact,
no ``?pwd=`` in any link), and the card's
``fallbackText`` and the activity ``summary`` (what notifications and previews show)
never carry one, even for a private card.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote

from commands.reply import Action, CheckItem, Fact, Reply, Status, legacy_command

Card = dict[str, Any]

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

MAX_TITLE = 200
MAX_TEXT = 2000
MAX_FACT_TITLE = 100
MAX_FACT_VALUE = 1000
MAX_BUTTON_TEXT = 60
MAX_PRIMARY_ACTIONS = 6  # Teams shows at most six buttons; the rest go to "…"
MAX_CARD_BYTES = 24_000  # Teams rejects messages over ~28 KB; keep room for the envelope
MAX_FALLBACK = 1000
MAX_INLINE_TEXT = 6000  # an .ics is ~1 KB; a long CSV belongs in a file
MAX_INLINE_IMAGE = 60_000  # base64 bytes of an inline image (the stats chart)

COMMAND_PREFIX = "@SecureMeet "  # how a Teams user addresses the bot in a channel
SANDBOX_NOTE = "🧪 Sandbox mode: answered by SecureMeet's built-in Zoom emulator."

_COLORS = {Status.DONE: "good", Status.FAIL: "attention", Status.UNKNOWN: "warning"}
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>#|])")
_SLASH_COMMAND = re.compile(r"/securemeet\b ?")


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in … when something was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def md_escape(text: str) -> str:
    """Backslash-escape the Markdown that Teams would otherwise interpret."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_unescape(text: str) -> str:
    """The inverse of :func:`md_escape` (for tests and the parity check)."""
    return re.sub(r"\\(.)", r"\1", text)


def teams_words(text: str) -> str:
    """SecureMeet's prose speaks Slack (``/securemeet audit 1``); in Teams one writes
    ``@SecureMeet audit 1`` (in a 1:1 chat the mention is optional and harmless)."""
    return _SLASH_COMMAND.sub(COMMAND_PREFIX, text)


def render(reply: Reply, *, public: bool = False) -> Card:
    """The Adaptive Card for ``reply``; ``public`` drops secrets (``Reply.public_copy``)."""
    if public:
        reply = reply.public_copy()
    body: list[Card] = [heading(reply)]
    if reply.text:
        body.append(text_block(md_escape(teams_words(reply.text))))
    if reply.facts:
        body.append(fact_set(reply.facts))
    body += checklist_blocks(reply)
    body += file_blocks(reply)
    tail = notes_blocks(reply)
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": fallback_text(reply),
        "body": body + tail,
    }
    actions = card_actions(reply)
    if actions:
        card["actions"] = actions
    return fit(card, len(tail))


def attachment(reply: Reply, *, public: bool = False) -> dict[str, Any]:
    """A Bot Framework attachment carrying the card."""
    return {"contentType": CONTENT_TYPE, "content": render(reply, public=public)}


def message(reply: Reply, *, public: bool = False) -> dict[str, Any]:
    """The message activity's payload: the card, then any inline images (a chart)."""
    return {"type": "message", "summary": summary(reply),
            "attachments": [attachment(reply, public=public), *image_attachments(reply)]}


def fallback_text(reply: Reply) -> str:
    """Notification/preview text: the reply's plain text without secrets."""
    return cut(teams_words(reply.public_copy().plain_text()), MAX_FALLBACK)


def summary(reply: Reply) -> str:
    """The activity's ``summary`` (the notification line): the title, never a secret."""
    return cut(reply.title, MAX_TITLE)


def heading(reply: Reply) -> Card:
    block = text_block(md_escape(cut(reply.title or " ", MAX_TITLE)), size="large",
                       weight="bolder")
    block["style"] = "heading"
    if reply.error:
        block["color"] = "attention"
    return block


def text_block(text: str, **style: Any) -> Card:
    block: Card = {"type": "TextBlock", "text": cut(text, MAX_TEXT), "wrap": True}
    block.update({k: v for k, v in style.items() if v is not None})
    return block


def fact_value(fact: Fact) -> str:
    value = md_escape(cut(teams_words(fact.value), MAX_FACT_VALUE))
    if fact.url and fact.url.startswith(("https://", "http://")):
        target = quote(fact.url, safe=":/?#@!$&'*+,;=%-._~")
        return f"[{value}]({target})"
    return value


def fact_set(facts: tuple[Fact, ...]) -> Card:
    return {"type": "FactSet", "facts": [
        {"title": md_escape(cut(teams_words(f.label), MAX_FACT_TITLE)),
         "value": fact_value(f)}
        for f in facts]}


def check_text(item: CheckItem) -> str:
    detail = f" — {md_escape(teams_words(item.detail))}" if item.detail else ""
    return f"{item.status.mark} **{md_escape(item.title)}**{detail}"


def check_block(item: CheckItem) -> Card:
    return text_block(check_text(item), color=_COLORS.get(item.status), spacing="small")


def checklist_blocks(reply: Reply) -> list[Card]:
    blocks: list[Card] = []
    for title, group in reply.groups():
        blocks.append(text_block(title, weight="bolder", separator=True, spacing="medium"))
        blocks += [check_block(i) for i in group]
    return blocks


# files: a Teams bot cannot simply upload one, so small ones travel inside the message --
def _is_text(mime: str) -> bool:
    return mime.startswith("text/")


def _fits_inline(mime: str, content: bytes) -> bool:
    if _is_text(mime):
        return len(content) <= MAX_INLINE_TEXT
    return mime.startswith("image/") and len(content) * 4 // 3 <= MAX_INLINE_IMAGE


def file_blocks(reply: Reply) -> list[Card]:
    """A text file (an ``.ics``, a CSV) shown to copy; anything else said in words."""
    blocks: list[Card] = []
    for name, mime, content in reply.attachments:
        if not _fits_inline(mime, content):
            blocks.append(text_block(f"📎 {md_escape(name)} is too large to show in Teams; "
                                     "the SecureMeet command line can write it to a file.",
                                     isSubtle=True))
        elif _is_text(mime):
            blocks.append(text_block(f"📎 Save this as **{md_escape(name)}** and open it:",
                                     separator=True))
            blocks.append(text_block(md_escape(content.decode("utf-8", "replace")),
                                     fontType="monospace", size="small"))
    return blocks


def image_attachments(reply: Reply) -> list[dict[str, Any]]:
    """Images (the stats chart) as inline ``data:`` attachments, when small enough."""
    return [{"contentType": mime, "name": name,
             "contentUrl": f"data:{mime};base64,{base64.b64encode(content).decode()}"}
            for name, mime, content in reply.attachments
            if mime.startswith("image/") and _fits_inline(mime, content)]


def notes_lines(reply: Reply) -> list[str]:
    notes = [md_escape(teams_words(n)) for n in reply.notes]
    if reply.sandbox and not any("andbox" in n for n in notes):
        notes.append(SANDBOX_NOTE)
    return notes


def notes_blocks(reply: Reply) -> list[Card]:
    notes = notes_lines(reply)
    if not notes:
        return []
    first = text_block(notes[0], size="small", isSubtle=True, separator=True)
    return [first] + [text_block(n, size="small", isSubtle=True, spacing="small")
                      for n in notes[1:]]


# actions ------------------------------------------------------------------------------
def action_data(action: Action) -> dict[str, str]:
    return {"command": action.command}


def execute(action: Action, title: str | None = None) -> Card:
    """``Action.Execute`` with an ``Action.Submit`` fallback carrying the same data."""
    label = cut(title or action.label, MAX_BUTTON_TEXT)
    data = action_data(action)
    element: Card = {"type": "Action.Execute", "title": label, "verb": action.verb,
                     "data": data,
                     "fallback": {"type": "Action.Submit", "title": label, "data": data}}
    style = _style(action)
    if style:
        element["style"] = style
        element["fallback"]["style"] = style
    return element


def confirm_card(action: Action) -> Card:
    """The unfolding card of an action that asks first: the question, then "Yes"."""
    return {"type": "AdaptiveCard",
            "body": [text_block(teams_words(action.confirm or ""), weight="bolder")],
            "actions": [execute(action, title=f"Yes, {action.label.lower()}")]}


def button(action: Action) -> Card:
    if action.url and action.url.startswith(("https://", "http://")):
        return {"type": "Action.OpenUrl", "title": cut(action.label, MAX_BUTTON_TEXT),
                "url": action.url}
    if action.confirm:
        return {"type": "Action.ShowCard", "title": cut(action.label, MAX_BUTTON_TEXT),
                "card": confirm_card(action)}
    return execute(action)


def link_buttons(reply: Reply) -> list[Card]:
    return [{"type": "Action.OpenUrl", "title": cut(f"Open {f.label.lower()}", MAX_BUTTON_TEXT),
             "url": f.url}
            for f in reply.facts if f.url and f.url.startswith(("https://", "http://"))]


def card_actions(reply: Reply) -> list[Card]:
    actions = link_buttons(reply) + [button(a) for a in reply.actions]
    for extra in actions[MAX_PRIMARY_ACTIONS:]:
        extra["mode"] = "secondary"
    return actions


def _style(action: Action) -> str | None:
    return {"primary": "positive", "danger": "destructive"}.get(action.style or "")


MAX_COMMAND = 500  # the router's own limit on a command's text


def command_from(data: Any) -> str | None:
    """The command a card button runs, from its data (Execute or Submit), else ``None``.

    Cards sent before buttons carried their command had ``{"action": name, "value":
    value}`` (``fix`` with ``"123:waiting-room"``); those still work."""
    if not isinstance(data, dict):
        return None
    command = data.get("command")
    if isinstance(command, str) and command.strip() and len(command) <= MAX_COMMAND:
        return " ".join(command.split())
    value = data.get("value")
    if isinstance(value, str) and len(value) > MAX_COMMAND:
        return None
    return legacy_command(data.get("action"), value)


# size ---------------------------------------------------------------------------------
def size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def fit(card: Card, tail: int) -> Card:
    """Keep the heading, notes and actions; drop body blocks from the end of the body
    proper until the card fits Teams' message size, and say how many were left out."""
    if size(card) <= MAX_CARD_BYTES:
        return card
    body = card["body"]
    head, middle, notes = body[:1], body[1:len(body) - tail], body[len(body) - tail:]
    dropped = 0
    while middle and size(card) > MAX_CARD_BYTES:
        middle.pop()
        dropped += 1
        note = text_block(f"… {dropped} more item(s) not shown (Teams' size limit).",
                          size="small", isSubtle=True)
        card["body"] = head + middle + [note] + notes
    return card
