"""Block Kit for the core's ``Reply``: a pure function, no network, no Slack SDK.

Layout, top to bottom: a header (the title), the text, the facts as section fields,
the checklist (✓ done, ✗ fail, ☐ host duty, ? check by hand), the buttons, and a
context block with the notes (policy, sandbox).

Slack's limits are enforced here by cutting, never by failing: 50 blocks per message
(100 in a Home tab), 150 characters in a header, 3000 in a section's text, 10 fields
of at most 2000 characters per section, 75 characters of button text, 255 for an
``action_id``, 2000 for a button ``value``, 10 elements in a context block.

Secrets: ``render(reply, public=True)`` renders ``Reply.public_copy()`` (no secret fact,
no ``?pwd=`` in any link), and the
fallback ``text`` (what notifications and previews show) never carries one, even for
a private reply: the passcode is shown only inside the private message's blocks.
"""

from __future__ import annotations

from typing import Any

from commands.reply import Action, CheckItem, Fact, Reply, legacy_command

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_VALUE = 2000
MAX_URL = 3000
MAX_BUTTONS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300

ACTION_PREFIX = "securemeet"  # action_id = "securemeet:<verb>:<index>"; value = the command


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in … when something was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def escape(text: str) -> str:
    """Slack's three mrkdwn control characters; stops ``<!channel>`` and fake links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(reply: Reply, *, public: bool = False, max_blocks: int = MAX_BLOCKS) -> dict[str, Any]:
    """``{"text": fallback, "blocks": [...]}`` for ``reply``; ``public`` drops secrets."""
    if public:
        reply = reply.public_copy()
    blocks: list[Block] = [header(reply.title)]
    if reply.text:
        blocks += sections(escape(reply.text))
    if reply.facts:
        blocks += fact_sections(reply.facts)
    if reply.checklist:
        blocks += checklist_sections(reply)
    tail: list[Block] = []
    if reply.actions:
        tail += actions_blocks(reply.actions)
    notes = notes_block(reply)
    if notes:
        tail.append(notes)
    return {"text": fallback_text(reply), "blocks": fit(blocks, tail, max_blocks)}


def fallback_text(reply: Reply) -> str:
    """Notification/preview text: the plain text of the reply without secret facts."""
    return cut(escape(reply.public_copy().plain_text()), MAX_FALLBACK)


def header(title: str) -> Block:
    return {"type": "header",
            "text": {"type": "plain_text", "text": cut(title or " ", MAX_HEADER), "emoji": True}}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, str]:
    return {"type": "mrkdwn", "text": cut(text, limit)}


def sections(text: str) -> list[Block]:
    """One or more sections: long text is split at line ends, each part ≤ 3000 chars."""
    return [{"type": "section", "text": mrkdwn(part)} for part in chunk_lines(text)]


def chunk_lines(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = cut(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current or " ")
    return parts


def fact_field(fact: Fact) -> dict[str, str]:
    value = fact.value
    if fact.url and fact.url == fact.value and fact.url.startswith(("https://", "http://")):
        shown = f"<{escape(fact.url)}>"
    elif fact.url and fact.url.startswith(("https://", "http://")):
        shown = f"<{escape(fact.url)}|{escape(value)}>"
    elif fact.secret:
        shown = f"`{escape(value)}`"
    else:
        shown = escape(value)
    label = f"*{escape(fact.label)}*\n"
    return mrkdwn(label + cut(shown, MAX_FIELD - len(label)), MAX_FIELD)


def fact_sections(facts: tuple[Fact, ...]) -> list[Block]:
    fields = [fact_field(f) for f in facts]
    return [{"type": "section", "fields": fields[i:i + MAX_FIELDS]}
            for i in range(0, len(fields), MAX_FIELDS)]


def check_line(item: CheckItem) -> str:
    detail = f" — {escape(item.detail)}" if item.detail else ""
    return f"{item.status.mark} *{escape(item.title)}*{detail}"


def checklist_sections(reply: Reply) -> list[Block]:
    blocks: list[Block] = []
    for title, group in reply.groups():
        blocks += sections("\n".join([f"*{escape(title)}*"] + [check_line(i) for i in group]))
    return blocks


def action_id(name: str, index: int) -> str:
    return cut(f"{ACTION_PREFIX}:{name}:{index}", MAX_ACTION_ID)


def parse_action_id(value: str) -> str | None:
    """``"securemeet:end:0"`` → ``"end"``; anything else → ``None``."""
    parts = value.split(":")
    if len(parts) == 3 and parts[0] == ACTION_PREFIX and parts[1]:
        return parts[1]
    return None


def command_of(action_id_: str, value: str) -> str | None:
    """The command a pressed button runs: its ``value``. Buttons sent before they carried
    their command had ``value="123:waiting-room"`` and the verb in the action id; those
    still work. ``None`` for a button that is not SecureMeet's."""
    verb = parse_action_id(action_id_)
    if verb is None or not value.strip() or len(value) > MAX_VALUE:
        return None
    value = " ".join(value.split())
    if value.split(" ", 1)[0].lower() == verb:
        return value
    return legacy_command(verb, value)


def button(action: Action, index: int) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(action.label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id(action.verb, index),
        "value": action.command[:MAX_VALUE],
    }
    if action.style in ("primary", "danger"):
        element["style"] = action.style
    if action.url and len(action.url) <= MAX_URL:
        element["url"] = action.url
    if action.confirm:
        element["confirm"] = {
            "title": {"type": "plain_text", "text": cut(action.label, MAX_CONFIRM_TITLE)},
            "text": {"type": "plain_text", "text": cut(action.confirm, MAX_CONFIRM_TEXT)},
            "confirm": {"type": "plain_text", "text": cut(action.label, 30)},
            "deny": {"type": "plain_text", "text": "Cancel"},
        }
        if action.style == "danger":
            element["confirm"]["style"] = "danger"
    return element


def actions_blocks(actions: tuple[Action, ...]) -> list[Block]:
    buttons = [button(a, i) for i, a in enumerate(actions)]
    return [{"type": "actions", "block_id": f"{ACTION_PREFIX}-actions-{n}",
             "elements": buttons[i:i + MAX_BUTTONS]}
            for n, i in enumerate(range(0, len(buttons), MAX_BUTTONS))]


def notes_block(reply: Reply) -> Block | None:
    notes = list(reply.notes)
    if reply.sandbox and not any("andbox" in n for n in notes):
        notes.append("🧪 Sandbox mode: answered by SecureMeet's built-in Zoom emulator.")
    if not notes:
        return None
    if len(notes) > MAX_CONTEXT_ELEMENTS:
        notes = notes[:MAX_CONTEXT_ELEMENTS - 1] + [" · ".join(notes[MAX_CONTEXT_ELEMENTS - 1:])]
    return {"type": "context", "elements": [mrkdwn(escape(n)) for n in notes]}


def fit(body: list[Block], tail: list[Block], max_blocks: int) -> list[Block]:
    """Keep the tail (buttons, notes); cut the body and say how much was left out."""
    if len(body) + len(tail) <= max_blocks:
        return body + tail
    keep = max(max_blocks - len(tail) - 1, 1)
    dropped = len(body) - keep
    note = {"type": "context",
            "elements": [mrkdwn(f"… {dropped} more block(s) not shown (Slack's limit).")]}
    return (body[:keep] + [note] + tail)[:max_blocks]
