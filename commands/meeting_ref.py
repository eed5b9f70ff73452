"""Turn what a user pastes (an ID with spaces, a join link) into a meeting ID.

Join links may carry the passcode (``?pwd=…``); we read only the ID and never echo
the rest back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from commands import links
from commands.errors import UserError

_LINK = re.compile(r"(?:https?://)?[\w.-]*zoom(?:gov)?\.(?:us|com)/(?:j|s|w|wc(?:/join)?)/(\d{9,12})",
                   re.IGNORECASE)
_DIGITS = re.compile(r"^\d[\d\s-]{7,18}\d$")
CONFIRM_WORDS = ("confirm", "confirmed", "yes", "--confirm", "--yes", "-y")


def without_confirm(words: list[str]) -> tuple[list[str], bool]:
    """The words before a trailing confirmation (``confirm``, ``yes``, ``-y``…), and
    whether there was one: ``fix`` and ``cancel`` act only when it is there."""
    if words and words[-1].lower() in CONFIRM_WORDS:
        return words[:-1], True
    return words, False


def parse_meeting_id(text: str, *, command: str = "audit", hosts: Iterable[str] = ()) -> int:
    """The meeting ID in ``text``: an ID (spaces and dashes allowed), or a join link on
    Zoom's domains or on one of ``hosts`` (hosts Zoom's API gave this account's join
    links, :mod:`commands.links`)."""
    text = (text or "").strip().strip("<>")
    found = links.find(text, hosts)
    if found:
        return found[0].meeting_id
    match = _LINK.search(text)
    if match:
        return int(match.group(1))
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if 9 <= len(digits) <= 12:
            return int(digits)
    raise UserError(
        "That doesn't look like a Zoom meeting ID or join link. Give the 9–12 digit ID "
        "or paste the join link.",
        examples=(f"{command} 123 4567 8901", f"{command} https://zoom.us/j/12345678901"),
    )


def format_meeting_id(meeting_id: int) -> str:
    """Group digits the way Zoom shows them: 123 4567 8901."""
    s = str(meeting_id)
    if len(s) == 11:
        return f"{s[:3]} {s[3:7]} {s[7:]}"
    if len(s) == 10:
        return f"{s[:3]} {s[3:6]} {s[6:]}"
    return " ".join(s[i:i + 3] for i in range(0, len(s), 3))
