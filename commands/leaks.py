"""The leak guard: what to say when a Zoom join link of this account shows up in chat.

A front end sees a link (Slack's ``link_shared`` event, Teams' link unfurling) and
asks :func:`inspect_link`. SecureMeet reads the meeting from Zoom; a link to a meeting
this account cannot read gets nothing at all (no warning, no error: it may be anyone's
meeting). Otherwise:

- a **preview** for everyone: topic, time, host, the policy verdict ("7 of 8 rules ✓")
  and, when the link carries the passcode (``?pwd=``), a warning line. Never the
  passcode, never the link's query;
- when the link with its passcode was **posted** where others read it (not a direct
  message, not a link still in the composer), a **warning** for the poster alone
  ("delete the message, and rotate the passcode") with a *Rotate passcode* button
  (``fix <ID> passcode confirm``, through the router and its access checks like any
  press) only when the poster may fix the meeting; a **notice** to the host when the
  poster is someone else, naming the channel and the poster; and a ``leak`` event for
  the stats, by channel type.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from commands import audit
from commands.access import may_manage
from commands.changes import meeting_zone, minutes_of, span, topic
from commands.context import Context, Requester
from commands.errors import ZoomError
from commands.links import JoinLink
from commands.meeting_ref import format_meeting_id
from commands.records import Event
from commands.reply import Action, Fact, Notice, Reply, Status

log = logging.getLogger("securemeet.leaks")

PRIVATE_PLACES = ("dm",)  # where a link with its passcode is no leak
LEAK_LINE = ("⚠️ This link carries the meeting's passcode: anyone who can read it can "
             "join without typing one.")
WARNING = ("This link lets anyone here join without the passcode: delete the message, and "
           "rotate the passcode.")


@dataclass(frozen=True)
class Place:
    """Where a link was seen. ``kind``: ``public``, ``private``, ``group_dm``,
    ``shared`` (Slack Connect), ``dm``, or ``channel`` when the platform would not say.
    ``posted``: in a message others read (False for a link still in the composer)."""

    kind: str
    name: str = ""  # "#general", for the host's notice
    posted: bool = True

    @property
    def leaky(self) -> bool:
        return self.posted and self.kind not in PRIVATE_PLACES

    @property
    def shown(self) -> str:
        if self.name:
            return self.name
        return {"group_dm": "a group direct message", "shared": "a shared channel"}.get(
            self.kind, "a channel")


@dataclass(frozen=True)
class Report:
    link: JoinLink
    preview: Reply  # for everyone: no secret
    warning: Reply | None = None  # for the poster alone
    notices: tuple[Notice, ...] = ()  # the host


def inspect_link(ctx: Context, link: JoinLink, poster: Requester | None, place: Place, *,
                 platform: str) -> Report | None:
    """What to show about ``link``; None when this account cannot read its meeting."""
    try:
        meeting = ctx.zoom.get_meeting(link.meeting_id)
    except ZoomError as exc:
        log.info("a shared link's meeting could not be read (%s): nothing said",
                 type(exc).__name__)
        return None
    result = audit.inspect(ctx, meeting)
    preview = preview_reply(ctx, result, link)
    if not (link.has_passcode and place.leaky):
        return Report(link, preview)
    ctx.store.add_event(Event("leak", ctx.now(), poster.user if poster else "", platform,
                              link.meeting_id, "caught", {"channel_type": place.kind}))
    may_fix = poster is not None and may_manage(poster, meeting)
    host = str(meeting.get("host_email") or "").lower()
    warning = Reply(
        title="⚠️ You posted a Zoom link with its passcode",
        text=WARNING + ("" if may_fix else f" Only the host ({host or 'unknown'}) or a "
                        "SecureMeet admin can rotate it: ask them."),
        facts=(Fact("Meeting", topic(meeting)),
               Fact("Meeting ID", format_meeting_id(link.meeting_id))),
        actions=(rotate_action(link.meeting_id),) if may_fix else (),
        notes=("Only you can see this message.",), private=True, sandbox=ctx.sandbox)
    notices: tuple[Notice, ...] = ()
    if host and (poster is None or poster.email.lower() != host):
        by = (f"{poster.name} ({poster.email})" if poster and poster.name else
              poster.email if poster else "someone")
        notices = (Notice(to=host, reply=Reply(
            title="⚠️ Your meeting's link was posted with its passcode",
            text=(f"{by} posted the join link of {topic(meeting)} with its passcode in "
                  f"{place.shown}. Anyone there can join without typing the passcode: "
                  "rotate it, then send the new one to your invitees privately."),
            facts=(Fact("Meeting ID", format_meeting_id(link.meeting_id)),
                   Fact("Where", place.shown)),
            actions=(rotate_action(link.meeting_id),),
            private=True, sandbox=ctx.sandbox)),)
    return Report(link, preview, warning, notices)


def verdict_line(preview: Reply) -> str:
    """The preview in one line (a Teams thumbnail): when, and the verdict."""
    facts = {f.label: f.value for f in preview.facts}
    parts = [facts.get("When", ""), facts.get("Security", "")]
    line = " · ".join(p for p in parts if p)
    return ("⚠️ passcode in link · " + line) if preview.text else line


def rotate_action(meeting_id: int) -> Action:
    return Action("Rotate passcode", f"fix {meeting_id} passcode confirm", style="danger",
                  confirm="Give the meeting a new passcode? The old one and links that carry "
                          "it stop working; you will get the new one privately.")


def verdict(result: audit.Audit) -> str:
    """"7 of 8 rules ✓": rules that passed, of those checked (host duties aside)."""
    judged = [f for f in result.findings if f.status is not Status.TODO]
    passed = sum(f.status is Status.DONE for f in judged)
    return f"{passed} of {len(judged)} rules ✓"


def preview_reply(ctx: Context, result: audit.Audit, link: JoinLink) -> Reply:
    meeting = result.meeting
    facts = []
    start = audit.start_of(meeting)
    if start is not None:
        facts.append(Fact("When", span(start, minutes_of(meeting), meeting_zone(meeting))))
    if result.host:
        facts.append(Fact("Host", result.host))
    facts.append(Fact("Security", verdict(result)))
    facts.append(Fact("Meeting ID", format_meeting_id(link.meeting_id)))
    return Reply(title=f"🔒 {topic(meeting)}", text=LEAK_LINE if link.has_passcode else "",
                 facts=tuple(facts),
                 notes=("Zoom meeting · previewed by SecureMeet (no passcode is ever shown "
                        "here)",),
                 private=False, sandbox=ctx.sandbox)
