"""``fix <meeting ID> <rule> [confirm]``: fix one rule on one meeting, then audit again.

It reads and judges the meeting with :mod:`commands.audit`, changes it, and audits it again.
Typed, a host-wide fix (screen sharing, file transfer, cloud recording, the passcode
in the link) needs the word ``confirm`` at the end, and only admins may make it.

A "fix" button carries ``value="<ID>:<rule>"``; a host-wide one also a confirmation
dialog and the command ``fix <ID> <rule> confirm``, because the dialog was the confirmation.
A front end routes a press as the command ``fix <value>`` (colons or spaces).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from commands import invitees as inviting
from commands import notices, passcode, policy
from commands.audit import (
    Audit,
    audit_reply,
    authorised_meeting,
    inspect,
    record,
    summary,
    what_to_do,
)
from commands.context import Context, Requester
from commands.errors import NotAllowed, UserError
from commands.meeting_ref import format_meeting_id, parse_meeting_id, without_confirm
from commands.meeting_view import HOST_FIX_CONFIRM, policy_note
from commands.records import Event
from commands.reply import Action, Fact, Notice, Reply, Status
from commands.schedule import fresh_passcode

USAGE = "fix <meeting ID> <rule> [confirm]"
SUMMARY = ("Fix one failed rule of a meeting, then audit it again (host-wide settings: "
           "admins only, add `confirm`).")
EXAMPLES = ("fix 123 4567 8901 waiting-room", "fix 123 4567 8901 passcode",
            "fix 123 4567 8901 no-file-transfer confirm")


def run(ctx: Context, who: Requester, text: str) -> Reply:
    meeting_id, rule_id, confirmed = parse_fix(text)
    return fix(ctx, who, meeting_id, rule_id, confirmed=confirmed)




def fix(ctx: Context, who: Requester, meeting_id: int, rule_id: str, *,
        confirmed: bool = False) -> Reply:
    """Fix one rule on one meeting, then audit it again.

    A host-level fix changes the host's Zoom user settings (all their meetings): admins
    only, and only with ``confirmed`` (a button carries a confirmation dialog; typed,
    it is ``fix <ID> <rule> confirm``).
    """
    rule = _fixable_rule(ctx, rule_id)
    meeting = authorised_meeting(ctx, who, meeting_id, verb="fix")
    before = inspect(ctx, meeting)
    finding = before.finding(rule.id)
    assert finding is not None  # _fixable_rule checked the level
    # A confirmed passcode fix rotates even a strong passcode: it may have leaked (the
    # risk-alert nudge's "Rotate passcode" button sends ``fix <ID> passcode confirm``).
    assert rule.fix is not None  # _fixable_rule checked it
    rotate_anyway = rule.fix.confirm_rotates and confirmed
    if finding.status is Status.DONE and not rotate_anyway:
        record(ctx, who, before, trigger="fix")
        hint = (f" To rotate it anyway (if it leaked): fix {meeting_id} {rule.id} confirm."
                if rule.fix.confirm_rotates else "")
        return audit_reply(ctx, who, before, title=f"✓ Already fine: {rule.title}",
                           text=f"{finding.reason}. Nothing was changed.{hint}\n"
                                + summary(before))
    if finding.locked:
        _fix_event(ctx, who, meeting_id, rule.id, "locked")
        record(ctx, who, before, trigger="fix")
        return audit_reply(
            ctx, who, before, title=f"🔒 Locked by your Zoom account: {rule.title}",
            text="Your Zoom account admin has locked this setting, so SecureMeet cannot "
                 "change it and changed nothing. Ask them to change it in the Zoom admin "
                 "portal (Account Settings).\n" + summary(before))
    assert before.view is not None  # inspect() always gives the view
    host_change = rule.fix_scope(before.view) == "host"
    if host_change:
        if not who.is_admin:
            ctx.store.add_event(Event("refusal", ctx.now(), who.user, who.platform,
                                      meeting_id, "refused",
                                      {"command": "fix", "rule": rule.id, "why": "host"}))
            raise NotAllowed(
                f"“{rule.title}” is a setting of the host's Zoom account, so changing it "
                "changes all of their meetings: only a SecureMeet admin can do that. "
                f"Change it yourself in {rule.where}, "
                "or ask an admin.", examples=(f"audit {meeting_id}",))
        if not confirmed:
            return _confirm(ctx, meeting_id, before, rule)
    code = _apply(ctx, before, rule, host_change=host_change)
    topic = str(before.meeting.get("topic") or "Zoom meeting")
    told = notices.for_host(ctx, who, before.meeting,
                            title=f"🔧 Your meeting was changed: {topic}",
                            text=_what_changed(rule, host_change, code) + ".")
    after = inspect(ctx, ctx.zoom.get_meeting(meeting_id), own_passcode=True if code else None)
    now_ok = (after.finding(rule.id) or finding).status is Status.DONE
    _fix_event(ctx, who, meeting_id, rule.id, "fixed" if now_ok else "not_applied",
               rotated=bool(code))
    record(ctx, who, after, trigger="fix")
    facts: tuple[Fact, ...] = ()
    if code:
        facts = (Fact("New passcode", code, secret=True),)
        link = str(after.meeting.get("join_url") or "")
        if "pwd=" in link:  # the invitees need the whole new link: private, like the code
            facts += (Fact("New join link", link, secret=True, url=link),)
    if now_ok and rotate_anyway:
        title = "🔑 Passcode rotated"
        text = "Zoom now has the new passcode. The meeting, audited again:\n"
    elif now_ok:
        title = f"🔧 Fixed: {rule.title}"
        text = "Zoom now reports it as the policy asks. The meeting, audited again:\n"
    else:
        title = f"⚠️ Not fixed: {rule.title}"
        still = after.finding(rule.id) or finding
        todo = what_to_do(after, still, who)
        text = (f"SecureMeet asked Zoom to change it, but Zoom still reports: {still.reason}."
                + (f" To do: {todo}." if todo else "") + " The meeting, audited again:\n")
    invited: tuple[Notice, ...] = ()
    if code:
        invited = _new_passcode_to_invitees(ctx, who, after.meeting, code)
        link = " (and the new join link, which carries it)" \
            if "pwd=" in str(after.meeting.get("join_url") or "") else ""
        text = ((f"The old passcode no longer works. The {inviting.people(len(invited))} "
                 "SecureMeet invited get the new one privately; anyone else needs it from "
                 f"you, privately{link}. ") if invited else
                ("The old passcode no longer works: send the new one to your invitees "
                 f"privately{link}. ")) + text
    return replace(audit_reply(ctx, who, after, title=title, text=text + summary(after),
                               facts=facts), notices=told + invited)


def _new_passcode_to_invitees(ctx: Context, who: Requester, meeting: Mapping[str, Any],
                              code: str) -> tuple[Notice, ...]:
    """The new passcode (and the link that carries it), privately, to each person
    SecureMeet sent the meeting's invitation to: private notices, 1:1 chats only."""
    meeting_id = int(meeting["id"])
    topic = str(meeting.get("topic") or "Zoom meeting")
    link = str(meeting.get("join_url") or "")
    facts = (Fact("Meeting ID", format_meeting_id(meeting_id)),
             Fact("New passcode", code, secret=True),
             *((Fact("New join link", link, secret=True, url=link),) if link else ()))
    return tuple(
        Notice(to=inv.user, private=True, name=inv.name, reply=Reply(
            title=f"🔑 New passcode: {topic}",
            text=(f"{who.name or who.email} gave the meeting a new passcode: the old one and "
                  "links that carry it no longer work. Keep this one to yourself."),
            facts=facts, private=True, sandbox=ctx.sandbox))
        for inv in ctx.store.invitations(meeting_id) if inv.user != who.user)


def _what_changed(rule: policy.Rule, host_change: bool, code: str) -> str:
    """What the host is told someone did (never the new passcode)."""
    if host_change:
        what = f"changed your Zoom account setting “{rule.title}” (all your meetings)"
    else:
        what = f"changed its setting “{rule.title}”"
    if code:
        what = ("gave it a new passcode: the old one no longer works"
                if rule.fix is not None and rule.fix.confirm_rotates
                else what + ", and gave it a new passcode: the old one no longer works")
    return what



def _apply(ctx: Context, before: Audit, rule: policy.Rule, *, host_change: bool) -> str:
    """Send the rule's fix to Zoom (:class:`commands.policy.Fix`). Returns the new passcode
    when the fix gave the meeting one, else ""."""
    fix = rule.fix
    assert fix is not None
    meeting_id = before.meeting_id
    if host_change:
        ctx.zoom.update_user_settings(before.host, dict(fix.body))
        if fix.follow is not None and fix.follow_when(before.meeting):
            ctx.zoom.update_meeting(meeting_id, dict(fix.follow))
    elif fix.body and rule.kind == "meeting":
        ctx.zoom.update_meeting(meeting_id, dict(fix.body))
    # A meeting's link keeps the passcode it was made with, so what rotates is judged
    # on the meeting as Zoom holds it now, after the change above.
    now = before.meeting if fix.rotate in (policy.always, policy.never) else \
        ctx.zoom.get_meeting(meeting_id)
    if not fix.rotate(now):
        return ""
    code = fresh_passcode(ctx, before.host)
    ctx.zoom.update_meeting(meeting_id, {"password": code})
    ctx.store.add_passcode_fingerprint(before.host,
                                       passcode.fingerprint(code, key=ctx.secret_key))
    return code


def _fixable_rule(ctx: Context, rule_id: str) -> policy.Rule:
    rule = policy.RULES_BY_ID.get((rule_id or "").strip().lower())
    fixable = [r.id for r in policy.rules_for(ctx.policy_level) if r.fix is not None]
    if rule is None or not rule.applies(ctx.policy_level):
        raise UserError(f"There is no rule “{rule_id}” in the {ctx.policy_level} policy. "
                        "Rules SecureMeet can fix: " + ", ".join(fixable) + ".",
                        examples=("fix 123 4567 8901 waiting-room", "audit mine"))
    if rule.fix is None:
        raise UserError(f"“{rule.title}” cannot be changed through Zoom's API. To do: "
                        f"{rule.how or rule.unfixable or rule.where}.",
                        examples=("audit mine",))
    return rule


def _confirm(ctx: Context, meeting_id: int, before: Audit, rule: policy.Rule) -> Reply:
    return Reply(
        title=f"Confirm: change {before.host}'s Zoom setting?",
        text=(f"“{rule.title}” is a setting of {before.host}'s Zoom account: changing it "
              f"changes all of their meetings, not only {format_meeting_id(meeting_id)}."
              + (" This meeting also gets a new passcode, because its link carries the "
                 "current one." if rule.fix is not None and rule.fix.rotate(before.meeting)
                 else "")
              + f" Press the button, or type `fix {meeting_id} {rule.id} confirm`."),
        actions=(Action(f"Yes: {rule.title}", f"fix {meeting_id} {rule.id} confirm",
                        style="primary", confirm=HOST_FIX_CONFIRM),),
        notes=(policy_note(ctx.policy_level),), private=True, sandbox=ctx.sandbox)


def _fix_event(ctx: Context, who: Requester, meeting_id: int, rule_id: str,
               outcome: str, *, rotated: bool = False) -> None:
    """``rotated``: the meeting got a passcode from SecureMeet (whose fingerprint is then
    on file as this meeting's own, not "an earlier meeting's")."""
    ctx.store.add_event(Event("fix", ctx.now(), who.user, who.platform, meeting_id, outcome,
                              {"rule": rule_id, "kind": policy.RULES_BY_ID[rule_id].kind,
                               "rotated": rotated}))


def parse_fix(text: str) -> tuple[int, str, bool]:
    """``"<ID or link> <rule> [confirm]"`` or a button's ``"<ID>:<rule>[:confirm]"``
    → (meeting ID, rule id, confirmed)."""
    words = [part for word in (text or "").split()
             for part in (word.split(":") if "/" not in word else [word]) if part]
    words, confirmed = without_confirm(words)
    if len(words) < 2:
        raise UserError("Say which meeting and which rule to fix.",
                        examples=("fix 123 4567 8901 waiting-room",
                                  "fix 123 4567 8901 no-file-transfer confirm"))
    rule_id = words[-1].lower()
    return parse_meeting_id(" ".join(words[:-1]), command="fix"), rule_id, confirmed
