"""Audit a meeting against the policy, rule by rule, with fixes where Zoom's API has one.

``audit <ID | join link>`` reads the meeting as Zoom holds it (for a recurring meeting,
its occurrences too), the host's Zoom user settings and the account's lock settings
(:mod:`commands.meeting_view`, the same reading schedule does), and judges every rule
of the configured level. Each rule comes back pass / fail / manual (no API: what to
check by hand, and where) / unknown (we could not read it), with the advisory clause
and what to do. ``audit mine`` does that for each of the requester's upcoming
meetings, one line each, worst first.

:func:`commands.fix.fix` changes one rule on one meeting, then audits again with this
module and shows the result:
meeting-level rules by a PATCH of the meeting (a rotated passcode is shown only in a
private reply); host-level rules by a PATCH of the host's user settings, which changes
*all* their meetings, so only admins may and only after a confirmation. A setting the
Zoom account has locked is reported as locked, never "fixed".

Only the meeting's host, an alternative host or an admin may audit or fix it; anyone
else gets :func:`commands.access.refusal`, the same text whether the meeting exists or
not, and a ``refusal`` event is recorded.

Secrets: an audit reply may one day be posted in a channel, so it never carries the
passcode, the ``?pwd=`` of a join link (the link shown is the public one) or a start
URL as a plain fact. The only secret is a freshly rotated passcode, marked
``secret=True`` in a private reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from commands import policy, timefmt
from commands.access import may_manage, refusal
from commands.context import Context, Requester
from commands.errors import UserError, ZoomNotFound
from commands.meeting_ref import format_meeting_id, parse_meeting_id
from commands.meeting_view import (
    HostState,
    build_view,
    fix_action,
    fix_actions,
    gather,
    host_reads,
    host_state,
    learn_host,
    policy_note,
    read_host,
)
from commands.records import Event
from commands.reply import Action, CheckItem, Fact, Reply, Status
from commands.schedule import public_join_url

USAGE = "audit <meeting ID | join link | mine>"
SUMMARY = ("Check a meeting against the security policy, rule by rule, with fixes "
           "(its host, an alternative host or an admin).")
EXAMPLES = ("audit 123 4567 8901", "audit https://zoom.us/j/12345678901", "audit mine")

MINE_LIMIT = 30  # meetings judged by `audit mine` (each is one GET)
WORST_BUTTONS = 3  # `audit mine` offers buttons for this many of the worst meetings


@dataclass(frozen=True)
class Audit:
    """One meeting judged: what Zoom holds, and a finding per rule of ``level``."""

    meeting: Mapping[str, Any]
    findings: tuple[policy.Finding, ...]
    level: str
    view: policy.View | None = None  # what the rules saw (host settings, locks, PMI)

    @property
    def meeting_id(self) -> int:
        return int(self.meeting["id"])

    @property
    def host(self) -> str:
        return host_of(self.meeting)

    @property
    def compliant(self) -> bool:
        return policy.compliant(self.findings)

    @property
    def failed(self) -> tuple[str, ...]:
        return policy.failed(self.findings)

    def count(self, status: Status) -> int:
        return sum(f.status is status for f in self.findings)

    def finding(self, rule_id: str) -> policy.Finding | None:
        return next((f for f in self.findings if f.rule_id == rule_id), None)

    @property
    def badness(self) -> tuple[int, int]:
        """Sort key, worst first: more failures, then more unknowns."""
        return (-self.count(Status.FAIL), -self.count(Status.UNKNOWN))

    @property
    def mark(self) -> Status:
        """✗ when a rule fails, else ? when one could not be checked, else ✓."""
        if self.count(Status.FAIL):
            return Status.FAIL
        return Status.UNKNOWN if self.count(Status.UNKNOWN) else Status.DONE


# -- the command ---------------------------------------------------------------------

def run(ctx: Context, who: Requester, text: str) -> Reply:
    target = (text or "").strip()
    if target.lower() in ("mine", "my", "me", "my meetings"):
        return mine(ctx, who)
    if not target:
        raise UserError("Which meeting? Give its ID or join link, or `mine` for all of "
                        "your upcoming meetings.", examples=EXAMPLES)
    meeting_id = parse_meeting_id(target, command="audit", hosts=ctx.store.join_hosts())
    meeting = authorised_meeting(ctx, who, meeting_id, verb="audit")
    result = inspect(ctx, meeting)
    record(ctx, who, result, trigger="command")
    return audit_reply(ctx, who, result)


def authorised_meeting(ctx: Context, who: Requester, meeting_id: int, *,
                       verb: str) -> dict[str, Any]:
    """The meeting, if ``who`` may manage it; otherwise the one refusal for everything.

    An admin may see every meeting, so an admin is told plainly that it does not exist.
    """
    try:
        meeting: dict[str, Any] | None = ctx.zoom.get_meeting(meeting_id)
    except ZoomNotFound:
        if who.is_admin:
            raise
        meeting = None
    if meeting is None or not may_manage(who, meeting):
        ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform, meeting_id,
                                  "refused", {"command": verb}))
        raise refusal(verb)
    return meeting


def host_of(meeting: Mapping[str, Any]) -> str:
    return str(meeting.get("host_email") or meeting.get("host_id") or "")


def inspect(ctx: Context, meeting: Mapping[str, Any], *, state: HostState | None = None,
            own_passcode: bool | None = None) -> Audit:
    """Judge ``meeting`` as Zoom holds it, with what governs it from outside."""
    host = host_of(meeting)
    learn_host(ctx, str(meeting.get("join_url") or ""))
    state = state or read_host(ctx, host)
    if own_passcode is None:
        own_passcode = _passcode_is_ours(ctx, int(meeting["id"]))
    view = build_view(ctx, host, meeting, state=state, own_passcode=own_passcode)
    findings = policy.evaluate(view, ctx.policy_level)
    findings = with_occurrences(view, findings)
    return Audit(meeting, findings, ctx.policy_level, view)


def with_occurrences(view: policy.View,
                     findings: tuple[policy.Finding, ...]) -> tuple[policy.Finding, ...]:
    """A recurring meeting fails a rule if one of its occurrences does.

    Zoom's series read lists occurrences with their times; where it also reports an
    occurrence's own ``settings`` (an occurrence edited apart from the series), each
    such occurrence is judged too. A series PATCH does not reach an occurrence edited on
    its own, so such a failure is left to the host (no Fix button).
    """
    series = view.settings
    worse: dict[str, policy.Finding] = {}
    for occ in occurrences(view.meeting):
        own = occ.get("settings")
        if not isinstance(own, Mapping) or all(series.get(k) == v for k, v in own.items()):
            continue
        occ_view = replace(view, meeting={**view.meeting, "settings": {**series, **own}})
        when = start_of(occ)
        label = f"the occurrence of {when:%a %d %b %Y}" if when else "one occurrence"
        for f in findings:
            rule = policy.RULES_BY_ID[f.rule_id]
            if rule.kind != "meeting" or f.status is Status.FAIL or f.rule_id in worse:
                continue
            occ_f = rule.evaluate(occ_view)
            if occ_f.status is Status.FAIL:
                worse[f.rule_id] = policy.Finding(
                    f.rule_id, Status.FAIL, f"{label} differs from the series: {occ_f.reason} "
                    "(edit that occurrence in Zoom)", locked=occ_f.locked)
    return tuple(worse.get(f.rule_id, f) for f in findings)


def _passcode_is_ours(ctx: Context, meeting_id: int) -> bool:
    """SecureMeet gave this meeting its passcode (it scheduled it or rotated it), so the
    passcode's fingerprint on file is this meeting's own, not an earlier meeting's."""
    if ctx.store.get_meeting(meeting_id) is not None:
        return True
    return any(e.meeting_id == meeting_id and e.data.get("rotated")
               for e in ctx.store.events(kinds=("fix",)))


def record(ctx: Context, who: Requester, result: Audit, *, trigger: str) -> None:
    """Every audit goes to the audit trail and the stats: per-rule results, no secrets."""
    now = ctx.now()
    ctx.store.add_audit(result.meeting_id, who.user, now, result.level, result.compliant,
                        {f.rule_id: f.status.value for f in result.findings})
    locked = [f.rule_id for f in result.findings if f.locked]
    unknown = [f.rule_id for f in result.findings if f.status is Status.UNKNOWN]
    ctx.store.add_event(Event(
        "audit", now, who.user, who.platform, result.meeting_id,
        "compliant" if result.compliant else "noncompliant",
        {"failed": list(result.failed), "unknown": unknown, "locked": locked,
         "level": result.level, "trigger": trigger}))


# -- the reply -----------------------------------------------------------------------

def audit_reply(ctx: Context, who: Requester, result: Audit, *, title: str | None = None,
                text: str | None = None, facts: tuple[Fact, ...] = (),
                notes: tuple[str, ...] = ()) -> Reply:
    meeting = result.meeting
    topic = str(meeting.get("topic") or "Zoom meeting")
    return Reply(
        title=title or f"🔍 Audit: {topic}",
        text=text or summary(result),
        facts=facts + meeting_facts(ctx, who, result),
        checklist=checklist(result, who),
        actions=audit_actions(result, who),
        notes=(*notes, policy_note(result.level)),
        private=True, sandbox=ctx.sandbox,
    )


def summary(result: Audit) -> str:
    fails, unknown = result.count(Status.FAIL), result.count(Status.UNKNOWN)
    manual, passed = result.count(Status.MANUAL), result.count(Status.DONE)
    duties = result.count(Status.TODO)
    head = (f"✓ Meets the {result.level} policy." if result.compliant else
            f"✗ Does not meet the {result.level} policy.")
    parts = [f"{n} {word}" for n, word in (
        (fails, "failed"), (unknown, "could not be checked"), (passed, "passed"),
        (manual, "to check by hand"), (duties, "host duties")) if n]
    return head + " " + ", ".join(parts) + "."


def meeting_facts(ctx: Context, who: Requester, result: Audit) -> tuple[Fact, ...]:
    meeting = result.meeting
    facts = [Fact("Meeting ID", format_meeting_id(result.meeting_id))]
    if result.host:
        facts.append(Fact("Host", result.host))
    start = start_of(meeting)
    if start is not None:
        duration = timedelta(minutes=int(meeting.get("duration") or 0))
        facts.append(Fact("When", timefmt.span(start, duration, who.tz) if duration
                          else timefmt.moment(start, who.tz)))
    repeats = _repeats(ctx, who, meeting)
    if repeats:
        facts.append(Fact("Repeats", repeats))
    link = str(meeting.get("join_url") or "")
    url = public_join_url(link)
    if url:  # never the ?pwd= part: this reply may be shown beside others
        shown = url + (" (without its embedded passcode)" if url != link else "")
        facts.append(Fact("Join link", shown, url=url))
    return tuple(facts)


def start_of(meeting: Mapping[str, Any]) -> datetime | None:
    try:
        start = datetime.fromisoformat(str(meeting["start_time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return start if start.tzinfo else start.replace(tzinfo=UTC)  # Zoom answers in GMT


def occurrences(meeting: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [o for o in meeting.get("occurrences") or []
            if str(o.get("status") or "available") != "deleted"]


def _repeats(ctx: Context, who: Requester, meeting: Mapping[str, Any]) -> str:
    if meeting.get("type") not in (3, 8):
        return ""
    items = occurrences(meeting)
    if not items:
        return "recurring, with no fixed time" if meeting.get("type") == 3 else "recurring"
    upcoming = [s for s in (start_of(o) for o in items) if s is not None and s >= ctx.now()]
    text = f"{len(items)} occurrence{'s' if len(items) != 1 else ''}"
    if upcoming:
        text += f"; next {timefmt.moment(min(upcoming), who.tz)}"
    return text


def checklist(result: Audit, who: Requester) -> tuple[CheckItem, ...]:
    """One item per rule; each says why, and what to do when it isn't a pass."""
    return policy.checklist(result.findings, todo=lambda f: what_to_do(result, f, who))


def what_to_do(result: Audit, f: policy.Finding, who: Requester) -> str:
    rule = policy.RULES_BY_ID[f.rule_id]
    typed = f"`fix {result.meeting_id} {rule.id}`"
    if f.status is Status.MANUAL:
        return rule.how or f"check by hand: {rule.where}"
    if f.status is Status.UNKNOWN:
        return f"SecureMeet could not read it; check by hand: {rule.where}"
    if f.status is not Status.FAIL:
        return ""
    if f.locked:
        return ("your Zoom account admin has locked this setting; ask them to change it "
                "in the Zoom admin portal (Account Settings)")
    if rule.fix is None:
        return rule.unfixable or f"change it in {rule.where}"
    meeting_part = _meeting_part(result, rule)
    if meeting_part is not None:
        return f"{rule.fix.follow_why}: `fix {result.meeting_id} {meeting_part.id}`"
    hint = f" ({rule.fix.hint})" if rule.fix.hint else ""
    if f.fixable == "meeting" and rule.kind == "host":
        return ("the host's setting is already right, but this meeting was made before: "
                f"type {typed} to mend it{hint}")
    if f.fixable == "meeting":
        return f"press Fix or type {typed}{hint}"
    if who.is_admin:
        return (f"a host setting, for all of {result.host}'s meetings: press Fix or type "
                f"{typed.rstrip('`')} confirm`")
    return (f"a setting of the host's Zoom account, not of this meeting: {rule.where} "
            "(or ask a SecureMeet admin)")


def _meeting_part(result: Audit, rule: policy.Rule) -> policy.Rule | None:
    """The failing meeting rule that is this host rule's follow-up on this meeting (the
    meeting records to the cloud: fixing its recording rule is the part a host can do)."""
    fix = rule.fix
    if fix is None or fix.follow is None or not fix.follow_when(result.meeting):
        return None
    return next((policy.RULES_BY_ID[r] for r in result.failed
                 if r != rule.id and (other := policy.RULES_BY_ID[r].fix) is not None
                 and other.body == fix.follow), None)


def audit_actions(result: Audit, who: Requester) -> tuple[Action, ...]:
    return (*fix_actions(result.meeting_id, result.findings, who),
            Action("Audit again", f"audit {result.meeting_id}"))


# -- audit mine ----------------------------------------------------------------------

def mine(ctx: Context, who: Requester) -> Reply:
    audits, more = judge_upcoming(ctx, who.email, limit=MINE_LIMIT,
                                  keep=lambda meeting: may_manage(who, meeting))
    for result in audits:
        record(ctx, who, result, trigger="mine")
    audits.sort(key=lambda a: (a.badness, _when_key(a)))
    return mine_reply(ctx, who, audits, more)


def judge_upcoming(ctx: Context, host: str, *, limit: int,
                   keep: Callable[[Mapping[str, Any]], bool]) -> tuple[list[Audit], int]:
    """``host``'s upcoming meetings as Zoom lists them, each read and judged (the reads
    and the host's settings at once): the audits of the first ``limit`` that ``keep``
    accepts, in Zoom's order, and how many were left beyond ``limit``."""
    listed = ctx.zoom.list_meetings(host, "upcoming")
    ids = list(dict.fromkeys(int(m["id"]) for m in listed if m.get("id") is not None))
    reads = host_reads(ctx, host)
    results = gather(*reads, *(partial(_get_if_there, ctx, i) for i in ids[:limit]))
    state = host_state(host, *results[:len(reads)])
    return ([inspect(ctx, meeting, state=state) for meeting in results[len(reads):]
             if meeting is not None and keep(meeting)], max(0, len(ids) - limit))


def _get_if_there(ctx: Context, meeting_id: int) -> Mapping[str, Any] | None:
    try:
        return ctx.zoom.get_meeting(meeting_id)
    except ZoomNotFound:  # deleted between the list and the read
        return None


def _when_key(a: Audit) -> float:
    start = start_of(a.meeting)
    return start.timestamp() if start else float("inf")


def mine_reply(ctx: Context, who: Requester, audits: list[Audit], more: int) -> Reply:
    notes = [policy_note(ctx.policy_level)]
    if more:
        notes.insert(0, f"Showing the first {MINE_LIMIT}; {more} more not audited. "
                     "Audit them one by one with `audit <ID>`.")
    if not audits:
        return Reply(title="🔍 Your upcoming meetings",
                     text="Zoom lists no upcoming meetings that you host.",
                     notes=tuple(notes), sandbox=ctx.sandbox)
    bad = [a for a in audits if not a.compliant]
    text = (f"✓ All {len(audits)} meet the {ctx.policy_level} policy." if not bad else
            f"✗ {len(bad)} of {len(audits)} do not meet the {ctx.policy_level} policy. "
            "Worst first.")
    actions: list[Action] = []
    for a in bad[:WORST_BUTTONS]:
        actions.append(Action(f"Audit {_short(a)}", f"audit {a.meeting_id}"))
        fixes = [f for f in a.findings if f.fixable == "meeting"]
        if fixes:
            actions.append(fix_action(a.meeting_id, fixes[0]))
    return Reply(title="🔍 Your upcoming meetings", text=text,
                 checklist=tuple(_line(ctx, who, a) for a in audits),
                 actions=tuple(actions), notes=tuple(notes), sandbox=ctx.sandbox)


def _line(ctx: Context, who: Requester, a: Audit) -> CheckItem:
    start = start_of(a.meeting)
    when = timefmt.moment(start, who.tz) if start else "no fixed time"
    title = f"{_short(a)} · {when} · {format_meeting_id(a.meeting_id)}"
    if a.mark is Status.FAIL:
        titles = [policy.RULES_BY_ID[r].title for r in a.failed]
        return CheckItem(f"meeting-{a.meeting_id}", title, Status.FAIL,
                         f"{len(titles)} failed: " + ", ".join(titles))
    if a.mark is Status.UNKNOWN:
        return CheckItem(f"meeting-{a.meeting_id}", title, Status.UNKNOWN,
                         f"{a.count(Status.UNKNOWN)} could not be checked")
    return CheckItem(f"meeting-{a.meeting_id}", title, Status.DONE, "every check passes")


def _short(a: Audit) -> str:
    topic = str(a.meeting.get("topic") or "Zoom meeting")
    return topic if len(topic) <= 40 else topic[:39] + "…"
