"""Schedule a locked-down meeting: parse, create, read back, judge, reply, record.

The order matters. We set every rule explicitly in the create body (API-created
meetings inherit nothing from the portal), then *read the meeting back* and judge what
Zoom applied, because account-locked settings can silently override a request. The
reply and the record both describe the meeting as Zoom holds it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from commands import invitees as inviting
from commands import passcode, policy, timefmt
from commands.context import Context, Requester
from commands.errors import UserError, ZoomError, ZoomNotFound, ZoomUnavailable, ZoomUnconfirmed
from commands.invitees import Invitee
from commands.meeting_ref import format_meeting_id
from commands.meeting_view import (
    build_view,
    cancel_action,
    fix_actions,
    gather,
    host_reads,
    host_state,
    learn_host,
    move_action,
    policy_note,
)
from commands.records import Event, Invitation, MeetingRecord, PendingCreate
from commands.reply import Action, CheckItem, Fact, Notice, Reply, Status, strip_secret_query
from commands.when import When, WhenError, parse_when

log = logging.getLogger("securemeet.schedule")

DEFAULT_TOPIC = "SecureMeet meeting"
OCCURRENCES = 12  # recurring meetings get this many occurrences (Zoom's default is 1)
FIND_WAITS = (0.0, 1.0, 2.0)  # seconds before each look for a create Zoom did not confirm
FIND_CANDIDATES = 5  # meetings with the same topic read back, newest first
_ZOOM_RECURRENCE = {"daily": 1, "weekdays": 2, "weekly": 2, "monthly": 3}

HOST_DUTIES = (
    CheckItem("share-privately", "Share the link privately", Status.TODO,
              "send the link and passcode only to invitees, never in a public channel"),
    CheckItem("admit-waiting", "Admit people from the waiting room", Status.TODO,
              "Participants → Waiting → Admit, one by one; admit only people you expect"),
)


@dataclass(frozen=True)
class Scheduled:
    meeting: dict[str, Any]
    findings: tuple[policy.Finding, ...]
    overridden: tuple[str, ...]


def run(ctx: Context, who: Requester, text: str, *,
        invitees: tuple[Invitee, ...] = ()) -> Reply:
    """Schedule from ``text``. Invitees named in it (``with @ravi meera@example.org``)
    are left out of the time and topic; ``invitees`` is what the front end found out
    about them (:mod:`commands.invitees`), and each one reached gets a private
    invitation (a private :class:`Notice`)."""
    tokens = inviting.find(text)
    people = inviting.settle(tokens, invitees, who) if tokens else ()
    try:
        when = _parse(ctx, who, inviting.strip(text) if tokens else text)
    except UserError as exc:
        if tokens and exc.choices:  # each reading, as a whole command, invites them too
            readings = exc.choices
            exc.choices = tuple(inviting.with_tokens(c, tokens) for c in readings)
            exc.examples = tuple(inviting.with_tokens(c, tokens) if c in readings else c
                                 for c in exc.examples)
        raise
    scheduled = create_secure_meeting(ctx, who, when, invitees=people)
    return meeting_reply(ctx, who, when, scheduled, invitees=people)


def _parse(ctx: Context, who: Requester, text: str) -> When:
    try:
        return parse_when(text, ctx.now(), who.tz, day_first=ctx.day_first)
    except WhenError:
        record_parse_failure(ctx, who, text)
        raise


def record_parse_failure(ctx: Context, who: Requester, phrase: str, *,
                         command: str | None = None) -> None:
    """Count a phrase no time could be read from (stats ranks them). A pasted join link
    loses its query first: the phrase is kept in the database and shown to admins, and a
    passcode must be in neither."""
    data = {"phrase": strip_secret_query(phrase)[:120]}
    if command is not None:
        data["command"] = command
    ctx.store.add_event(Event("parse_failure", ctx.now(), who.user, who.platform,
                              outcome="error", data=data))


def create_body(when: When, topic: str, code: str, level: str,
                invitees: tuple[Invitee, ...] = ()) -> dict[str, Any]:
    """The create request: every automatic rule of ``level`` set explicitly; the
    invitees' emails in ``settings.meeting_invitees``."""
    body: dict[str, Any] = {
        "topic": topic[:200],
        "type": 8 if when.recurrence else 2,
        "start_time": timefmt.zoom_local(when.start, _zone(when)),
        "timezone": _zone(when),
        "duration": int(when.duration.total_seconds() // 60),
        "password": code,
        "agenda": "Scheduled with SecureMeet: waiting room, fresh passcode, host controls.",
        "settings": policy.create_settings(level),
    }
    if when.recurrence:
        body["recurrence"] = zoom_recurrence(when)
    emails = inviting.zoom_invitees(invitees)
    if emails:
        body["settings"]["meeting_invitees"] = emails
    return body


def _zone(when: When) -> str:
    return getattr(when.start.tzinfo, "key", None) or "UTC"


def zoom_recurrence(when: When) -> dict[str, Any]:
    """Map our recurrence onto Zoom's object (weekly_days: 1 = Sunday … 7 = Saturday)."""
    rec: dict[str, Any] = {"type": _ZOOM_RECURRENCE[when.recurrence or "daily"],
                           "repeat_interval": 1, "end_times": OCCURRENCES}
    if when.recurrence == "weekdays":
        days: tuple[int, ...] = (0, 1, 2, 3, 4)
    elif when.recurrence == "weekly":
        days = tuple(when.weekdays) or (when.start.weekday(),)
    else:
        days = ()
    if days:
        rec["weekly_days"] = ",".join(str((d + 1) % 7 + 1) for d in sorted(days))
    if when.recurrence == "monthly":
        rec["monthly_day"] = when.start.day
    return rec


def fresh_passcode(ctx: Context, host: str) -> str:
    earlier = ctx.store.passcode_fingerprints(host)
    while True:
        code = passcode.generate()
        if passcode.fingerprint(code, key=ctx.secret_key) not in earlier:
            return code


def create_secure_meeting(ctx: Context, who: Requester, when: When, *,
                          invitees: tuple[Invitee, ...] = ()) -> Scheduled:
    """Create, read back, judge and record one meeting: all of it, or nothing.

    An intent (:class:`PendingCreate`) is written before Zoom is asked and cleared once
    the meeting is recorded or removed; if the process dies in between, the sweep in
    :mod:`commands.recovery` finds the meeting Zoom made and removes it.
    """
    topic = when.topic or DEFAULT_TOPIC
    code = fresh_passcode(ctx, who.email)
    body = create_body(when, topic, code, ctx.policy_level, invitees)
    pending = PendingCreate(secrets.token_hex(8), who.email, topic,
                            passcode.fingerprint(code, key=ctx.secret_key), who.user,
                            who.platform, ctx.now())
    ctx.store.add_pending(pending)
    try:
        created = create(ctx, who.email, body)
    except ZoomUnconfirmed:
        raise  # Zoom may yet have made it: the intent stays for the sweep to settle
    except Exception:
        _forget(ctx, pending.key)
        raise
    meeting_id = int(created["id"])
    try:
        meeting, *host = gather(lambda: read_back(ctx, meeting_id, fallback=created),
                                *host_reads(ctx, who.email))
        view = build_view(ctx, who.email, meeting, state=host_state(who.email, *host))
        findings = policy.evaluate(view, ctx.policy_level)
        overridden = overrides(body["settings"], meeting.get("settings") or {})
        _record(ctx, who, when, meeting, findings, code, settles=pending.key)
        _remember(ctx, meeting, invitees)
    except Exception:
        # Nothing half-created: a meeting we cannot record is a meeting we remove.
        if _undo(ctx, meeting_id):
            _forget(ctx, pending.key)
        raise
    return Scheduled(meeting, findings, overridden)


def create(ctx: Context, host: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create the meeting. When Zoom may have created it without telling us (a time-out,
    a 5xx), look for it before giving up: a meeting left in Zoom without a record would
    be an orphan that nobody audits, and trying again would make a second one."""
    try:
        return ctx.zoom.create_meeting(host, body)
    except ZoomUnconfirmed:
        code = body["password"]
        found = find_created(ctx, host, body["topic"], lambda m: m.get("password") == code)
        if found is None:
            raise
        log.warning("create not confirmed by Zoom, but meeting %s is there: kept", found["id"])
        return found


def find_created(ctx: Context, host: str, topic: str, ours: Callable[[dict[str, Any]], bool],
                 *, waits: tuple[float, ...] | None = None,
                 sleep: Callable[[float], Any] = time.sleep,
                 quiet: bool = True) -> dict[str, Any] | None:
    """The meeting a create made, if Zoom holds it: the host's meeting with the same topic
    for which ``ours`` holds (its passcode is the one we chose, fresh for this meeting,
    so it identifies it). Looks once per entry of ``waits``, after sleeping that long; a
    Zoom error counts as "not found" unless ``quiet`` is False."""
    for wait in FIND_WAITS if waits is None else waits:
        sleep(wait)
        try:
            listed = ctx.zoom.list_meetings(host, "scheduled")
            same = [m for m in listed if m.get("topic") == topic and m.get("id")]
            same.sort(key=lambda m: str(m.get("created_at") or ""), reverse=True)
            for item in same[:FIND_CANDIDATES]:
                meeting = ctx.zoom.get_meeting(int(item["id"]))
                if ours(meeting):
                    return meeting
        except ZoomError as exc:
            if not quiet:
                raise
            log.info("looking for an unconfirmed create failed: %s", type(exc).__name__)
    return None


def read_back(ctx: Context, meeting_id: int, *, fallback: dict[str, Any]) -> dict[str, Any]:
    try:
        return ctx.zoom.get_meeting(meeting_id)
    except ZoomUnavailable:
        log.warning("read-back of meeting %s failed; judging the create response", meeting_id)
        return fallback


def overrides(asked: dict[str, Any], applied: dict[str, Any]) -> tuple[str, ...]:
    """Settings where Zoom applied something other than what we asked for."""
    return tuple(k for k, v in asked.items() if k in applied and applied[k] != v)


def _record(ctx: Context, who: Requester, when: When, meeting: dict[str, Any],
            findings: tuple[policy.Finding, ...], code: str, *, settles: str) -> None:
    """Record the meeting and settle its intent at once. If the sweep settled the intent
    first (this create outlived the grace period), it may have removed the meeting: give
    up rather than hand out a link that no longer works."""
    now = ctx.now()
    failed = policy.failed(findings)
    record = MeetingRecord(
        meeting_id=int(meeting["id"]), host_email=who.email, requester=who.user,
        platform=who.platform, topic=str(meeting.get("topic") or ""), start_time=when.start,
        duration_min=int(when.duration.total_seconds() // 60), timezone=who.tz,
        recurrence=when.recurrence, policy_level=ctx.policy_level,
        policy_version=policy.POLICY_VERSION, compliant=policy.compliant(findings),
        failed_rules=failed, created_at=now, sandbox=ctx.sandbox,
        join_url_public=public_join_url(str(meeting.get("join_url") or "")),
    )
    if not ctx.store.save_meeting(record, settles=settles):
        raise ZoomUnavailable("Zoom took so long to create the meeting that SecureMeet gave "
                              "up on it and removed it. Please try again.")
    ctx.store.add_passcode_fingerprint(who.email, passcode.fingerprint(code, key=ctx.secret_key))
    ctx.store.add_event(Event("schedule", now, who.user, who.platform, record.meeting_id,
                              "compliant" if record.compliant else "noncompliant",
                              {"failed": list(failed), "level": ctx.policy_level,
                               "recurrence": when.recurrence or ""}))


def _remember(ctx: Context, meeting: dict[str, Any], invitees: tuple[Invitee, ...]) -> None:
    """Who the invitation goes to (a move or cancel tells them too), and the host of
    the join link when Zoom gives this account links on a host of its own."""
    now = ctx.now()
    sent = [Invitation(int(meeting["id"]), i.user, i.email, i.name, i.tz, now)
            for i in invitees if i.reachable]
    if sent:
        ctx.store.save_invitations(sent)
    learn_host(ctx, str(meeting.get("join_url") or ""))


def _undo(ctx: Context, meeting_id: int) -> bool:
    """Remove a meeting we could not record; False if Zoom would not (the sweep retries)."""
    try:
        ctx.zoom.delete_meeting(meeting_id)
    except ZoomNotFound:
        return True
    except ZoomError:
        log.error("could not delete meeting %s after a failed record", meeting_id)
        return False
    return True


def _forget(ctx: Context, key: str) -> None:
    """Clear an intent while another error is on its way to the user: if the store is
    what failed, the intent stays and the sweep settles it later."""
    try:
        ctx.store.clear_pending(key)
    except Exception:
        log.warning("could not clear a create intent; the sweep will settle it")


def public_join_url(url: str) -> str:
    """The join URL without its embedded passcode: safe to store and to show in public."""
    return url.split("?", 1)[0]


def meeting_reply(ctx: Context, who: Requester, when: When, done: Scheduled, *,
                  invitees: tuple[Invitee, ...] = ()) -> Reply:
    meeting = done.meeting
    meeting_id = int(meeting["id"])
    code = str(meeting.get("password") or "")
    facts = [
        Fact("When", timefmt.span(when.start, when.duration, who.tz)),
        Fact("Duration", timefmt.minutes(when.duration)),
    ]
    if when.source_tz and when.source_tz != who.tz:
        facts.append(Fact("Asked in", timefmt.moment(when.start, when.source_tz)))
    if when.recurrence:
        facts.append(Fact("Repeats", _repeats(when)))
    facts += [
        Fact("Join link", str(meeting.get("join_url") or ""), url=str(meeting.get("join_url"))),
        Fact("Meeting ID", format_meeting_id(meeting_id)),
        Fact("Passcode", code, secret=True),
    ]
    notes = [policy_note(ctx.policy_level)]
    if done.overridden:
        notes.insert(0, "⚠️ Your Zoom account's locked settings overrode: "
                     + ", ".join(done.overridden) + ". The checklist shows what Zoom applied.")
    if ctx.sandbox:
        notes.append("🧪 Sandbox: created in SecureMeet's built-in Zoom emulator, not in Zoom.")
    title = f"🔒 {meeting.get('topic') or DEFAULT_TOPIC}"
    text = "\n".join([headline(done.findings, who, shared=bool(invitees) and all(
        i.reachable for i in invitees)), *inviting.sharing_lines(invitees)])
    duties = (inviting.share_item(invitees, HOST_DUTIES[0]), *HOST_DUTIES[1:])
    return Reply(title=title, text=text, facts=tuple(facts),
                 checklist=duties + policy.checklist(done.findings),
                 actions=meeting_actions(meeting_id, done.findings, who,
                                         recurring=bool(when.recurrence)),
                 notes=tuple(notes),
                 private=True, sandbox=ctx.sandbox,
                 notices=invitations(ctx, who, when, meeting, invitees))


def invitations(ctx: Context, who: Requester, when: When, meeting: dict[str, Any],
                invitees: tuple[Invitee, ...]) -> tuple[Notice, ...]:
    """One private notice per invitee reached: their invitation, with the passcode,
    for their 1:1 chat with SecureMeet only; recorded (``invite``) once delivered."""
    meeting_id = int(meeting["id"])
    repeats = _repeats(when) if when.recurrence else ""
    return tuple(
        Notice(to=i.user, private=True, name=i.name,
               reply=inviting.invitation(sandbox=ctx.sandbox, who=who, meeting=meeting,
                                         start=when.start, duration=when.duration,
                                         invitee=i, repeats=repeats),
               record=Event("invite", ctx.now(), who.user, who.platform, meeting_id, "sent",
                            {"to": i.user}))
        for i in invitees if i.reachable)


def headline(findings: tuple[policy.Finding, ...], who: Requester, *,
             shared: bool = False) -> str:
    """One line on how safe the new meeting is, and whose move it is when it is not."""
    if policy.compliant(findings):
        return "Your meeting is ready and locked down." + (
            "" if shared else " Share the link and passcode privately.")
    failing = [f for f in findings if f.status is Status.FAIL]
    account = [f for f in failing if policy.RULES_BY_ID[f.rule_id].kind == "host"]
    if not failing:
        return ("Your meeting is ready, but SecureMeet could not read everything it checks "
                "— see ? below.")
    if len(account) < len(failing):
        return "Your meeting is ready, but not everything could be locked down — see ✗ below."
    n = len(account)
    them = "them" if n > 1 else "it"
    whose = (f"fix {them} with the buttons" if who.is_admin else
             f"change {them} in the Zoom web portal, or ask a SecureMeet admin")
    return (f"Your meeting is ready and its own settings are locked down, but {n} setting"
            f"{'s' if n > 1 else ''} of your Zoom account weaken{'' if n > 1 else 's'} it "
            f"(✗ below): {whose}.")


def meeting_actions(meeting_id: int, findings: tuple[policy.Finding, ...],
                    who: Requester | None = None, *,
                    recurring: bool = False) -> tuple[Action, ...]:
    """End for all, Audit, Add to calendar, Move (asks when to), Cancel (asks first),
    then the fixes."""
    actions = [
        Action("End meeting for all", f"end {meeting_id}", style="danger",
               confirm="End this meeting for everyone in it?"),
        Action("Audit", f"audit {meeting_id}"),
        Action("Add to calendar", f"calendar {meeting_id}"),
        move_action(meeting_id),
        cancel_action(meeting_id, recurring=recurring),
    ]
    actions += fix_actions(meeting_id, findings, who)  # host-wide fixes: admins only
    return tuple(actions)


def _repeats(when: When) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    if when.recurrence == "weekly" and when.weekdays:
        days = ", ".join(names[d] for d in sorted(when.weekdays))
        return f"weekly on {days} ({OCCURRENCES} times)"
    label = {"daily": "daily", "weekdays": "every weekday", "weekly": "weekly",
             "monthly": "monthly"}[when.recurrence or "daily"]
    return f"{label} ({OCCURRENCES} times)"


def duration_minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)
