"""The terminal front end: render a ``Reply`` as text, and a small chat loop.

Colour only when writing to a terminal (and never when ``NO_COLOR`` is set), so
pipes and logs stay plain.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from commands.reply import Action, Reply

_COLOURS = {"title": "1", "done": "32", "fail": "31", "todo": "33", "manual": "36",
            "unknown": "36", "dim": "2", "error": "1;31", "label": "1"}


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def render(reply: Reply, *, colour: bool = False) -> str:
    def paint(text: str, what: str) -> str:
        return f"\033[{_COLOURS[what]}m{text}\033[0m" if colour else text

    lines = [paint(reply.title, "error" if reply.error else "title")]
    if reply.text:
        lines += [reply.text, ""]
    width = max((len(f.label) for f in reply.facts), default=0)
    for fact in reply.facts:
        lines.append(f"  {paint(fact.label.ljust(width), 'label')}  {fact.value}")
    if reply.facts:
        lines.append("")
    for heading, items in reply.groups():
        lines.append(paint(heading, "label"))
        for item in items:
            mark = paint(item.status.mark, item.status.value)
            detail = paint(f" — {item.detail}", "dim") if item.detail else ""
            lines.append(f"  {mark} {item.title}{detail}")
        lines.append("")
    typed = [typed_command(a) for a in reply.actions]
    for action, command in zip(reply.actions, typed, strict=True):
        if command:
            lines.append(paint(f"  [{action.label}]  type: {command}", "dim"))
    lines += _attachments(reply)
    lines += [paint(note, "dim") for note in reply.notes]
    if reply.sandbox and not any("Sandbox" in n for n in reply.notes):
        lines.append(paint("🧪 Sandbox mode: answered by the built-in Zoom emulator.", "dim"))
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


# How to get an attachment a terminal chat does not show (too long, or not text).
_ELSEWHERE = {"text/csv": "securemeet stats --csv > FILE",
              "image/png": "securemeet stats --chart FILE"}


def _attachments(reply: Reply) -> list[str]:
    """A text attachment (the .ics) is shown whole, to copy or redirect; the stats CSV and
    chart are not, so say how to get them."""
    lines = []
    if reply.chart is not None:
        lines.append(f"📎 {reply.chart.filename}: get it with `{_ELSEWHERE['image/png']}`")
    for name, mime, content in reply.attachments:
        if mime in _ELSEWHERE or not mime.startswith("text/"):
            how = _ELSEWHERE.get(mime)
            lines.append(f"📎 {name}: " + (f"get it with `{how}`" if how else
                                           f"{mime}, not shown in a terminal"))
            continue
        text = content.decode() if isinstance(content, bytes) else str(content)
        lines += [f"📎 {name}:", text.rstrip(), ""]
    return lines


def typed_command(action: Action) -> str | None:
    """What to type in the chat for a button: the command it runs (``fix 123 passcode``)."""
    return action.command or None


PROMPT = "securemeet> "
BANNER = ("SecureMeet chat — type a time (e.g. `tomorrow 3pm for 45m Budget review`), "
          "`help`, or `quit`.")


def chat(handle: Callable[[str], Reply], lines: Iterable[str] | None = None, *,
         out: TextIO = sys.stdout, first: str | None = None) -> int:
    """Read commands until EOF or ``quit``; each line is one ``/securemeet`` command."""
    colour = use_colour(out)
    interactive = lines is None and sys.stdin.isatty()
    out.write(BANNER + "\n")
    if first:
        out.write(f"{PROMPT}{first}\n" + render(handle(first), colour=colour))
    source = lines if lines is not None else _stdin_lines(interactive)
    for line in source:
        text = line.strip()
        if not text:
            continue
        if text.lower() in ("quit", "exit", ":q"):
            break
        out.write(render(handle(text), colour=colour))
        out.flush()
    return 0


def _stdin_lines(interactive: bool) -> Iterable[str]:
    while True:
        try:
            yield input(PROMPT) if interactive else next(iter(sys.stdin.readline, ""))
        except (EOFError, StopIteration, KeyboardInterrupt):
            return
