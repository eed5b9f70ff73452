"""Which words of a meeting request no pass explained, and which are time-like.

After the scanner has masked every phrase it understood, the words left over are
the topic, unless some of them still look like part of a time: "quarter past"
left beside "tomorrow 10:00", "the 4th" beside "at 2pm". Booking then would be
booking a time the user did not say, so :mod:`commands.when` asks instead.

Why context and not a word list: "next", "to", "one", "May" and "2" are ordinary
words in "Next steps", "Talk to Priya", "One thing", "May release", "Sprint 2".
Each leftover token gets a class (a table below), and a handful of rules decide
from its neighbours whether it is explained:

- numbers are labels after an ordinary word ("Sprint 2-3", "Approve 19.99",
  "Room 101") or before one at the start ("2027 budget"); anywhere else, or next
  to a unit, am/pm or "past"/"to", they are time-like;
- number and ordinal words count things when an ordinary word follows ("two
  teams", "first draft", "2nd round"), but "the 4th" or "nine" alone are times;
- connectors ("before", "by", "next", "to", "past"...) are time-like only when a
  time or a time-like word follows ("by Friday 3pm", "next quarter");
  "at", "on", "from" and softeners ("around", "ish") before a time are dropped;
- month names that are also names or verbs ("May", "March", "June") count only
  beside a number or after "in"/"on"/"next"…; zone-like capitals ("AKST", "WAT")
  and "<place> time" only right after a time; "<Name> day" only when no day or
  offset was understood (an unknown holiday);
- right after a clock or an amount and before a title word, a unit, daypart,
  "time" or "am" is the title's ("3pm Week planning", "in 2 hours Morning
  standup", "3pm Time tracking demo", "3pm Am I ready").

Pure and small: one pass over at most a few dozen tokens, classes from one table.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from commands.when_grammar import FLAGS, LOWER, alternation
from commands.when_grammar import MASK as MASK_CHAR
from commands.when_holidays import UNKNOWN_HOLIDAYS
from commands.when_types import Span
from commands.when_words import (
    HOUR_WORDS,
    MINUTE_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    WEEKDAY_PLURALS,
    WEEKDAYS,
)

__all__ = ["Leftover", "Rest", "is_connector", "is_label_word", "leftover"]

# token classes
MASK, NUM, NUMW, ORD, ORDW, SHAPE, CLOCKY, STRONG, NAME = range(9)
FWD, DANGLE, SOFT, BACK, UNIT, GLUE, PLAIN, ZONEISH, TIME, HOLIDAY, VAGUE = range(9, 20)
END = -1  # beyond either end of the text

_STRONG_WORDS = {
    "noon", "midnight", "midday", "tonight", "today", "tomorrow", "tmrw", "tmr", "tomorow",
    "tommorow", "tommorrow", "yesterday", "overmorrow", "o'clock", "oclock", "o’clock",
    "fortnight", "fortnights", "ago", "eod", "cob", "eow", "eom", "asap", "noonish",
    "midweek", "daily", "weekly", "monthly", "fortnightly", "biweekly",
    "weekdays",
    "january", "february", "april", "july", "september", "october", "november", "december",
    "feb", "apr", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
_STRONG_WORDS.update(w for w in WEEKDAYS if len(w) > 3 or w in ("tue", "thu", "fri"))
_STRONG_WORDS.update(WEEKDAY_PLURALS)
# Holiday names are time-like only when no day was understood ("Xmas party Dec 20").
_HOLIDAY_WORDS = {
    "christmas", "xmas", "x-mas", "easter", "thanksgiving", "halloween", "hallowe'en", "nye",
    "valentine's", "valentines", "hanukkah", "chanukah", "diwali", "deepavali", "eid",
    "ramadan", "passover", "pesach", "kwanzaa", "juneteenth", "holi", "vesak", "holiday",
    "holidays",
}  # fmt: skip
_NAME_WORDS = {"may", "march", "june", "august", "jan", "mar", "jun", "sat", "sun", "wed", "mon"}
_FWD = {
    "to", "till", "til", "'til", "until", "thru", "through", "past", "after", "before", "by",
    "this", "next", "last", "coming", "every", "each", "since", "within", "starting",
    "half", "quarter", "early", "late", "mid", "end", "start", "beginning", "between",
}  # fmt: skip
_DANGLE = {"at", "@", "on", "from", "in"}
_SOFT = {"about", "around", "approximately", "approx", "roughly", "circa", "~", "ish"}
# Vague on their own ("Budget soon"), harmless beside a time ("3pm Stopping soon").
_VAGUE_WORDS = {"later", "soon", "sometime", "someday", "anytime", "whenever"}
_AMPM = {"am", "pm", "a.m", "p.m", "a.m.", "p.m.", "h", "hrs", "hr"}
_UNITS = {
    "hour", "hours", "minute", "minutes", "min", "mins", "day", "days", "week", "weeks",
    "wk", "wks", "month", "months", "year", "years", "yr", "yrs", "morning", "mornings",
    "afternoon", "afternoons", "evening", "evenings", "night", "nights", "eve", "seconds",
    "secs", "sec", "weekend", "weekends",
}  # fmt: skip
_GLUE = {"the", "of", "a", "an", "and", "or", "-", "–", "—", "&", "/", "|", ",", ":", "+"}
_NUMBER_WORDS = (set(NUMBER_WORDS) | set(HOUR_WORDS) | set(MINUTE_WORDS)) - {"a", "an"}
_NUMBER_WORDS |= {"several", "dozen", "oh", "some"}
_NUMBER_WORDS = {w for w in _NUMBER_WORDS if " " not in w}
_ORDINAL_WORDS = {w for w in ORDINAL_WORDS if " " not in w}

_NUM_RE = re.compile(r"\d+(?:[:.,/\-–]\d+)*", FLAGS)
_ORD_RE = re.compile(r"\d{1,2}(?:st|nd|rd|th)", FLAGS)
_CLOCKY_RE = re.compile(
    r"\d{1,2}(?:[:.]\d{2})?(?:[ap]\.?m?\.?|ish|o['’]?clock)|\d{1,2}h\d{2}|[+\-−]\d{1,2}(?::?\d{2})?",
    FLAGS,
)
_SHAPE_RE = re.compile(
    r"\d+(?:\.\d+)?(?:h|hrs?|hours?|mins?|minutes?|m|d|days?|w|wks?|weeks?|mos?|months?|y|yrs?"
    r"|years?|s|secs?|seconds?)",
    FLAGS,
)
_ZONEISH_RE = re.compile(r"[A-Z]{1,4}T|UTC.*|GMT.*|Z")
_TOKEN = re.compile(r"[\x00-\x03]+|[^\s\x00-\x03]+")
_WORD = re.compile(r"[^\s\x00-\x03]+")
_EDGE = ",.;:!?()[]{}\"'“”‘’"
_PHRASES = re.compile(
    r"""(?<![a-z])(?:end\s+of\s+(?:the\s+)?(?:day|week|month|business)|close\s+of\s+business
    |first\s+thing)(?![a-z])""",
    FLAGS | re.VERBOSE,
)
_HOLIDAY_PHRASES = re.compile(rf"(?<![a-z])(?:{alternation(UNKNOWN_HOLIDAYS)})(?![a-z])", FLAGS)
# _DROP: explained but not topic ("around" before a time, "at" before a day).
_DROP, _QUOTE = "\x04", "\x05"
_PHRASE_STARTS = {"end", "close", "first"}
_HOLIDAY_STARTS = {phrase.split()[0] for phrase in UNKNOWN_HOLIDAYS}
_SLOW_WORDS = _PHRASE_STARTS | _HOLIDAY_STARTS
_EDGE_AND_MASKS = _EDGE + "\x00\x01\x02\x03\x04"


def _kind(low: str) -> int:
    """The class of one lower-cased token, edges already stripped: one look-up in
    a table built at import, numbers read by shape (cached)."""
    kind = _KINDS.get(low)
    if kind is not None:
        return kind
    if low[0].isdigit() or low[0] in "+-−":
        return _digit_kind(low)
    return PLAIN


@lru_cache(maxsize=1024)
def _digit_kind(low: str) -> int:
    if _NUM_RE.fullmatch(low):
        return NUM
    if _ORD_RE.fullmatch(low):
        return ORD
    if _CLOCKY_RE.fullmatch(low):
        return CLOCKY
    if _SHAPE_RE.fullmatch(low):
        return SHAPE
    return PLAIN  # "2FA", "3D", "1-on-1", "10x": names


_WORD_CLASSES = (
    (_NAME_WORDS, NAME), (_FWD, FWD), (_DANGLE, DANGLE), (_SOFT, SOFT), (_AMPM, BACK),
    (_UNITS, UNIT), (_GLUE, GLUE), (_NUMBER_WORDS, NUMW), (_ORDINAL_WORDS, ORDW),
    ({"time"}, TIME), (_HOLIDAY_WORDS, HOLIDAY), (_VAGUE_WORDS, VAGUE),
)  # fmt: skip
# word → class, the first table that names it winning (strong words first)
_KINDS = {"": GLUE}
for _words, _class in reversed(((_STRONG_WORDS, STRONG), *_WORD_CLASSES)):
    _KINDS.update(dict.fromkeys(_words, _class))


def is_connector(word: str) -> bool:
    """True for "before", "by", "next"…: words that only matter next to a time."""
    return _kind(word.strip(_EDGE).lower()) in (FWD, DANGLE, SOFT, GLUE)


def is_label_word(word: str) -> bool:
    """True for an ordinary word, after which a number is a label ("Sprint 2")."""
    return _kind(word.strip(_EDGE).lower()) == PLAIN


class Leftover:
    """The leftover tokens of one request, their classes, and the verdicts so far:
    ``bad`` (time-like, unexplained) and ``dropped`` (explained, not topic)."""

    __slots__ = ("bad", "dropped", "has_day", "kinds", "lows", "masked", "text", "tokens")

    def __init__(self, masked: str, text: str, *, has_day: bool) -> None:
        self.masked, self.text, self.has_day = masked, text, has_day
        self.tokens = [m.span() for m in _TOKEN.finditer(masked)]
        words = [text[start:end].strip(_EDGE) for start, end in self.tokens]
        self.lows = [word.lower() for word in words]
        pairs = zip(self.tokens, words, strict=True)
        self.kinds = [self._classify(start, word) for (start, _), word in pairs]
        self.bad: set[int] = set()
        self.dropped: set[int] = set()

    def _classify(self, start: int, word: str) -> int:
        if self.masked[start] < "\x04":
            return MASK
        if self.masked[start] == _QUOTE:
            return PLAIN  # a quoted title: the user's words, verbatim
        kind = _kind(word.lower())
        if kind == PLAIN and word.isupper() and _ZONEISH_RE.fullmatch(word):
            return ZONEISH
        return kind

    def kind(self, i: int) -> int:
        return self.kinds[i] if 0 <= i < len(self.kinds) else END

    def low(self, i: int) -> str:
        return self.lows[i] if 0 <= i < len(self.lows) else ""

    def near(self, i: int, step: int) -> int:
        """The nearest token in direction ``step`` that is not glue ("and", ",")."""
        i += step
        while 0 <= i < len(self.kinds) and self.kinds[i] == GLUE:
            i += step
        return i

    def after_clock(self, i: int) -> bool:
        """True when token ``i`` is a clock time or an amount ("3pm", "in 2 hours"),
        not a day ("tomorrow")."""
        if self.kind(i) != MASK:
            return False
        start, end = self.tokens[i]
        if self.masked[start] == MASK_CHAR:
            return True
        return _AMOUNT_END.search(self.text, start, end) is not None

    def timeish(self, i: int) -> bool:
        """A time phrase, or a word already found time-like, or one dropped beside a time."""
        return self.kind(i) == MASK or i in self.bad or i in self.dropped


class Rest(NamedTuple):
    """What the passes left: the topic; the unexplained time-like runs and where they
    are; every leftover word (what a quoted title would be, offered when the runs
    were meant as topic words) and where its words are. Spans index the text."""

    topic: str
    unexplained: tuple[str, ...] = ()
    unexplained_spans: tuple[Span, ...] = ()
    title: str = ""
    title_spans: tuple[Span, ...] = ()


_NOTHING_LEFT = Rest("")


def leftover(masked: str, text: str, *, has_day: bool) -> Rest:
    """Split what no pass took into the topic and the unexplained time-like words."""
    words = _WORD.findall(masked)
    if not words:
        return _NOTHING_LEFT  # every word was part of the time
    if _plain_words(words):
        return Rest(_topic(masked, text))  # "Budget review": nothing to decide
    left = Leftover(masked, text, has_day=has_day)
    if not _QUIET.issuperset(left.kinds):
        _decide(left)
    words = set(left.lows)
    if not words.isdisjoint(_PHRASE_STARTS):
        _phrases(left, _PHRASES)
    if not has_day and not words.isdisjoint(_HOLIDAY_STARTS):
        _phrases(left, _HOLIDAY_PHRASES)
    hidden = masked
    if left.bad or left.dropped:
        chars = list(masked)
        for i in left.bad | left.dropped:
            start, end = left.tokens[i]
            chars[start:end] = _DROP * (end - start)
        hidden = "".join(chars)
    shown = text
    if _QUOTE in masked:  # drop the quotes around a title, keep its words
        pairs = zip(masked, text, strict=True)
        shown = "".join(" " if m == _QUOTE and c in '"“”' else c for m, c in pairs)
    topic = _topic(hidden, shown)
    if not left.bad:
        return Rest(topic)
    runs, spans = _runs(left)
    title = [span for i, span in enumerate(left.tokens)
             if left.kinds[i] != MASK and i not in left.dropped]  # fmt: skip
    return Rest(topic, runs, spans, _topic(masked, shown), tuple(title))


def _plain_words(words: list[str]) -> bool:
    """True when every leftover word is an ordinary word or glue: the fast path.
    Works on the lower-cased masked text's words; words that could be a zone
    abbreviation ("PST", "WAT") or start a phrase take the full path."""
    for word in words:
        word = word.strip(_EDGE_AND_MASKS)
        if not word:
            continue
        kind = _kind(word)
        if kind not in _QUIET or word in _SLOW_WORDS or word[0] == _QUOTE:
            return False
        if kind == PLAIN and len(word) <= 5 and (
            word[-1] == "t" or word.startswith(("utc", "gmt")) or word == "z"
        ):
            return False  # perhaps a zone abbreviation: the full path checks the case
    return True


def _decide(left: Leftover) -> None:
    """Apply the neighbour rules until nothing changes (chains such as "early next
    week" settle in a few rounds)."""
    ruled = [(i, _RULES[kind]) for i, kind in enumerate(left.kinds) if kind in _RULES]
    for _ in range(6):
        changed = False
        for i, rule in ruled:
            if i in left.bad:
                continue
            outcome = rule(left, i)
            if outcome == "bad":
                left.bad.add(i)
                left.dropped.discard(i)
                changed = True
            elif outcome == "drop" and i not in left.dropped:
                left.dropped.add(i)
                changed = True
        if not changed:
            break


def _always(left: Leftover, i: int) -> str:
    return "bad"


def _number(left: Leftover, i: int) -> str | None:
    """ "Sprint 2", "Approve 19.99", "2027 budget": labels; anything else is a time."""
    prev, nxt = left.kind(i - 1), left.kind(i + 1)
    if nxt in (UNIT, BACK) or (nxt == FWD and left.low(i + 1) in _CLOCK_LINKS):
        return "bad"
    if left.low(i + 1) == "ish":
        return "bad"  # "8 ish"
    if _CLOCK_SHAPED.fullmatch(left.low(i)):
        return "bad"  # "Budget 9.45": a clock is never a label ("Approve 19.99" is)
    if prev == PLAIN or (i == 0 and nxt == PLAIN and not _HOUR.fullmatch(left.low(i))):
        return None
    return "bad"


def _counting(left: Leftover, i: int) -> str | None:
    """ "two teams", "first draft", "2nd round": a count, unless a time is near.
    Right after a time only a word that cannot be minutes counts ("3pm Two
    replicas", "4pm Second"; "at 3 thirty Budget" is a question)."""
    prev, nxt, kind = left.kind(i - 1), left.kind(i + 1), left.kinds[i]
    after_time = left.timeish(i - 1)
    if left.low(i - 1) == "the" and kind in (ORD, ORDW) and (kind == ORD or nxt != PLAIN):
        left.bad.add(i - 1)
        return "bad"  # "the 4th floor", "the fourth": perhaps a date
    if prev in (FWD, DANGLE, NUM, NUMW) or (after_time and left.low(i) in MINUTE_WORDS):
        return "bad"
    if nxt == PLAIN or (kind == ORDW and nxt == END and (after_time or prev == PLAIN)):
        return None  # "two teams", "3pm Second", "Safety first"
    if nxt == FWD and i + 1 not in left.bad and left.kind(i + 2) == PLAIN:
        return None  # "Second half plan": "half" is the topic's too
    return "bad"


def _name(left: Leftover, i: int) -> str | None:
    """ "May", "March", "Jun": names and verbs, unless a number or "in" is beside them."""
    near = {left.kind(i - 1), left.kind(i + 1)}
    if near & {NUM, NUMW, ORD, ORDW} or left.kind(i - 1) in (FWD, DANGLE):
        return "bad"
    return None


def _connector(left: Leftover, i: int) -> str | None:
    """ "before 3pm", "by Friday", "next quarter", "3pm to": attached to a time."""
    after = left.near(i, 1)
    if left.kind(after) in (UNIT, NAME) or left.timeish(after):
        return "bad"
    if left.kind(after) == END and _hangs_off_a_time(left, i):
        return "bad"  # "3pm to", "noon after", "quarter every"
    if left.low(i) in _PERIOD_WORDS and left.low(after) in ("quarter", "half"):
        return "bad"
    if left.low(i) in ("quarter", "half") and left.low(after) in _CLOCK_LINKS:
        return "bad"  # "quarter to something": a clock we could not read
    return None


def _hangs_off_a_time(left: Leftover, i: int) -> bool:
    before = left.near(i, -1)
    return left.timeish(before) or left.kind(before) in (FWD, SOFT, DANGLE)


def _dangling(left: Leftover, i: int) -> str | None:
    """ "at", "on", "from" before a time are part of it."""
    after = left.near(i, 1)
    if left.kind(after) == MASK or after in left.dropped:
        return "drop"
    return "bad" if after in left.bad else None


def _soft(left: Leftover, i: int) -> str | None:
    """ "around 3pm", "3pm ish": softeners are dropped; "later" alone is vague."""
    after, low = left.near(i, 1), left.low(i)
    if left.kind(after) == MASK or (left.kind(after) == END and left.timeish(left.near(i, -1))):
        return "drop"
    if low == "ish" and left.kind(i - 1) == MASK:
        return "drop"
    return "bad" if after in left.bad or (low == "ish" and i - 1 in left.bad) else None


def _vague(left: Leftover, i: int) -> str | None:
    """ "later today" is today; "Budget soon" (no time at all) is vague; beside a
    time that was understood, "Later" is a title word ("tomorrow 3pm Later")."""
    after = left.near(i, 1)
    if left.kind(after) == MASK:
        return "drop"
    if MASK not in left.kinds or (after in left.bad and left.kind(after) not in (NUMW, ORDW)):
        return "bad"  # "later next week"; but in "Later one" only "one" is asked about
    return None


def _back(left: Leftover, i: int) -> str | None:
    """ "am", "pm", "h" belong to the number before them ("PM sync" is a person;
    "3pm Am I late": a word follows, so "Am" is English)."""
    prev = left.kind(i - 1)
    if prev in (NUM, NUMW, SHAPE, CLOCKY):
        return "bad"
    return "bad" if left.timeish(i - 1) and left.kind(i + 1) != PLAIN else None


def _unit(left: Leftover, i: int) -> str | None:
    """ "2 days", "next week", "[monday] week", "hours [midnight]". Right after a
    clock or an amount and before an ordinary word, it is the topic's ("3pm Week
    planning", "in 2 hours Morning standup"); after a day it may count from it
    ("tomorrow week")."""
    before, after = left.near(i, -1), left.near(i, 1)
    titled = left.kind(i + 1) in _TITLE_WORDS and i + 1 not in left.bad
    if titled and before == i - 1 and left.kind(before) == MASK:
        if left.after_clock(before) or left.low(i) not in _COUNTS_FROM_A_DAY:
            return None
    if left.kind(before) in (NUM, NUMW, ORD, ORDW, FWD, DANGLE) or left.timeish(before):
        return "bad"
    if left.low(i).startswith("weekend") and MASK not in left.kinds:
        return "bad"  # "Offsite weekend": when?
    if left.low(i) in _LOOSE_UNITS and left.kind(after) == MASK:
        return "bad"
    if not left.has_day and left.low(i) in ("day", "eve") and left.kind(i - 1) == PLAIN:
        left.bad.add(i - 1)  # "Canada Day", "Founders' Day": a holiday we do not know
        return "bad"
    return None


def _zoneish(left: Leftover, i: int) -> str | None:
    """ "3pm AKST", "ET noon": a zone beside a time that no pass took."""
    for j in (left.near(i, -1), left.near(i, 1)):
        if left.kind(j) in (NUM, CLOCKY) or left.timeish(j):
            return "bad"
    return "bad" if left.kind(left.near(i, -1)) == FWD else None


def _time_word(left: Leftover, i: int) -> str | None:
    """ "3pm Lisbon time": a zone we do not know ("3pm Time tracking": a title)."""
    if left.kind(i - 1) == MASK:
        return None if left.kind(i + 1) in _TITLE_WORDS and i + 1 not in left.bad else "bad"
    if left.kind(i - 1) == PLAIN and left.kind(i - 2) == MASK:
        left.bad.add(i - 1)
        return "bad"
    return None


def _holiday(left: Leftover, i: int) -> str | None:
    return None if left.has_day else "bad"


_AMOUNT_END = re.compile(r"(?:\d|hours?|hrs?|minutes?|mins?|days?|weeks?|[hmd])\W*$", re.I)
_CLOCK_SHAPED = re.compile(r"(?:[01]?\d|2[0-3])[:.][0-5]\d", FLAGS)
_HOUR = re.compile(r"[01]?\d|2[0-4]", FLAGS)  # "7 Budget": perhaps 7 o'clock
_CLOCK_LINKS = {"past", "to", "after", "till", "til", "before"}
_PERIOD_WORDS = {"this", "next", "last", "every", "coming", "each"}
_LOOSE_UNITS = {
    "days", "weeks", "hours", "minutes", "mins", "months", "years", "morning", "afternoon",
    "evening", "night", "eve", "weekend", "weekends",
}  # fmt: skip
_COUNTS_FROM_A_DAY = {"week", "weeks"}  # "tomorrow week", "monday week"
_TITLE_WORDS = {PLAIN, GLUE, DANGLE, FWD}  # "Week in review", "Hour of code", "Time to ship"
_QUIET = {MASK, PLAIN, GLUE, DANGLE}  # leftovers that need no rule (dangling words are trimmed)
_RULES = {
    STRONG: _always, CLOCKY: _always, NUM: _number, SHAPE: _number, NUMW: _counting,
    ORD: _counting, ORDW: _counting, NAME: _name, FWD: _connector, DANGLE: _dangling,
    SOFT: _soft, BACK: _back, UNIT: _unit, ZONEISH: _zoneish, TIME: _time_word,
    HOLIDAY: _holiday, VAGUE: _vague,
}  # fmt: skip


def _phrases(left: Leftover, phrases: re.Pattern[str]) -> None:
    """Multi-word time phrases we do not book: unknown holidays, "end of day"."""
    low = left.masked.translate(LOWER)
    for match in phrases.finditer(low):
        for i, (start, end) in enumerate(left.tokens):
            if start < match.end() and end > match.start() and left.kinds[i] != MASK:
                left.bad.add(i)


def _runs(left: Leftover) -> tuple[tuple[str, ...], tuple[Span, ...]]:
    """Unexplained tokens grouped into phrases, glue words between them kept; and
    where each phrase is in the text."""
    spans: list[Span] = []
    start = end = last = -1
    for i, (a, b) in enumerate(left.tokens):
        if i in left.bad:
            if start >= 0 and all(left.kinds[j] == GLUE for j in range(last + 1, i)):
                end = b
            else:
                if start >= 0:
                    spans.append((start, end))
                start, end = a, b
            last = i
    if start >= 0:
        spans.append((start, end))
    runs = [(left.text[a:b].strip(_EDGE), (a, b)) for a, b in spans]
    kept = [(run, span) for run, span in runs if run]
    return tuple(run for run, _ in kept), tuple(span for _, span in kept)


# --- topic -------------------------------------------------------------------------

_EDGE_LEFT = " \t,;:.-–—|/)]"
_EDGE_RIGHT = " \t,;:-–—|/([@"
_DANGLING = {"at", "on", "@", "from", "between", "in"}
_CHUNK = re.compile(r"[^\x00-\x04]+")


def _topic(masked: str, text: str) -> str:
    """Join what no pass took (in the user's own case), trimming punctuation and
    prepositions left dangling where a time phrase was cut out
    ("Review (tomorrow 3pm)" → "Review")."""
    kept = []
    for chunk in _CHUNK.finditer(masked):  # the text between two masked phrases
        words = text[chunk.start() : chunk.end()].split()
        while words and words[-1].lower() in _DANGLING:
            words.pop()
        while words and words[0].lower() in _DANGLING:
            words.pop(0)
        if words:
            cleaned = " ".join(words).lstrip(_EDGE_LEFT).rstrip(_EDGE_RIGHT)
            if cleaned:
                kept.append(cleaned)
    return " ".join(kept)


CACHED = (_digit_kind,)  # see commands.when.clear_caches
