"""``/securemeet stats [7d|30d|90d|all]``: use and compliance at a glance, admins only.

The store does the counting (:meth:`commands.ports.Store.stats`, figures defined in
:mod:`commands.stats_model`); this module picks the window, builds the weekly trend,
and presents the figures four ways: a chat reply (with a text sparkline, a weekly chart
the front ends draw (``bot/charts.py``) and a CSV attached), JSON-ready data (the
contract in ``docs/STATS.md``) and CSV.

Windows are whole UTC days ending today: ``30d`` is today and the 29 days before it,
from 00:00:00 UTC 29 days ago up to now. A record at exactly that start counts; one a
second earlier does not. ``all`` starts at the first record.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from commands import policy
from commands.access import require_admin
from commands.context import Context, Requester
from commands.errors import UserError
from commands.ports import Store
from commands.records import Event
from commands.reply import Chart, Fact, Reply
from commands.stats_model import PLATFORMS, StatsFigures

USAGE = "stats [7d|30d|90d|all]"
SUMMARY = ("Meetings, hosts, compliance, audits, fixes, moves and cancellations, a weekly "
           "trend, a chart and CSV (admins only).")
EXAMPLES = ("stats", "stats 7d", "stats 90d", "stats all")

DEFAULT_WINDOW = "30d"
MAX_DAYS = 366
SPARK_WEEKS = 26  # the chat line and the chart show at most this many recent weeks
CHART_WEEKS = 52
PNG_NAME, CSV_NAME = "securemeet-stats.png", "securemeet-stats.csv"
_PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams", "console": "terminal"}


@dataclass(frozen=True)
class Window:
    label: str  # "30d" or "all"
    days: int | None  # None = all
    since: datetime | None  # 00:00 UTC of the first day counted
    until: datetime  # now


@dataclass(frozen=True)
class Week:
    start: date  # the Monday; the first and last week may be partly outside the window
    meetings: int
    compliant: int


@dataclass(frozen=True)
class Report:
    window: Window
    figures: StatsFigures
    weeks: tuple[Week, ...]

    @property
    def rate(self) -> float | None:
        total = self.figures.meetings_created
        return self.figures.compliant_at_creation / total if total else None


def run(ctx: Context, who: Requester, text: str) -> Reply:
    if not who.is_admin:
        ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform, None,
                                  "refused", {"command": "stats"}))
        require_admin(who, "see SecureMeet's usage and compliance figures")
    return reply(compute(ctx.store, text, now=ctx.now()), sandbox=ctx.sandbox)


# -- the window and the figures --------------------------------------------------------

def parse_window(text: str, *, now: datetime) -> Window:
    """``""``/``30d``/``7d``/``90d``/``all`` (or any ``Nd`` up to 366) → a :class:`Window`."""
    word = (text or "").strip().lower() or DEFAULT_WINDOW
    now = now.astimezone(UTC)
    if word in ("all", "ever", "all-time"):
        return Window("all", None, None, now)
    match = re.fullmatch(r"(\d{1,3})\s*(d|days?)?", word)
    days = int(match.group(1)) if match else 0
    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"“{text.strip()}” is not a window I know. Use 7d, 30d, 90d or all "
                        f"(any number of days from 1d to {MAX_DAYS}d works too).",
                        examples=EXAMPLES[1:])
    start = datetime.combine(now.date() - timedelta(days=days - 1), time(), tzinfo=UTC)
    return Window(f"{days}d", days, start, now)


def compute(store: Store, text: str, *, now: datetime) -> Report:
    window = parse_window(text, now=now)
    figures = store.stats(since=window.since, until=window.until)
    return Report(window, figures, weekly(figures, window))


def weekly(figures: StatsFigures, window: Window) -> tuple[Week, ...]:
    """Meetings per week (Monday to Sunday, UTC), every week of the window, zeros kept."""
    first = figures.since or figures.first_day
    if first is None:
        return ()
    last = figures.until
    per_week: dict[date, list[int]] = {}
    for d in figures.daily:
        bucket = per_week.setdefault(_monday(d.day), [0, 0])
        bucket[0] += d.meetings
        bucket[1] += d.compliant
    weeks, monday = [], _monday(first)
    while monday <= last:
        meetings, compliant = per_week.get(monday, (0, 0))
        weeks.append(Week(monday, meetings, compliant))
        monday += timedelta(days=7)
    return tuple(weeks)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- JSON and CSV (the contract: docs/STATS.md) ----------------------------------------

def as_json(report: Report) -> dict[str, Any]:
    f, w = report.figures, report.window
    platforms = {p: 0 for p in PLATFORMS} | dict(f.by_platform)
    rate = report.rate
    return {
        "window": w.label,
        "since": _stamp(w.since),
        "until": _stamp(w.until),
        "meetings_created": f.meetings_created,
        "distinct_hosts": f.distinct_hosts,
        "by_platform": platforms,
        "compliance_at_creation": {
            "rate": None if rate is None else round(rate, 4),
            "percent": None if rate is None else round(rate * 100, 1),
            "compliant": f.compliant_at_creation,
            "total": f.meetings_created,
            "failing_rules": dict(f.failing_rules),
        },
        "audits": {"run": f.audits_run, "compliant": f.audits_compliant,
                   "failures_by_rule": dict(f.audit_failures_by_rule)},
        "fixes_applied": f.fixes_applied,
        "fixes_by_rule": dict(f.fixes_by_rule),
        "ended": {"for_all": f.ended_for_all, "left_running": f.left_running},
        "refusals": f.refusals,
        "moves": f.moves,
        "cancellations": f.cancellations,
        "invitations_sent": f.invitations_sent,
        "leaks_caught": {"total": f.leaks_caught,
                         "by_channel_type": dict(f.leaks_by_channel)},
        "parse_failures": {"count": f.parse_failures,
                           "top_phrases": [[p, n] for p, n in f.top_phrases]},
        "weekly_trend": [{"week": wk.start.isoformat(), "meetings": wk.meetings,
                          "compliant": wk.compliant} for wk in report.weeks],
    }


def as_csv(report: Report) -> str:
    """One tidy table (section, item, value) that any spreadsheet opens."""
    data = as_json(report)
    cca, audits = data["compliance_at_creation"], data["audits"]
    rows: list[tuple[str, str, Any]] = [
        ("window", "window", data["window"]), ("window", "since", data["since"] or ""),
        ("window", "until", data["until"]),
        ("meetings", "created", data["meetings_created"]),
        ("meetings", "distinct_hosts", data["distinct_hosts"]),
    ]
    rows += [("by_platform", k, n) for k, n in data["by_platform"].items()]
    rows += [("compliance_at_creation", k, "" if cca[k] is None else cca[k])
             for k in ("compliant", "total", "rate")]
    rows += [("failing_rule", k, n) for k, n in cca["failing_rules"].items()]
    rows += [("audits", "run", audits["run"]), ("audits", "compliant", audits["compliant"])]
    rows += [("audit_failure", k, n) for k, n in audits["failures_by_rule"].items()]
    rows += [("fixes", "applied", data["fixes_applied"])]
    rows += [("fix", k, n) for k, n in data["fixes_by_rule"].items()]
    rows += [("ended", "for_all", data["ended"]["for_all"]),
             ("ended", "left_running", data["ended"]["left_running"]),
             ("refusals", "count", data["refusals"]),
             ("moves", "count", data["moves"]),
             ("cancellations", "count", data["cancellations"]),
             ("invitations", "sent", data["invitations_sent"]),
             ("leaks", "caught", data["leaks_caught"]["total"])]
    rows += [("leak_channel", k, n) for k, n in data["leaks_caught"]["by_channel_type"].items()]
    rows += [("parse_failures", "count", data["parse_failures"]["count"])]
    rows += [("top_phrase", p, n) for p, n in data["parse_failures"]["top_phrases"]]
    for wk in data["weekly_trend"]:
        rows += [("week_meetings", wk["week"], wk["meetings"]),
                 ("week_compliant", wk["week"], wk["compliant"])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "item", "value"))
    writer.writerows((s, _cell(i), v) for s, i, v in rows)
    return out.getvalue()


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a phrase someone typed must not run in Excel."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _stamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") \
        if moment else None


# -- the chat reply --------------------------------------------------------------------

def reply(report: Report, *, sandbox: bool = False) -> Reply:
    f, w = report.figures, report.window
    period = _period(report)
    if f.empty_store:
        return Reply(
            title="📊 No meetings yet",
            text="SecureMeet has not scheduled any meetings yet, so there is nothing to "
                 "count. Figures appear here as soon as someone schedules one, e.g. "
                 "`/securemeet tomorrow 3pm for 45m Budget review`.",
            sandbox=sandbox)
    if f.quiet:
        return Reply(
            title=f"📊 Nothing in {_window_name(w)}",
            text=f"No meetings were scheduled and nothing was recorded {period}. "
                 "Try a longer window: `/securemeet stats 90d` or `/securemeet stats all`.",
            sandbox=sandbox)
    facts = [Fact("Meetings created", _meetings(f)),
             Fact("Hosts", f"{f.distinct_hosts} distinct")]
    if f.meetings_created:
        facts.append(Fact("Locked down at creation", _compliance(report)))
        if f.failing_rules:
            facts.append(Fact("Why not", _rules(f.failing_rules)))
    facts.append(Fact("Audits", f"{f.audits_run} run, {f.audits_compliant} compliant"))
    if f.audit_failures_by_rule:
        facts.append(Fact("Audit failures", _rules(f.audit_failures_by_rule)))
    facts.append(Fact("Fixes applied", str(f.fixes_applied)
                      + (f" ({_rules(f.fixes_by_rule)})" if f.fixes_by_rule else "")))
    facts.append(Fact("Ended", f"{f.ended_for_all} for all · {f.left_running} left running "
                               "by the host"))
    facts.append(Fact("Moved · cancelled", f"{f.moves} moved · {f.cancellations} cancelled"))
    facts.append(Fact("Shared privately", f"{f.invitations_sent} invitation"
                      f"{'' if f.invitations_sent == 1 else 's'} sent"))
    facts.append(Fact("Leaks caught", str(f.leaks_caught) + (
        f" ({_counts(f.leaks_by_channel)})" if f.leaks_by_channel else "")))
    facts.append(Fact("Refusals", str(f.refusals) + (
        f" ({_counts(f.refusals_by_command)})" if f.refusals_by_command else "")))
    facts.append(Fact("Unparsed times", str(f.parse_failures) + (
        " — top: " + " · ".join(f"“{p}” ×{n}" for p, n in f.top_phrases[:5])
        if f.top_phrases else "")))
    weeks = report.weeks[-SPARK_WEEKS:]
    if weeks:
        facts.append(Fact("Weekly trend", f"{sparkline([wk.meetings for wk in weeks])} "
                          f"meetings/week, {_day(weeks[0].start)} → {_day(weeks[-1].start)}"))
    chart_weeks = report.weeks[-CHART_WEEKS:]
    chart = Chart(PNG_NAME, f"SecureMeet: meetings per week, {_window_name(w)}",
                  tuple((wk.start, wk.meetings, wk.compliant) for wk in chart_weeks))
    return Reply(
        title=f"📊 SecureMeet stats, {_window_name(w)}",
        text=_headline(report, period),
        facts=tuple(facts),
        notes=("Days are UTC days; weeks start on Monday. Chart and CSV attached.",),
        private=True, sandbox=sandbox,
        chart=chart,
        attachments=((CSV_NAME, "text/csv", as_csv(report).encode("utf-8")),),
    )


def _headline(report: Report, period: str) -> str:
    f = report.figures
    if not f.meetings_created:
        return f"No meetings were scheduled {period}; other activity below."
    hosts = "host" if f.distinct_hosts == 1 else "hosts"
    text = (f"{f.meetings_created} meeting{'s' if f.meetings_created != 1 else ''} by "
            f"{f.distinct_hosts} {hosts} {period}; {_percent(report.rate)} locked down at "
            "creation.")
    if f.failing_rules:
        rule, n = next(iter(f.failing_rules.items()))
        text += f" Most often missing: {_title(rule)} ({n})."
    return text


def _meetings(f: StatsFigures) -> str:
    parts = [f"{_PLATFORM_NAMES.get(p, p or 'unknown')} {n}"
             for p, n in sorted(f.by_platform.items(), key=lambda kv: (-kv[1], kv[0]))]
    return str(f.meetings_created) + (f" ({' · '.join(parts)})" if parts else "")


def _compliance(report: Report) -> str:
    f = report.figures
    return (f"{_percent(report.rate)} ({f.compliant_at_creation} of {f.meetings_created})"
            + ("" if f.compliant_at_creation == f.meetings_created else
               " — should be 100 %: see why below"))


def _percent(rate: float | None) -> str:
    if rate is None:
        return "–"
    shown = f"{rate * 100:.1f}".rstrip("0").rstrip(".")
    if rate < 1 and shown == "100":  # never round a miss up to a clean sheet
        shown = "99.9"
    return f"{shown} %"


def _rules(counts: Any) -> str:
    return " · ".join(f"{_title(rule)} ×{n}" for rule, n in list(counts.items())[:6])


def _counts(counts: Any) -> str:
    return ", ".join(f"{k or 'other'} {n}" for k, n in counts.items())


def _title(rule_id: str) -> str:
    rule = policy.RULES_BY_ID.get(rule_id)
    return rule.title if rule else rule_id or "unnamed rule"


def _window_name(w: Window) -> str:
    if w.days is None:
        return "all time"
    return "today" if w.days == 1 else f"the last {w.days} days"


def _period(report: Report) -> str:
    start = report.window.since.date() if report.window.since else report.figures.first_day
    end = report.window.until.date()
    if start is None or start == end:
        return f"on {_day(end)} (UTC)"
    return f"from {_day(start)} to {_day(end)} (UTC)"


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """``[0, 3, 7, 2]`` → ``"▁▄█▂"``: one block per value, scaled to the largest."""
    peak = max(values, default=0)
    if peak <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[round(max(v, 0) / peak * (len(BLOCKS) - 1))] for v in values)
