"""parse_when against dateparser and parsedatetime, on the test suite's case table.

Run from the repository root::

    python benchmarks/bench_when.py            # print the figures
    python benchmarks/bench_when.py --check    # also exit 1 if a target is missed

Every parser gets the same text, the same "now" and the same zone; only the start
is scored (to the minute, as an instant), since the peers do not return durations,
repeats or topics. Timings are per call, with the garbage collector paused as
``timeit`` does. dateparser also gets DATE_ORDER to match each case's
``day_first``, so numeric dates do not count against it. Targets: our accuracy at
least the best peer's and over 95 %, at least 20x faster than dateparser, and a
p99 under 200 µs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from commands.when import WhenError, parse_when  # noqa: E402
from tests.core.when_cases import CASES, Case  # noqa: E402

Parser = Callable[["Input"], datetime | None]


@dataclass(frozen=True)
class Input:
    """One case's arguments, built before timing starts so no parser pays for them."""

    text: str
    now: datetime
    tz: str
    zone: ZoneInfo
    day_first: bool
    expected: datetime

    @classmethod
    def of(cls, case: Case) -> Input:
        zone = ZoneInfo(case.tz)
        return cls(case.text, case.now_dt, case.tz, zone, case.day_first, case.start_dt)


INPUTS = tuple(Input.of(case) for case in CASES)


def ours(given: Input) -> datetime | None:
    try:
        return parse_when(given.text, given.now, given.tz, day_first=given.day_first).start
    except WhenError:
        return None


def dateparser_parser() -> Parser:
    import dateparser

    def parse(given: Input) -> datetime | None:
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


def parsedatetime_parser() -> Parser:
    import parsedatetime

    calendar = parsedatetime.Calendar()

    def parse(given: Input) -> datetime | None:
        try:
            moment, status = calendar.parseDT(given.text, sourceTime=given.now, tzinfo=given.zone)
        except Exception:
            return None
        return moment if status else None

    return parse


def minute(moment: datetime, tz: str) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass
class Result:
    name: str
    correct: int
    timings_us: list[float]

    @property
    def accuracy(self) -> float:
        return 100.0 * self.correct / len(CASES)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.timings_us)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.timings_us)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def run(name: str, parser: Parser, rounds: int) -> Result:
    """One untimed pass for accuracy (and warm-up), then ``rounds`` timed passes with
    the garbage collector paused, as ``timeit`` does, for every parser alike."""
    correct = 0
    for given in INPUTS:
        start = parser(given)
        correct += start is not None and minute(start, given.tz) == minute(given.expected, given.tz)
    timings: list[float] = []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            for given in INPUTS:
                began = clock()
                parser(given)
                timings.append((clock() - began) / 1000)
    finally:
        gc.enable()
    return Result(name, correct, timings)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rounds", type=int, default=30, help="timed passes for parse_when")
    arguments.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    options = arguments.parse_args()
    warnings.simplefilter("ignore")  # peers' deprecation chatter is not our business

    results = [
        run("parse_when", ours, options.rounds),
        run("dateparser", dateparser_parser(), max(1, options.rounds // 10)),
        run("parsedatetime", parsedatetime_parser(), max(1, options.rounds // 3)),
    ]
    mine, peers = results[0], results[1:]
    print(f"{len(CASES)} cases from tests/core/when_cases.py, start scored to the minute")
    print(f"{'parser':<14} {'accuracy':>9} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9}")
    for result in results:
        print(
            f"{result.name:<14} {result.accuracy:>8.1f}% {result.mean:>9.1f} "
            f"{result.percentile(50):>9.1f} {result.percentile(99):>9.1f}"
        )
    for peer in peers:
        print(f"when_parse: {peer.mean / mine.mean:.1f}x faster than {peer.name}")

    best_peer = max(peer.accuracy for peer in peers)
    dateparser_ratio = peers[0].mean / mine.mean
    targets = {
        f"accuracy {mine.accuracy:.1f}% >= best peer {best_peer:.1f}% and > 95%": (
            mine.accuracy >= best_peer and mine.accuracy > 95
        ),
        f"{dateparser_ratio:.1f}x >= 20x faster than dateparser": dateparser_ratio >= 20,
        f"p99 {mine.percentile(99):.1f} µs < 200 µs": mine.percentile(99) < 200,
    }
    for target, met in targets.items():
        print(f"target {'met' if met else 'MISSED'}: {target}")
    return 1 if options.check and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
