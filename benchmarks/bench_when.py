"""parse_when against dateparser, parsedatetime and Duckling, on the tests' tables.

Run from the repository root::

    python benchmarks/bench_when.py            # print the figures
    python benchmarks/bench_when.py --check    # also exit 1 if a target is missed

The table is ``tests/core/when_cases.py``: CASES (a phrase, a "now", a zone and the start
it names) and QUESTIONS (phrases with two readings or words that are not a time,
where the right answer is a question, not a start). Every parser gets the same
text, "now" and zone; only the start is scored, to the minute, as an instant.

- accuracy: the share of CASES whose start is right;
- misreads: the share of CASES answered with a *wrong* start (a silent misread,
  the failure that books a meeting at the wrong time);
- asked: for parse_when, the share of CASES it asked about instead of booking
  (peers cannot ask; "no answer" is shown for them);
- guessed: the share of QUESTIONS answered with a start anyway;
- µs per parse: each phrase is timed in several rounds, parsers interleaved so
  that the load of a shared machine falls on all of them alike. A phrase's time
  is the fastest of its rounds (``timeit``'s rule: slower runs measure the other
  processes, not the code); the table's mean and p99 are over phrases. Before
  each round parse_when's small caches (clock spellings, lengths, days, moments)
  are cleared, so each phrase is timed as one of a stream of different phrases,
  never as a repeat of itself.

Peers that are not installed are skipped (``pip install -e .[bench]``).
Duckling's binding is ``pyduckling-native-phihos``. dateparser gets DATE_ORDER
and Duckling the EN_GB locale where a case reads numeric dates day first.
Targets: accuracy >= 0.98, no misreads, p99 < 200 µs, >= 20x faster than Duckling.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from commands.when import UnsureTime, WhenError, clear_caches, parse_when  # noqa: E402
from tests.core.when_cases import CASES, NOWS, QUESTIONS, Case  # noqa: E402

ASKED = "asked"  # parse_when's question, told apart from "no answer" (None)
Answer = datetime | str | None
Parser = Callable[["Input"], Answer]


@dataclass(frozen=True)
class Input:
    """One phrase's arguments, built before timing starts so no parser pays for them."""

    text: str
    now: datetime
    tz: str
    zone: ZoneInfo
    day_first: bool
    expected: datetime | None  # None: a question is the right answer

    @classmethod
    def of_case(cls, case: Case) -> Input:
        zone = ZoneInfo(case.tz)
        return cls(case.text, case.now_dt, case.tz, zone, case.day_first, case.start_dt)

    @classmethod
    def of_question(cls, text: str, now: str) -> Input:
        tz = NOWS[now][0]
        when = Case("", now, "2026-01-01 00:00").now_dt
        return cls(text, when, tz, ZoneInfo(tz), False, None)


INPUTS = tuple(Input.of_case(c) for c in CASES) + tuple(
    Input.of_question(q.text, q.now) for q in QUESTIONS
)


def ours(given: Input) -> Answer:
    try:
        return parse_when(given.text, given.now, given.tz, day_first=given.day_first).start
    except UnsureTime:
        return ASKED
    except WhenError:
        return None


def dateparser_parser() -> Parser | None:
    try:
        import dateparser
    except ImportError:
        return None

    def parse(given: Input) -> Answer:
        settings = {
            "RELATIVE_BASE": given.now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "TIMEZONE": given.tz,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "DATE_ORDER": "DMY" if given.day_first else "MDY",
        }
        try:
            return dateparser.parse(given.text, settings=settings)
        except Exception:  # a peer's crash is a miss, not the end of the run
            return None

    return parse


def parsedatetime_parser() -> Parser | None:
    try:
        import parsedatetime
    except ImportError:
        return None
    calendar = parsedatetime.Calendar()

    def parse(given: Input) -> Answer:
        try:
            moment, status = calendar.parseDT(given.text, sourceTime=given.now, tzinfo=given.zone)
        except Exception:
            return None
        return moment if status else None

    return parse


def duckling_parser() -> Parser | None:
    """Facebook's Duckling through its prebuilt Python binding, if installed."""
    try:
        import duckling
    except ImportError:
        return None
    tzdir = next((p for p in zoneinfo.TZPATH if Path(p).is_dir()), "/usr/share/zoneinfo")
    zones = duckling.load_time_zones(tzdir)
    lang = duckling.parse_lang("EN")
    locales = {
        day_first: duckling.parse_locale(
            "EN_GB" if day_first else "EN_US", duckling.default_locale_lang(lang)
        )
        for day_first in (False, True)
    }
    dims = duckling.parse_dimensions(["time"])
    contexts = {
        given: duckling.Context(
            duckling.parse_ref_time(zones, given.tz, int(given.now.timestamp())),
            locales[given.day_first],
        )
        for given in INPUTS
    }  # built once, like the other peers' settings: only parsing is timed

    def parse(given: Input) -> Answer:
        try:
            found = duckling.parse(given.text, contexts[given], dims, False)
        except Exception:
            return None
        for entity in found:
            value = entity.get("value", {})
            text = value.get("value") or (value.get("from") or {}).get("value")
            if text:
                return datetime.fromisoformat(text)
        return None

    return parse


def minute(moment: datetime, tz: str) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass
class Result:
    name: str
    parser: Parser
    answers: list[Answer] = field(default_factory=list)
    samples: list[list[float]] = field(default_factory=lambda: [[] for _ in INPUTS])

    def _share(self, test: Callable[[Input, Answer], bool], cases: bool) -> float:
        chosen = [(g, a) for g, a in zip(INPUTS, self.answers, strict=True)
                  if (g.expected is not None) is cases]  # fmt: skip
        return sum(test(g, a) for g, a in chosen) / max(1, len(chosen))

    @property
    def accuracy(self) -> float:
        return self._share(lambda g, a: _is_time(a) and _same(g, a), cases=True)

    @property
    def misreads(self) -> float:
        return self._share(lambda g, a: _is_time(a) and not _same(g, a), cases=True)

    @property
    def asked(self) -> float:
        return self._share(lambda g, a: a == ASKED, cases=True)

    @property
    def unanswered(self) -> float:
        return self._share(lambda g, a: a is None, cases=True)

    @property
    def guessed(self) -> float:
        return self._share(lambda g, a: _is_time(a), cases=False)

    @property
    def questions_asked(self) -> float:
        return self._share(lambda g, a: a == ASKED, cases=False)

    @property
    def per_phrase(self) -> list[float]:
        return sorted(min(s) for s in self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.per_phrase)

    @property
    def p99(self) -> float:
        ordered = self.per_phrase
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def _is_time(answer: Answer) -> bool:
    return isinstance(answer, datetime)


def _same(given: Input, answer: Answer) -> bool:
    assert given.expected is not None and isinstance(answer, datetime)
    return minute(answer, given.tz) == minute(given.expected, given.tz)


def measure(results: list[Result], rounds: int) -> None:
    """One untimed pass for the answers (and warm-up), then ``rounds`` timed passes,
    parsers interleaved, the garbage collector paused as ``timeit`` does."""
    for result in results:
        result.answers = [result.parser(given) for given in INPUTS]
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for result in results:
            clear_caches()
            gc.collect()
            gc.disable()
            try:
                for i, given in enumerate(INPUTS):
                    began = clock()
                    result.parser(given)
                    result.samples[i].append((clock() - began) / 1000)
            finally:
                gc.enable()


def report(results: list[Result]) -> dict[str, bool]:
    mine = results[0]
    print(
        f"{len(CASES)} cases with a start and {len(QUESTIONS)} questions from "
        "tests/core/when_cases.py; starts scored to the minute"
    )
    head = ("parser", "accuracy", "misreads", "asked", "no answer", "guessed", "mean µs", "p99 µs")
    print("{:<14}{:>9}{:>9}{:>8}{:>10}{:>9}{:>10}{:>10}".format(*head))
    for r in results:
        asked = f"{r.asked:.1%}" if r is mine else "-"
        print(
            f"{r.name:<14}{r.accuracy:>9.1%}{r.misreads:>9.1%}{asked:>8}{r.unanswered:>10.1%}"
            f"{r.guessed:>9.1%}{r.mean:>10.1f}{r.p99:>10.1f}"
        )
    asked = sum(answer == ASKED for answer in mine.answers)
    print(
        f"parse_when asked on {mine.questions_asked:.1%} of the questions; question rate "
        f"over the whole table {asked}/{len(INPUTS)} = {asked / len(INPUTS):.1%}"
    )
    for peer in results[1:]:
        print(f"parse_when is {peer.mean / mine.mean:.1f}x faster than {peer.name} (mean)")
    targets = {
        f"accuracy {mine.accuracy:.3f} >= 0.98": mine.accuracy >= 0.98,
        f"silent misreads {mine.misreads:.3f} == 0": mine.misreads == 0,
        f"p99 {mine.p99:.1f} µs < 200 µs": mine.p99 < 200,
    }
    duck = next((r for r in results if r.name == "duckling"), None)
    if duck is not None:
        ratio = duck.mean / mine.mean
        targets[f"{ratio:.1f}x >= 20x faster than Duckling"] = ratio >= 20
    for target, met in targets.items():
        print(f"target {'met' if met else 'MISSED'}: {target}")
    return targets


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rounds", type=int, default=5, help="timed passes per parser")
    arguments.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    options = arguments.parse_args()
    warnings.simplefilter("ignore")  # peers' deprecation chatter is not our business

    peers = {
        "dateparser": dateparser_parser(),
        "parsedatetime": parsedatetime_parser(),
        "duckling": duckling_parser(),
    }
    results = [Result("parse_when", ours)]
    results += [Result(name, parser) for name, parser in peers.items() if parser is not None]
    for name in (name for name, parser in peers.items() if parser is None):
        print(f"({name} is not installed; skipped)")
    measure(results, options.rounds)
    targets = report(results)
    return 1 if options.check and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
