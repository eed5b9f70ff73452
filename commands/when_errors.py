"""The exceptions of :func:`commands.when.parse_when` (re-exported there).

The tree, so a reader sees at once what can be caught at which level::

    UserError, ValueError
    └── WhenError          the text names no clear, future meeting time
        ├── NoTimeFound    no time-like word at all (perhaps an unknown command)
        └── UnsureTime     a question: a word not understood, a day without a
                           time, or two real readings (``choices``)

Kept apart from :mod:`commands.when` so the resolving modules can raise them
without importing the public API module.
"""

from __future__ import annotations

from commands.errors import UserError
from commands.when_types import EXAMPLES

__all__ = ["NoTimeFound", "UnsureTime", "WhenError"]


class WhenError(UserError, ValueError):
    """The text does not name one clear, future meeting time."""

    def __init__(self, message: str, *, examples: tuple[str, ...] = EXAMPLES,
                 choices: tuple[str, ...] = ()) -> None:
        super().__init__(message, examples=examples, choices=choices)


class NoTimeFound(WhenError):
    """No time at all in the text: perhaps not meant as a time (an unknown command word)."""


class UnsureTime(WhenError):
    """A question instead of a guess.

    ``understood``: a short description of what was read ("tomorrow 3pm"), or "".
    ``unexplained``: the time-like words left over, as the user wrote them
    (("quarter past",)), or () when nothing was left over.
    ``choices``: when the phrase has two or more real readings, the user's whole
    command rewritten once per reading ("tomorrow 7am Budget", "tomorrow 7pm
    Budget"), so a button can run it as typed; () when there is nothing to choose.
    ``examples``: the choices when there are any, else two typed examples.
    """

    def __init__(
        self,
        message: str,
        *,
        understood: str = "",
        unexplained: tuple[str, ...] = (),
        choices: tuple[str, ...] = (),
        examples: tuple[str, ...] = EXAMPLES,
    ) -> None:
        super().__init__(message, examples=choices or examples, choices=choices)
        self.understood = understood
        self.unexplained = unexplained
