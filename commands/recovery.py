"""Meetings a crash left behind: made in Zoom, never recorded, never shown to anyone.

:func:`commands.schedule.create_secure_meeting` writes a :class:`PendingCreate` before it
asks Zoom for a meeting, and clears it as it records the meeting (or once it removed
it). One still there long after it was written belongs to a process that died, or to a
create Zoom never confirmed. :func:`sweep` settles each: it looks for the meeting Zoom made
(the host's, with that topic and a passcode whose keyed fingerprint matches — the same
lookup schedule uses after an unconfirmed create) and

* removes it when nothing records it: nobody was ever told its link or passcode, and a
  user who saw no answer asks again, so keeping it would double-book;
* leaves it when a record exists (schedule records and clears in one transaction, so
  only a record written some other way);
* finds nothing: Zoom did not make it.

Each settled intent is recorded as a ``recovery`` event and returned, so the front end
can tell the requester that their request was interrupted; when two replicas sweep at
once, the one whose clearing of the intent takes effect does that (a second delete of
the meeting is harmless). A Zoom error leaves the intent for the next sweep, up to
:data:`GIVE_UP_AFTER`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from commands import passcode
from commands.context import Context
from commands.errors import ZoomError, ZoomNotFound
from commands.records import Event, OpenRequest, PendingCreate
from commands.reply import Reply
from commands.schedule import find_created

log = logging.getLogger("securemeet.recovery")

GRACE = timedelta(minutes=2)  # a create, read-back and record take seconds, retries included
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(minutes=5)  # an item claimed by one sweep is left alone by others this long
BATCH = 100  # items claimed per sweep

REMOVED, KEPT, NOTHING = "removed", "kept", "nothing"


@dataclass(frozen=True)
class Settled:
    pending: PendingCreate
    outcome: str  # REMOVED | KEPT | NOTHING
    meeting_id: int | None = None


def sweep(ctx: Context, *, older_than: timedelta = GRACE, owner: str = "sweep") -> list[Settled]:
    """Settle the intents written more than ``older_than`` ago (see the module doc). Each
    is claimed first, leased to ``owner`` (this replica's sweep): two replicas sweeping at
    once never work on the same intent."""
    now = ctx.now()
    settled = []
    claimed = ctx.store.claim_pending_creates(before=now - older_than, now=now, owner=owner,
                                              lease=LEASE, limit=BATCH)
    for pending in claimed:
        try:
            result = _settle(ctx, pending)
        except ZoomError as exc:
            if now - pending.at < GIVE_UP_AFTER:
                log.info("recovery of a create for %s: Zoom said %s; trying again later",
                         pending.platform, type(exc).__name__)
                ctx.store.release_pending(pending.key, owner)  # the next sweep tries again
                continue
            result = Settled(pending, NOTHING)
            log.warning("recovery of a create gave up after %s", GIVE_UP_AFTER)
        if not ctx.store.clear_pending(pending.key):
            continue  # another replica's sweep settled it first: it tells the requester
        ctx.store.add_event(Event("recovery", now, pending.requester, pending.platform,
                                  result.meeting_id, result.outcome))
        settled.append(result)
    return settled


def _settle(ctx: Context, pending: PendingCreate) -> Settled:
    def ours(meeting: dict[str, Any]) -> bool:
        code = meeting.get("password")
        return bool(code) and passcode.fingerprint(str(code), key=ctx.secret_key) \
            == pending.fingerprint

    found = find_created(ctx, pending.host_email, pending.topic, ours, waits=(0.0,),
                         quiet=False)
    if found is None:
        return Settled(pending, NOTHING)
    meeting_id = int(found["id"])
    if ctx.store.get_meeting(meeting_id) is not None:
        return Settled(pending, KEPT, meeting_id)
    try:
        ctx.zoom.delete_meeting(meeting_id)
    except ZoomNotFound:
        pass
    log.warning("removed meeting %s: created before a crash and never recorded", meeting_id)
    return Settled(pending, REMOVED, meeting_id)


def interrupted_reply(settled: Settled, *, sandbox: bool = False) -> Reply:
    """What the requester is told about a request that never completed."""
    topic = settled.pending.topic
    what = ("Zoom had made the meeting, but its details never reached you, so SecureMeet "
            "removed it" if settled.outcome == REMOVED else "Zoom did not make it")
    return Reply(
        title="⚠️ A meeting request did not complete",
        text=(f"Your request for “{topic}” was interrupted (SecureMeet restarted, or Zoom "
              f"did not answer). {what}. Please ask again if you still need it, e.g. "
              f"`/securemeet tomorrow 3pm {topic}`."),
        sandbox=sandbox)


def stale_requests(ctx: Context, *, older_than: timedelta = GRACE,
                   owner: str = "sweep") -> list[OpenRequest]:
    """Chat requests claimed more than ``older_than`` ago and never answered: their
    process died. Each is claimed (leased to ``owner``), closed (by one sweep only),
    recorded, and returned so that the front end can tell the requester; a retry of it
    is ignored (it was claimed)."""
    now = ctx.now()
    stale = []
    claimed = ctx.store.claim_open_requests(before=now - older_than, now=now, owner=owner,
                                            lease=LEASE, limit=BATCH)
    for request in claimed:
        if not ctx.store.close_request(request.key):
            continue  # another replica's sweep has it
        ctx.store.add_event(Event("recovery", now, request.requester, request.platform,
                                  None, "unanswered", {"command": request.command}))
        stale.append(request)
    return stale


def unanswered_reply(request: OpenRequest, *, sandbox: bool = False) -> Reply:
    """What the requester is told about a request that was never answered."""
    what = "meeting request" if request.command == "schedule" else \
        f"`{request.command}` request"
    return Reply(
        title="⚠️ A request did not finish",
        text=(f"SecureMeet restarted while working on your {what}, so it never answered. "
              "Please run it again."),
        sandbox=sandbox)
