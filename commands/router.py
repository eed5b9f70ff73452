"""Route ``/securemeet <text>`` to a command, and turn every failure into a reply.

The registry is a plain dict (as yamllint's rule table): the help text, the README
and ``manifest.yml`` are checked against it by tests. Anything that is not a command
word is a time to schedule.

Errors are mapped in exactly one place, :func:`dispatch`: a ``UserError`` is shown as
written with examples; anything else is logged with a reference id and the user sees
"something went wrong (ref …)" — never a stack trace.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType

from commands import audit, calendar, cancel, end, fix, help, move, schedule, stats, upcoming
from commands.context import Context, Requester
from commands.errors import UserError
from commands.invitees import Invitee
from commands.records import Event
from commands.reply import Action, Reply, error_reply, unexpected_error
from commands.when import NoTimeFound

log = logging.getLogger("securemeet.commands")

MAX_TEXT = 500

# Called with (command, outcome, seconds) after every dispatch; outcome is "ok",
# "user_error" or "error". For metrics (bot/observability.py); an observer must not raise.
OBSERVERS: list[Callable[[str, str, float], None]] = []

Run = Callable[[Context, Requester, str], Reply]


@dataclass(frozen=True)
class Command:
    """One command word: how it is used, what it does, examples, and what runs it."""

    name: str
    usage: str
    summary: str
    examples: tuple[str, ...]
    run: Run

    @classmethod
    def of(cls, name: str, module: ModuleType) -> Command:
        """From a module with ``USAGE``, ``SUMMARY``, ``EXAMPLES`` and ``run``."""
        return cls(name, module.USAGE, module.SUMMARY, tuple(module.EXAMPLES), module.run)


def _help(ctx: Context, who: Requester, text: str) -> Reply:
    return help.run(ctx, who, registry=COMMANDS)


COMMANDS: dict[str, Command] = {
    "audit": Command.of("audit", audit),
    "fix": Command.of("fix", fix),
    "end": Command.of("end", end),
    "move": Command.of("move", move),
    "cancel": Command.of("cancel", cancel),
    "list": Command.of("list", upcoming),
    "calendar": Command.of("calendar", calendar),
    "help": Command("help", help.USAGE, help.SUMMARY, help.EXAMPLES, _help),
    "stats": Command.of("stats", stats),
}


def register(command: Command) -> None:
    """Add (or replace) a command in the registry."""
    COMMANDS[command.name] = command


# Other words for a command: what people type for the same thing.
ALIASES = {"reschedule": "move", "delete": "cancel", "mine": "list"}


def split(text: str) -> tuple[str, str]:
    """``"audit 123"`` → ``("audit", "123")``; a time is ``("schedule", text)``."""
    text = " ".join((text or "").split())
    if text.lower().startswith("/securemeet"):
        text = text[len("/securemeet"):].strip()
    word, _, rest = text.partition(" ")
    key = word.lower()
    if not text or key in ("help", "?", "-h", "--help"):
        return "help", ""
    if key in COMMANDS:
        return key, rest
    if key in ALIASES:
        return ALIASES[key], rest
    if key in ("schedule", "new", "meet"):
        return "schedule", rest
    return "schedule", text


def dispatch(ctx: Context, who: Requester, text: str, *,
             invitees: tuple[Invitee, ...] = ()) -> Reply:
    """Run one command for ``who``. Never raises; never leaks internals. ``invitees``:
    the people a schedule names, as the front end looked them up
    (:mod:`commands.invitees`)."""
    started = time.perf_counter()
    name = split(text)[0] if len(text or "") <= MAX_TEXT else "schedule"
    reply, outcome = _dispatch(ctx, who, text, invitees)
    for observe in OBSERVERS:
        try:
            observe(name, outcome, time.perf_counter() - started)
        except Exception:
            log.warning("a dispatch observer failed", exc_info=True)
    return reply


def _dispatch(ctx: Context, who: Requester, text: str,
              invitees: tuple[Invitee, ...] = ()) -> tuple[Reply, str]:
    if len(text or "") > MAX_TEXT:
        return error_reply(f"That's {len(text)} characters; SecureMeet takes at most "
                           f"{MAX_TEXT}. Put the details in the topic later.",
                           examples=help.SCHEDULE_EXAMPLES[:2],
                           sandbox=ctx.sandbox), "user_error"
    name, rest = split(text)
    try:
        if name == "schedule":
            return schedule.run(ctx, who, rest, invitees=invitees), "ok"
        return COMMANDS[name].run(ctx, who, rest), "ok"
    except NoTimeFound as exc:  # unknown words, not a time: what SecureMeet understands
        return _help_instead(ctx, who, rest, exc), "user_error"
    except UserError as exc:
        examples = exc.examples or (help.SCHEDULE_EXAMPLES[:2] if name == "schedule" else ())
        choices = tuple(Action(choice, choice, style="primary") for choice in exc.choices)
        return error_reply(exc.message, examples=examples, choices=choices,
                           sandbox=ctx.sandbox), "user_error"
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("command %s failed (ref %s)", name, ref)
        _record_error(ctx, who, name, ref)
        return unexpected_error(ref, sandbox=ctx.sandbox), "error"


def _help_instead(ctx: Context, who: Requester, text: str, exc: NoTimeFound) -> Reply:
    """Words with no time in them: the help, headed by what was missing."""
    if len(text.split()) == 1:  # "/securemeet frobnicate": an unknown command word
        title, intro = f"⚠️ I don't know “{text[:40]}”", "Here is what I can do:"
    else:
        title, intro = "⚠️ No time found", f"{exc.message} Here is what I can do:"
    return replace(help.run(ctx, who, registry=COMMANDS, intro=intro), title=title,
                   error=True)


def _record_error(ctx: Context, who: Requester, name: str, ref: str) -> None:
    try:
        ctx.store.add_event(Event("error", ctx.now(), who.user, who.platform, None, "error",
                                  {"command": name, "ref": ref}))
    except Exception:  # the store may be what failed
        log.warning("could not record error ref %s", ref)
