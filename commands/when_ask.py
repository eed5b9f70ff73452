"""The questions :func:`commands.when.parse_when` asks instead of guessing.

Three kinds, all :class:`commands.when_errors.UnsureTime`:

- words left over that look like part of a time: quote what was understood and
  what was not, with a corrected example;
- a day (or daypart, or repeat) without a time of day: ask for the time;
- two real readings: one choice per reading, each the user's whole command
  rewritten so that it can only mean that reading (a button runs it as typed).

Examples are built from the user's own words, so "tomorrow 3pm Budget" stays
recognisable in the answer.
"""

from __future__ import annotations

import itertools
import re

from commands.when_errors import UnsureTime
from commands.when_leftover import is_connector
from commands.when_types import Edit, Parts

__all__ = [
    "Reading", "ask_about_words", "ask_for_time", "ask_to_choose", "ask_which_daypart",
    "understood",
]  # fmt: skip

Reading = tuple[str, tuple[Edit, ...]]  # (how it reads, the edits that say only that)
_VAGUE = re.compile(
    r"\b(?:(?:next|this|coming)\s+(?:week|weekend|month|year|quarter)|later|soon|sometime"
    r"|someday|anytime|whenever|(?:early|late|end\s+of)\s+\w+)\b",
    re.IGNORECASE,
)
_SLOTS = ("repeat", "day", "time", "length", "offset", "zone")
_HOURS = {None: ("10am", "2:30pm"), "morning": ("9am", "10:30am"),
          "afternoon": ("2pm", "3:30pm"), "evening": ("6pm", "7:30pm"),
          "night": ("8pm", "9:30pm")}  # fmt: skip


def understood(parts: Parts) -> str:
    """What was read, in the user's words and order: "tomorrow 3pm for 45m"."""
    found = []
    for slot in _SLOTS:
        if slot in parts.seen:
            where = parts.spans.get(slot, (parts.source.find(parts.seen[slot]), 0))[0]
            found.append((where, parts.seen[slot]))
    return " ".join(text for _, text in sorted(found))


def _topic(parts: Parts) -> str:
    return parts.topic or "Budget review"


def _when_words(parts: Parts, *, second: bool = False) -> str:
    """The time part of a bookable command, from what was understood, with a day
    and a time added when missing: "tomorrow 10am"."""
    seen = parts.seen
    words = [seen[s] for s in ("repeat", "day") if s in seen and not parts.past]
    if "offset" in seen:
        words = [seen["offset"]]
    elif "time" in seen and parts.time is not None and not parts.time.two_readings:
        words.append(seen["time"])
    else:
        words.append(_HOURS[parts.daypart][int(second)])
    if not ({"repeat", "day", "offset"} & seen.keys()) or parts.past:
        words.insert(0, "tomorrow")
    return " ".join(" ".join(words).split())


def _example(parts: Parts, *, second: bool = False) -> str:
    return f"{_when_words(parts, second=second)} {_topic(parts)}"


def ask_about_words(parts: Parts) -> UnsureTime:
    """Time-like words no pass explained: never book around them."""
    runs = parts.unexplained
    quoted = " and ".join(f"“{run}”" for run in runs)
    examples = (_example(parts), _example(parts, second=True))
    vague = next((run for run in runs if _VAGUE.search(run)), None)
    read = understood(parts)
    if vague and parts.day is None:
        message = (
            f"“{vague}” is not a day I can book. Name the day and time, "
            f"e.g. “thursday next week 3pm {_topic(parts)}”."
        )
        examples = (f"thursday next week 3pm {_topic(parts)}", f"tue 3pm {_topic(parts)}")
    elif read:
        message = f"I understood “{read}” but not {quoted}. Say it like `{examples[0]}`."
        if _may_be_title(parts):
            examples = (examples[0], f'{_when_words(parts)} "{parts.title}"')
            message += f" If they belong to the title, quote it: `{examples[1]}`."
    else:
        message = f"I couldn't read {quoted} as a time. Say it like `{examples[0]}`."
    return UnsureTime(message, understood=read, unexplained=runs, examples=examples)


def _may_be_title(parts: Parts) -> bool:
    """ "Planning for next year tomorrow 3pm": the runs sit among title words."""
    if parts.time is None or not parts.title or len(parts.title.split()) < 2:
        return False
    return all(
        run in parts.title and not is_connector(run.split()[-1]) for run in parts.unexplained
    )


def ask_for_time(parts: Parts) -> UnsureTime:
    """A day, daypart or repeat without a time of day: ask, never assume 9:00."""
    spans = [parts.spans[s] for s in ("repeat", "day", "daypart") if s in parts.spans]
    said = " ".join(parts.seen[s] for s in ("repeat", "day") if s in parts.seen)
    said = said or parts.daypart or "That day"
    hours = _HOURS[parts.daypart]
    if spans:
        at = max(end for _, end in spans)
        examples = tuple(_inserted(parts.source, at, hour) for hour in hours)
    else:
        examples = tuple(f"{said} {hour} {_topic(parts)}" for hour in hours)
    message = f"{said[:1].upper()}{said[1:]} at what time? e.g. `{examples[0]}`"
    return UnsureTime(message, understood=understood(parts), examples=examples)


def ask_which_daypart(parts: Parts, clock: str, part: str) -> UnsureTime:
    """ "tomorrow morning 3pm", "tonight 9am": the clock and the daypart disagree."""
    day = parts.source[slice(*parts.spans["day"])] if "day" in parts.spans else ""
    has_part = part in day.lower() or day.lower() == "tonight"
    plain = ("tomorrow" if day.lower() == "tonight" else "today") if has_part else day
    with_part = day if has_part else f"{day or 'tomorrow'} {part}"
    topic = _topic(parts)
    examples = (
        " ".join(f"{plain or 'tomorrow'} {clock} {topic}".split()),
        " ".join(f"{with_part} {_HOURS[part][0]} {topic}".split()),
    )
    return UnsureTime(
        f"“{clock}” is not in the {part}. Which one? Say it like `{examples[0]}` "
        f"or `{examples[1]}`.",
        understood=understood(parts),
        examples=examples,
    )


def _inserted(text: str, at: int, words: str) -> str:
    return " ".join(f"{text[:at]} {words} {text[at:]}".split())


def ask_to_choose(parts: Parts, questions: list[tuple[str, tuple[Reading, ...]]]) -> UnsureTime:
    """Two (or more) real readings: one choice per reading, at most four."""
    combos = list(itertools.product(*(readings for _, readings in questions)))[:4]
    choices = tuple(_rewritten(parts.source, [e for _, edits in combo for e in edits])
                    for combo in combos)  # fmt: skip
    said = " and ".join(f"“{said}”" for said, _ in questions)
    ways = " or ".join(", ".join(name for name, _ in combo) for combo in combos)
    listed = " or ".join(f"`{choice}`" for choice in choices)
    return UnsureTime(
        f"{said} could be {ways}. Which one? {listed}",
        understood=understood(parts),
        choices=choices,
    )


def _rewritten(text: str, edits: list[Edit]) -> str:
    """Apply edits right to left so earlier spans stay valid."""
    for start, end, words in sorted(edits, reverse=True):
        text = f"{text[:start]}{words}{text[end:]}"
    return " ".join(text.split())
