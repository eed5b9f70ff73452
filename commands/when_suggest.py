"""The corrected commands a question about left-over words offers, checked to book.

"tomorrow 3pm for 45m Sync one" is a question ("one" may be 1 o'clock), and its
examples must be commands that work and still say what the user meant, with their
length and topic: `tomorrow 3pm for 45m Sync`, or with the title quoted,
`tomorrow 3pm for 45m "Sync one"`. Each is the user's own text with words blanked
out (spaces of the same length, so every span the scanner recorded still holds),
resolved as it stands:

- it books: the text is the example;
- the rest is a question of its own (7 or 8 without am/pm, a day without a time):
  that question's choices or examples are offered, already rewritten;
- the rest is wrong on its own (a time that has passed, a weekday that is not the
  date's): that error is raised instead, since it holds whatever the words meant;
- nothing is left that says when, or the words were a vague period ("next
  week"): a day or hour is put in, and the candidate is checked by parsing it.

Words gone from an end of the text change nothing the scanner reads, so those
texts are resolved from the parts already found. When words go from between
others, the two sides may now read together ("Sync one 2 after 3pm" without "one"
makes "2" a label), so the text is read again as typed and that reading is used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple

from commands.when_ask import ask_about_vague, ask_about_words, may_be_title
from commands.when_errors import NoTimeFound, UnsureTime, WhenError
from commands.when_leftover import leftover
from commands.when_resolve import Resolution, resolve
from commands.when_scan import QUOTE, scan
from commands.when_types import GrammarError, Parts, Span

__all__ = ["question_about_words"]

_VAGUE = re.compile(
    r"\b(?:(?:next|this|coming)\s+(?:week|weekend|month|year|quarter)|later|soon|sometime"
    r"|someday|anytime|whenever|(?:early|late|end\s+of)\s+\w+)\b",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({'"': " ", "“": " ", "”": " "})


class Examples(NamedTuple):
    """Commands to offer; ``books``: the text itself books as it stands."""

    texts: tuple[str, ...]
    books: bool = False


def question_about_words(parts: Parts, now: datetime, zone: tzinfo) -> WhenError:
    """The question for time-like words no pass explained (or the error the rest of
    the text has anyway), with examples that book."""
    vague = next((run for run in parts.unexplained if _VAGUE.search(run)), None)
    if vague and parts.day is None:
        examples = _vague_examples(parts, vague, now, zone)
        if examples:
            return ask_about_vague(parts, vague, examples)
    plain = _corrected(parts, parts.unexplained_spans, parts.topic, "", now, zone)
    if isinstance(plain, WhenError):
        return plain
    titled = Examples(())
    if may_be_title(parts):
        title = " ".join(parts.title.translate(_QUOTES).split())
        quoted = _corrected(parts, parts.title_spans, title, f' "{title}"', now, zone,
                            books=plain.books)  # fmt: skip
        titled = quoted if isinstance(quoted, Examples) else titled
    said = plain.texts
    if not said:
        said = _with_a_time(_blanked(parts, parts.title_spans, "")[0], now, zone).texts
    return ask_about_words(parts, said, titled.texts)


def _corrected(
    parts: Parts, blank: Sequence[Span], topic: str, tail: str, now: datetime, zone: tzinfo,
    *, books: bool = False,
) -> Examples | WhenError:
    """The user's text with the words at ``blank`` gone and ``tail`` (a quoted title)
    added, as it would be read if typed. ``books``: the same time words are known
    to book (they did without the title)."""
    variant, joined = _blanked(parts, blank, topic, tail)
    if joined:  # words went from between others, which may now read together
        text = _text(variant)
        try:
            again = scan(text, day_first=parts.day_first)
        except GrammarError:
            again = None
        if again is not None and not again.unexplained and not again.past:
            return _outcome(again, now, zone)
        # New neighbours made words time-like ("eve five 11pm" → "eve 11pm"): blank
        # those too, and offer only what books when typed.
        outcome = _outcome(_settled(variant, parts, tail), now, zone)
        if isinstance(outcome, WhenError):
            return outcome
        return Examples(tuple(t for t in outcome.texts if _books(t, parts, now, zone)))
    if books:
        return Examples((_text(variant),), books=True)
    return _outcome(variant, now, zone)


def _blanked(
    parts: Parts, blank: Sequence[Span], topic: str, tail: str = ""
) -> tuple[Parts, bool]:
    """``parts`` with the words at ``blank`` gone from its text (spaces instead, so
    the spans hold) and ``tail`` added at the end; and True when words went from
    between others (an end is safe: no word gets new neighbours on both sides)."""
    source, masked = list(parts.source), list(parts.masked)
    for start, end in blank:
        source[start:end] = masked[start:end] = " " * (end - start)
    kept = "".join(source)
    joined = any(kept[:start].strip() and kept[end:].strip() for start, end in blank)
    variant = parts.copy(
        source=kept + tail, topic=topic, unexplained=(), unexplained_spans=(), title="",
        title_spans=(), masked="".join(masked) + _quoted(tail),
    )  # fmt: skip
    return variant, joined


def _settled(variant: Parts, parts: Parts, tail: str) -> Parts:
    """Blank, in ``variant``, the words that became time-like once their neighbours
    went, until none is left (a few rounds at most)."""
    has_day = parts.day is not None or parts.offset is not None
    for _ in range(4):
        text, masked = variant.source, variant.masked
        rest = leftover(masked, text, has_day=has_day)
        if not rest.unexplained:
            return variant.copy(topic=rest.topic or variant.topic)
        variant, _ = _blanked(variant.copy(masked=masked[: len(masked) - len(tail)],
                                           source=text[: len(text) - len(tail)]),
                              rest.unexplained_spans, variant.topic, tail)  # fmt: skip
    return variant


def _quoted(tail: str) -> str:
    """A quoted title as the scanner masks it: hidden from every pass."""
    return tail[:1] + QUOTE * (len(tail) - 1) if tail else ""


def _text(parts: Parts) -> str:
    return " ".join(parts.source.split())


def _outcome(parts: Parts, now: datetime, zone: tzinfo) -> Examples | WhenError:
    """What the text of ``parts`` would get if typed: itself (it books), its own
    question's choices or examples, or its error."""
    try:
        Resolution(parts, now, zone, parts.source).when()
    except UnsureTime as question:
        return Examples(question.choices or question.examples)
    except NoTimeFound:
        return _with_a_time(parts, now, zone)
    except WhenError as error:
        return error
    return Examples((_text(parts),), books=True)


def _with_a_time(parts: Parts, now: datetime, zone: tzinfo) -> Examples:
    """Nothing left says when ("quarter of nine Budget"): put a day and an hour in,
    before the words or after them, whichever books."""
    text = _text(parts)
    candidates = (f"tomorrow 10am {text}", f"{text} tomorrow 10am", "tomorrow 10am")
    found = next((c.strip() for c in candidates if _books(c.strip(), parts, now, zone)), "")
    return Examples((found or "tomorrow 10am",))


def _vague_examples(parts: Parts, vague: str, now: datetime, zone: tzinfo) -> tuple[str, ...]:
    """ "Budget next week" → `Budget thursday next week 3pm`, `Budget tue 3pm`: the
    vague words replaced by a day (and an hour when none was given). The first is
    checked to book; the second differs only in the day's words."""
    spans = parts.unexplained_spans
    where = spans[parts.unexplained.index(vague)]
    source = _blanked(parts, [span for span in spans if span != where], parts.topic)[0].source
    hour = "" if parts.time is not None or parts.offset is not None else " 3pm"
    days = ("thursday next week", "tue") if "week" in vague.lower() else ("tomorrow", "tue")
    found = [" ".join(f"{source[: where[0]]} {day}{hour} {source[where[1] :]}".split())
             for day in days]  # fmt: skip
    return tuple(found) if _books(found[0], parts, now, zone) else ()


def _books(text: str, parts: Parts, now: datetime, zone: tzinfo) -> bool:
    """True when ``text`` typed as it stands books a meeting."""
    try:
        again = scan(text, day_first=parts.day_first)
        if again.unexplained or again.past:
            return False
        resolve(again, now, zone, text)
    except (WhenError, GrammarError):
        return False
    return True
