"""What governs a meeting, read from Zoom: shared by schedule, audit and fix.

A rule is judged on the meeting as Zoom holds it *and* on what governs it from
outside: the host's user settings (screen sharing, file transfer, cloud recording,
the passcode in the link), the account's lock settings, and the host's Personal
Meeting ID. Reading those is the same wherever a meeting is judged, so it lives here
once. An unreadable part (no permission, Zoom down) stays ``None`` and the rules that
need it report "unknown" rather than guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from commands import links, passcode, policy
from commands.context import Context, Requester
from commands.errors import ZoomError
from commands.reply import Action

log = logging.getLogger("securemeet.meeting_view")

T = TypeVar("T")


@dataclass(frozen=True)
class HostState:
    """The host-side inputs of a :class:`policy.View`, read once per host."""

    host: str
    user_settings: Mapping[str, Any] | None
    lock_settings: Mapping[str, Any] | None
    pmi: int | None


def host_reads(ctx: Context, host: str) -> tuple[Callable[[], Any], ...]:
    """The three independent reads behind a :class:`HostState` (for :func:`gather`)."""
    return (lambda: optional(lambda: ctx.zoom.get_user_settings(host)),
            lambda: optional(ctx.zoom.get_account_lock_settings),
            lambda: optional(lambda: ctx.zoom.get_user(host)))


def host_state(host: str, user_settings: Any, locks: Any, user: Any) -> HostState:
    return HostState(host, user_settings, locks, _int((user or {}).get("pmi")))


def read_host(ctx: Context, host: str) -> HostState:
    return host_state(host, *gather(*host_reads(ctx, host)))


MAX_PARALLEL_READS = 6  # per command: well inside Zoom's per-second rate limits


def gather(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent Zoom reads at once and return their results in order.

    Each read is a round trip to Zoom (a few hundred ms): one after another, the reads
    behind a reply add up to seconds. At once, the reply waits for the slowest. The
    first exception (after all have finished) is raised, as a plain loop would.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    workers = min(len(calls), MAX_PARALLEL_READS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zoom-read") as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.result() for future in futures]


def build_view(ctx: Context, host: str, meeting: Mapping[str, Any], *,
               state: HostState | None = None, own_passcode: bool = False) -> policy.View:
    """The view the rules judge. ``own_passcode``: the meeting's current passcode is one
    SecureMeet gave it, so its own fingerprint is not "an earlier meeting's"."""
    state = state or read_host(ctx, host)
    earlier = set(ctx.store.passcode_fingerprints(host))
    code = meeting.get("password")
    if own_passcode and code:
        earlier.discard(passcode.fingerprint(str(code), key=ctx.secret_key))
    return policy.View(
        meeting=meeting, user_settings=state.user_settings, lock_settings=state.lock_settings,
        pmi=state.pmi, earlier_passcodes=frozenset(earlier), fingerprint_key=ctx.secret_key,
    )


def optional(call: Callable[[], T]) -> T | None:
    try:
        return call()
    except ZoomError as exc:  # no permission or not available: the rule reports "unknown"
        log.info("optional Zoom read failed: %s", type(exc).__name__)
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def policy_note(level: str) -> str:
    """The line every meeting reply carries: which policy judged it."""
    basis = policy.ADVISORY + (", plus strict hardening" if level == "strict" else "")
    return f"Policy: {level} ({basis}; {policy.POLICY_VERSION})"


HOST_FIX_CONFIRM = "Change this host's Zoom setting for all their meetings?"


def fix_action(meeting_id: int, finding: policy.Finding) -> Action:
    """The button for one fixable finding: ``fix <ID> <rule>``.

    A host-wide change asks for confirmation in a dialog before the press is sent, so
    its command ends in ``confirm`` — the same word a typed ``fix`` needs.
    """
    rule = policy.RULES_BY_ID[finding.rule_id]
    host = finding.fixable == "host"
    return Action(f"Fix: {rule.title}",
                  f"fix {meeting_id} {finding.rule_id}" + (" confirm" if host else ""),
                  style="primary", confirm=HOST_FIX_CONFIRM if host else None)


def fix_actions(meeting_id: int, findings: tuple[policy.Finding, ...],
                who: Requester | None = None) -> tuple[Action, ...]:
    """Fix buttons for what the API can fix; host-wide fixes only for admins when
    ``who`` is given (a host cannot apply them, so the button would only refuse)."""
    return tuple(fix_action(meeting_id, f) for f in findings
                 if f.fixable and (who is None or f.fixable == "meeting" or who.is_admin))


CANCEL_CONFIRM = "Delete this meeting in Zoom? Its join link stops working for everyone."


def move_action(meeting_id: int) -> Action:
    """*Move*: a button cannot know the new time, so it asks for one
    (``move <ID>`` shows how to type it and offers a few common new times)."""
    return Action("Move", f"move {meeting_id}")


def cancel_action(meeting_id: int, *, recurring: bool = False) -> Action:
    """*Cancel meeting*: deletes it in Zoom after a confirmation dialog. A recurring
    meeting first asks whether to cancel one occurrence or the series, so its button
    only asks (each answer then has its own dialog)."""
    if recurring:
        return Action("Cancel meeting", f"cancel {meeting_id}", style="danger")
    return Action("Cancel meeting", f"cancel {meeting_id} confirm", style="danger",
                  confirm=CANCEL_CONFIRM)


def learn_host(ctx: Context, join_url: str) -> None:
    """Remember the host of a join link Zoom gave this account, when it is not one of
    Zoom's own domains (the emulator's, a vanity host): such links are then recognised."""
    host = links.learnable(join_url)
    if host and host not in ctx.store.join_hosts():
        ctx.store.learn_join_host(host, at=ctx.now())
