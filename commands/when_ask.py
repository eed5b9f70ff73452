"""The questions :func:`commands.when.parse_when` asks instead of guessing.

All are :class:`commands.when_errors.UnsureTime`:

- words left over that look like part of a time: quote what was understood and
  what was not, with the corrected commands :mod:`commands.when_suggest` found;
- a vague period ("next week"): name a day;
- a day (or daypart, or repeat) without a time of day: ask for the time;
- a clock that contradicts its daypart ("tonight 9am");
- a length after "for" with no other start ("Sync for 2 hours from now");
- two real readings: one choice per reading, each the user's whole command
  rewritten so that it can only mean that reading (a button runs it as typed).

Examples are the user's own command, edited where the question is about and
nowhere else, so "tomorrow 3pm for 45m Budget" stays recognisable in the answer
and books as typed.
"""

from __future__ import annotations

import itertools
from datetime import date

from commands.when_errors import UnsureTime
from commands.when_types import Edit, Parts
from commands.when_zones import month_day

__all__ = [
    "EXAMPLE_HOURS", "Question", "Reading", "ask_about_vague", "ask_about_words",
    "ask_for_time", "ask_length_or_start", "ask_to_choose", "ask_which_date", "ask_which_daypart",
    "may_be_title", "understood",
]  # fmt: skip

Reading = tuple[str, tuple[Edit, ...]]  # (how it reads, the edits that say only that)
_SLOTS = ("repeat", "day", "time", "length", "offset", "zone")
Question = tuple[str, tuple[Reading, ...]]  # what was said, and its readings
# Words that tie a time to something ("Sync by Friday 3pm"): a title never ends in them.
_BOUNDS = {
    "by", "before", "after", "until", "till", "til", "to", "past", "thru", "through",
    "since", "within", "between", "from", "at", "on", "in",
}  # fmt: skip
# Hours an example may add to a day, by daypart, as written and in minutes; the
# first ones still ahead on that day are used.
EXAMPLE_HOURS: dict[str | None, tuple[tuple[str, int], ...]] = {
    None: (("10am", 600), ("2:30pm", 870), ("4pm", 960), ("6pm", 1080), ("8pm", 1200),
           ("10pm", 1320)),
    "morning": (("9am", 540), ("10:30am", 630), ("11:30am", 690)),
    "afternoon": (("2pm", 840), ("3:30pm", 930), ("5pm", 1020)),
    "evening": (("6pm", 1080), ("7:30pm", 1170), ("9pm", 1260)),
    "night": (("8pm", 1200), ("9:30pm", 1290), ("11pm", 1380)),
}  # fmt: skip


def understood(parts: Parts) -> str:
    """What was read, in the user's words and order: "tomorrow 3pm for 45m"."""
    found = set()
    for slot in _SLOTS:
        if slot in parts.seen:  # one phrase may fill several slots ("2027-01-05T09:00Z")
            where = parts.spans.get(slot, (parts.source.find(parts.seen[slot]), 0))[0]
            found.add((where, parts.seen[slot]))
    return " ".join(text for _, text in sorted(found))


def ask_about_words(parts: Parts, plain: tuple[str, ...], quoted: tuple[str, ...]) -> UnsureTime:
    """Time-like words no pass explained: never book around them. ``plain``: the
    command without them, ``quoted``: with the title quoted (both checked to book,
    by :mod:`commands.when_suggest`)."""
    runs = parts.unexplained
    said = " and ".join(f"“{run}”" for run in runs)
    read = understood(parts)
    like = " or ".join(f"`{example}`" for example in plain[:2])
    if read:
        message = f"I understood “{read}” but not {said}. Say it like {like}."
    else:
        message = f"I couldn't read {said} as a time. Say it like {like}."
    if quoted:
        message += " If they belong to the title, quote it: "
        message += " or ".join(f"`{example}`" for example in quoted[:2]) + "."
    return UnsureTime(message, understood=read, unexplained=runs,
                      examples=plain[:2] + quoted[:2])  # fmt: skip


def ask_about_vague(parts: Parts, vague: str, examples: tuple[str, ...]) -> UnsureTime:
    """ "Budget next week", "early next week 3pm": a period, not a day."""
    return UnsureTime(
        f"“{vague}” is not a day I can book. Name the day and time, e.g. `{examples[0]}`.",
        understood=understood(parts),
        unexplained=parts.unexplained,
        examples=examples,
    )


def may_be_title(parts: Parts) -> bool:
    """ "Planning for next year tomorrow 3pm", "tomorrow 3pm Sync one": the words
    not understood sit among title words, so quoting the title may be the fix."""
    if not parts.title or len(parts.title.split()) < 2 or not parts.seen:
        return False
    return all(
        run in parts.title and run.split()[-1].lower() not in _BOUNDS
        for run in parts.unexplained
    )


def ask_for_time(parts: Parts, hours: tuple[str, ...], which: Question | None = None) -> UnsureTime:
    """A day, daypart or repeat without a time of day: ask, never assume 9:00.
    ``hours``: hours still ahead on that day (none: the examples move to tomorrow);
    ``which``: the day's own two readings ("next fri" on a Monday), if any."""
    spans = [parts.spans[s] for s in ("repeat", "day", "daypart") if s in parts.spans]
    said = " ".join(parts.seen[s] for s in ("repeat", "day") if s in parts.seen)
    said = said or parts.daypart or "That day"
    day: list[Edit] = []
    if not hours and "day" in parts.spans:
        day = [(*parts.spans["day"], "tomorrow")]  # "today" at 11:50pm
    hours = hours or tuple(text for text, _ in EXAMPLE_HOURS[parts.daypart])
    if not spans:
        examples = tuple(f"{said} {hour} {parts.topic}".strip() for hour in hours[:2])
    elif which is None:
        at = max(end for _, end in spans)
        if parts.day is not None and parts.day.loose:  # "xmas 10am monthly": next to it
            at = parts.spans["day"][1]
        examples = tuple(_rewritten(parts.source, [*day, (at, at, f" {hour} ")])
                         for hour in hours[:2])  # fmt: skip
    else:  # "next fri": one example per Friday, so neither is a question again
        at = max(end for _, end in spans)
        examples = tuple(_rewritten(parts.source, [*edits, (at, at, f" {hours[0]} ")])
                         for _, edits in which[1])  # fmt: skip
    message = f"{said[:1].upper()}{said[1:]} at what time? e.g. `{examples[0]}`"
    if which is not None:
        days = " or ".join(name for name, _ in which[1])
        message = (f"{said[:1].upper()}{said[1:]} at what time, and which one: {days}? "
                   f"e.g. `{examples[0]}` or `{examples[1]}`")  # fmt: skip
    return UnsureTime(message, understood=understood(parts), examples=examples)


def ask_which_daypart(
    parts: Parts, clock: str, part: str, hours: tuple[str, ...], *, today: bool
) -> UnsureTime:
    """ "tomorrow morning 3pm", "tonight 9am": the clock and the daypart disagree.
    The examples are the user's command with the daypart dropped (``today``: the
    clock is still ahead today), or with an hour of that daypart (``hours``: those
    still ahead) instead of the clock."""
    source, spans = parts.source, parts.spans
    if "daypart" not in spans:  # "tonight 9am": 9am is tomorrow morning
        drop = (*spans["day"], "tomorrow")
    elif spans.get("day") == spans["daypart"]:
        drop = (*spans["daypart"], "today" if today else "tomorrow")  # "this morning"
    elif spans.get("repeat") == spans["daypart"]:
        drop = (*spans["daypart"], "daily")  # "every morning"
    elif spans.get("day", (-1,))[0] == spans["daypart"][0]:
        drop = (spans["day"][1], spans["daypart"][1], "")  # "tomorrow morning" → "tomorrow"
    else:
        drop = (*spans["daypart"], "")  # "in the morning"
    examples = [_rewritten(source, [drop])]
    if hours and "time" in spans:
        examples.append(_rewritten(source, [(*spans["time"], hours[0])]))
    listed = " or ".join(f"`{example}`" for example in examples)
    return UnsureTime(
        f"“{clock}” is not in the {part}. Which one? Say it like {listed}.",
        understood=understood(parts),
        examples=tuple(examples),
    )


def ask_which_date(
    parts: Parts, question: UnsureTime, dates: tuple[date, ...], today: date
) -> UnsureTime:
    """A holiday that differs by country ("independence day 3pm" in Kolkata): the
    user's command with the date of each reading we know instead of its name."""
    span = parts.spans["day"]
    examples = tuple(
        _rewritten(parts.source, [(*span, month_day(d) + (f" {d.year}" if d.year != today.year
                                                         else ""))])
        for d in dates
    )  # fmt: skip
    said = " or ".join(f"`{example}`" for example in examples)
    return UnsureTime(f"{question.message[:-1]}, e.g. {said}.", understood=understood(parts),
                      unexplained=question.unexplained, examples=examples)  # fmt: skip


def ask_length_or_start(parts: Parts) -> UnsureTime:
    """ "Sync for 2 hours from now" with no other start: in 2 hours, or now for 2
    hours? "Sync for 30m later": a length with no start, or a start in 30m?"""
    assert parts.for_length is not None
    (start, end), amount, word = parts.for_length
    said = parts.source[start:end].strip()
    begins = _rewritten(parts.source, [(start, end, f"in {amount}")])
    if word.startswith("from"):
        lasts = _rewritten(parts.source, [(start, end, f"now for {amount}")])
        return UnsureTime(
            f"“{said}” could start in {amount}, or start now and last {amount}. Which "
            f"one? `{begins}` or `{lasts}`",
            understood=said,
            choices=(begins, lasts),
        )
    lasts = _rewritten(parts.source, [(start, end, f"tomorrow 10am for {amount}")])
    return UnsureTime(
        f"Is {amount} in “{said}” when it starts or how long it lasts? To start in "
        f"{amount}: `{begins}`. To give its length, say when it starts too, e.g. `{lasts}`.",
        understood=said,
        examples=(begins, lasts),
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
