"""The App Home tab: the user's upcoming SecureMeet meetings and what is left to do.

Pure: :func:`home_view` turns stored meeting records into a ``views.publish`` view.
Each meeting shows when it is (in the user's zone), its ID, whether it met the policy
at creation (what failed, if anything), and the host's remaining duties; buttons end
it for all, audit it, add it to a calendar, move it (``move <ID>`` asks when to) or
cancel it (after a confirmation; a recurring one asks which occurrence). A meeting moved
with SecureMeet shows its new time; one cancelled has no time left and is not listed.
A Home tab is visible only to its user, but it is not where secrets go: no passcode is
stored, so none can be shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.slack.blocks import (
    MAX_HOME_BLOCKS,
    actions_blocks,
    cut,
    escape,
    header,
    mrkdwn,
)
from commands import policy, timefmt
from commands.meeting_ref import format_meeting_id
from commands.meeting_view import cancel_action, move_action
from commands.records import MeetingRecord
from commands.reply import Action, Status
from commands.schedule import HOST_DUTIES

MAX_MEETINGS = 20  # 4 blocks each stays well under the Home tab's 100 blocks
LOOKBACK = timedelta(hours=12)  # a meeting that started but has not ended is still "upcoming"


def upcoming(records: Sequence[MeetingRecord], now: datetime) -> list[MeetingRecord]:
    """Meetings not yet over, soonest first."""
    def ends(r: MeetingRecord) -> datetime:
        assert r.start_time is not None
        return r.start_time + timedelta(minutes=r.duration_min or 0)
    live = [r for r in records if r.start_time is not None and ends(r) > now]
    return sorted(live, key=lambda r: r.start_time or now)


def duties() -> list[str]:
    lines = [f"{Status.TODO.mark} {d.title}" for d in HOST_DUTIES]
    lines += [f"{Status.TODO.mark} {r.title}" for r in policy.RULES if r.kind == "duty"]
    return lines


def meeting_blocks(record: MeetingRecord, tz: str, index: int) -> list[dict[str, Any]]:
    assert record.start_time is not None
    when = timefmt.span(record.start_time, timedelta(minutes=record.duration_min), tz)
    mid = format_meeting_id(record.meeting_id)
    status = ("✓ met the policy when created" if record.compliant else
              "✗ not fully locked down: " + ", ".join(
                  policy.RULES_BY_ID[r].title if r in policy.RULES_BY_ID else r
                  for r in record.failed_rules))
    text = (f"*{escape(cut(record.topic or 'Zoom meeting', 200))}*\n{when} · ID `{mid}`"
            + (" · repeats " + record.recurrence if record.recurrence else "")
            + f"\n{status}\n*Left to do:* " + " · ".join(duties()))
    buttons = (
        Action("End meeting for all", f"end {record.meeting_id}", style="danger",
               confirm="End this meeting for everyone in it?"),
        Action("Audit", f"audit {record.meeting_id}"),
        Action("Add to calendar", f"calendar {record.meeting_id}"),
        move_action(record.meeting_id),
        cancel_action(record.meeting_id, recurring=bool(record.recurrence)),
    )
    block = {"type": "section", "block_id": f"meeting-{record.meeting_id}", "text": mrkdwn(text)}
    actions = actions_blocks(buttons)
    for n, a in enumerate(actions):
        a["block_id"] = f"meeting-{record.meeting_id}-actions-{n}-{index}"
    return [block, *actions, {"type": "divider"}]


def home_view(records: Sequence[MeetingRecord], *, tz: str, now: datetime,
              sandbox: bool = False) -> dict[str, Any]:
    meetings = upcoming(records, now)
    blocks: list[dict[str, Any]] = [header("🔒 Your SecureMeet meetings")]
    if not meetings:
        blocks.append({"type": "section", "text": mrkdwn(
            "No upcoming meetings scheduled with SecureMeet.\n"
            "Type `/securemeet tomorrow 3pm for 45m Budget review` in any channel: the reply "
            "is private to you.")})
    for i, record in enumerate(meetings[:MAX_MEETINGS]):
        blocks += meeting_blocks(record, tz, i)
    if len(meetings) > MAX_MEETINGS:
        blocks.append({"type": "context", "elements": [mrkdwn(
            f"… and {len(meetings) - MAX_MEETINGS} more. `/securemeet list` lists all.")]})
    notes = [f"Times in {tz}. Passcodes are never stored, so they are not shown here: find "
             "them in the private reply you got when you scheduled."]
    if sandbox:
        notes.append("🧪 Sandbox: meetings live in SecureMeet's built-in Zoom emulator.")
    blocks.append({"type": "context", "elements": [mrkdwn(n) for n in notes]})
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
