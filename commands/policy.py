"""The security policy as data: one record per rule, one pure check per record.

Schedule, audit, stats and the docs all iterate :data:`RULES`, so a rule added here
shows up everywhere (and ``tests/test_docs.py`` checks it is documented in
``docs/POLICY.md``). The ``standard`` level is the MHA/CERT-In advisory of April 2020;
``strict`` adds the hardening that reputable baselines recommend on top.

A check sees only what Zoom *applied* (the meeting read back, the host's settings, the
account's lock settings), never what we asked for: account-locked settings can silently
override a create request (``../shared/research/zoom.md`` §2c).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from commands import passcode
from commands.reply import CheckItem, Status

POLICY_VERSION = "mha-2020.04/securemeet-1"
LEVELS = ("standard", "strict")
ADVISORY = "MHA CyCord advisory on secure use of Zoom, 12 Apr 2020"


@dataclass(frozen=True)
class View:
    """Everything a check may look at, as Zoom reported it. ``None`` = could not read."""

    meeting: Mapping[str, Any]
    user_settings: Mapping[str, Any] | None = None
    lock_settings: Mapping[str, Any] | None = None
    pmi: int | None = None
    earlier_passcodes: frozenset[str] = frozenset()
    fingerprint_key: bytes = b""

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.meeting.get("settings") or {}

    def user(self, path: str) -> Any:
        return _dig(self.user_settings, path)

    def locked(self, path: str) -> bool:
        return bool(_dig(self.lock_settings, path))


@dataclass(frozen=True)
class Finding:
    rule_id: str
    status: Status
    reason: str
    locked: bool = False
    fixable: str | None = None  # "meeting" | "host" | None


Check = Callable[[View], tuple[Status, str]]
MeetingTest = Callable[[Mapping[str, Any]], bool]


def never(meeting: Mapping[str, Any]) -> bool:
    return False


def always(meeting: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Fix:
    """How SecureMeet fixes a rule through Zoom's API, and what must follow.

    ``body`` is the PATCH: of the meeting for a ``meeting`` rule, of the host's user
    settings for a ``host`` rule (which changes all of the host's meetings: admins
    only, after a confirmation). Then, on the meeting as it is now:

    - ``rotate(meeting)``: give it a fresh passcode (the passcode rule always; the
      passcode-in-link rule when the meeting's link carries the old one);
    - ``follow`` when ``follow_when(meeting)``: one more meeting PATCH a host fix does
      not reach (a meeting already set to record to the cloud);
    - ``done_at_host(view)``: the host setting is already as asked, only this meeting
      needs the rotation, so it is a meeting fix (no admin needed).

    ``confirm_rotates``: a confirmed fix rotates even a passcode that passes (it may
    have leaked). ``hint`` is added to "what to do" (where the new passcode goes).
    """

    body: Mapping[str, Any] = field(default_factory=dict)
    rotate: MeetingTest = never
    follow: Mapping[str, Any] | None = None
    follow_when: MeetingTest = never
    follow_why: str = ""  # why the follow-up is needed, said to the host
    done_at_host: Callable[[View], bool] | None = None
    confirm_rotates: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clause: str  # what the advisory says
    exposed: str  # where Zoom exposes it
    check: Check
    level: str = "standard"
    kind: str = "meeting"  # meeting | host | manual | duty
    create: Mapping[str, Any] = field(default_factory=dict)  # settings the create body sets
    fix: Fix | None = None
    lock_paths: tuple[str, ...] = ()
    how: str = ""  # for duties and manual checks: what the host does, and where
    where: str = "the Zoom web portal"  # where a person changes it by hand
    unfixable: str = ""  # for a failure no fix can mend: what to do instead

    def evaluate(self, view: View) -> Finding:
        try:
            status, reason = self.check(view)
        except (KeyError, TypeError, ValueError, AttributeError):
            status, reason = Status.UNKNOWN, "Zoom's answer did not include this setting"
        locked = status is Status.FAIL and any(view.locked(p) for p in self.lock_paths)
        if locked:
            reason += " — locked by the Zoom account admin, so SecureMeet cannot change it"
        return Finding(self.id, status, reason, locked=locked,
                       fixable=self.fix_scope(view) if status is Status.FAIL and not locked
                       else None)

    def fix_scope(self, view: View) -> str | None:
        """What a fix changes: ``meeting``, ``host`` (all the host's meetings), or None
        when the API cannot fix it. A host rule whose host setting is already right
        only needs this meeting mended (``Fix.done_at_host``)."""
        if self.fix is None:
            return None
        if self.kind == "host" and self.fix.done_at_host and self.fix.done_at_host(view):
            return "meeting"
        return self.kind

    def applies(self, level: str) -> bool:
        return self.level == "standard" or level == "strict"


def _dig(data: Mapping[str, Any] | None, path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def _host_bool(path: str, want: bool, good: str, bad: str) -> Check:
    def check(view: View) -> tuple[Status, str]:
        if view.user_settings is None:
            return Status.UNKNOWN, "could not read the host's Zoom settings"
        value = view.user(path)
        if value is None:
            return Status.UNKNOWN, "the host's Zoom settings do not say"
        return (Status.DONE, good) if value is want else (Status.FAIL, bad)
    return check


def _fresh_id(view: View) -> tuple[Status, str]:
    meeting_id = view.meeting.get("id")
    on_pmi = (view.settings.get("use_pmi") is True or view.meeting.get("type") == 4
              or (view.pmi is not None and meeting_id == view.pmi))
    if on_pmi:
        return Status.FAIL, "uses the host's Personal Meeting ID, which never changes"
    return Status.DONE, "a new meeting ID, used for this meeting only"


def _passcode(view: View) -> tuple[Status, str]:
    verdict = passcode.judge(view.meeting.get("password"), earlier=view.earlier_passcodes,
                             key=view.fingerprint_key)
    if verdict.strong:
        return Status.DONE, f"{len(view.meeting['password'])} characters, "\
            f"{passcode.classes(view.meeting['password'])} character classes, not reused"
    return Status.FAIL, "weak passcode: " + verdict.reason


def _setting(name: str, want: Any, good: str, bad: str) -> Check:
    def check(view: View) -> tuple[Status, str]:
        value = view.settings.get(name)
        if value is None:
            return Status.UNKNOWN, f"Zoom did not report `{name}`"
        return (Status.DONE, good) if value == want else (Status.FAIL, bad)
    return check


def _recording(view: View) -> tuple[Status, str]:
    auto = view.settings.get("auto_recording")
    if auto is None:
        return Status.UNKNOWN, "Zoom did not report `auto_recording`"
    if auto != "none":
        return Status.FAIL, f"records automatically to the {auto}"
    return Status.DONE, "no automatic recording; participants need the host's permission"


def _share(view: View) -> tuple[Status, str]:
    if view.user_settings is None:
        return Status.UNKNOWN, "could not read the host's Zoom settings"
    if view.user("in_meeting.screen_sharing") is False:
        return Status.DONE, "screen sharing is off for this host"
    who = view.user("in_meeting.who_can_share_screen")
    if who is None:
        return Status.UNKNOWN, "the host's Zoom settings do not say who can share"
    if who == "host":
        return Status.DONE, "only the host can share their screen"
    return Status.FAIL, "all participants can share their screen (host setting)"


def _rejoin(view: View) -> tuple[Status, str]:
    # No such field in Zoom's Meeting API spec (research/zoom.md §2b); some accounts
    # expose it, so use it when present and otherwise ask for a manual check.
    value = view.user("in_meeting.allow_removed_participants_to_rejoin")
    if value is False:
        return Status.DONE, "removed participants cannot rejoin"
    if value is True:
        return Status.FAIL, "removed participants may rejoin (host setting)"
    return Status.MANUAL, "Zoom's API does not expose it; check by hand"


def _duty(text: str) -> Check:
    return lambda view: (Status.TODO, text)


def _link_without_passcode(view: View) -> tuple[Status, str]:
    url = str(view.meeting.get("join_url") or "")
    if "pwd=" in url:
        return Status.FAIL, "the join link carries the passcode: whoever has the link is in"
    return Status.DONE, "the passcode travels apart from the link"


def _cloud_recording(view: View) -> tuple[Status, str]:
    if view.settings.get("auto_recording") == "cloud":
        return Status.FAIL, "records automatically to the cloud"
    allowed = view.user("recording.cloud_recording")
    if allowed is None:
        return Status.UNKNOWN, "could not read the host's recording settings"
    if allowed:
        return Status.FAIL, "the host may record to the cloud (host setting)"
    return Status.DONE, "no cloud recording"


def _encryption(view: View) -> tuple[Status, str]:
    kind = view.settings.get("encryption_type")
    if kind in ("enhanced_encryption", "e2ee"):
        return Status.DONE, {"e2ee": "end-to-end encrypted"}.get(kind, "enhanced encryption")
    return Status.FAIL, "encryption type not set to enhanced or end-to-end"


def records_to_cloud(meeting: Mapping[str, Any]) -> bool:
    return (meeting.get("settings") or {}).get("auto_recording") == "cloud"


def link_has_passcode(meeting: Mapping[str, Any]) -> bool:
    return "pwd=" in str(meeting.get("join_url") or "")


def _link_setting_off(view: View) -> bool:
    """The host no longer embeds passcodes in links; a link made before still may."""
    return view.user("schedule_meeting.embed_password_in_join_link") is False


RULES: tuple[Rule, ...] = (
    Rule(
        id="fresh-id", title="Fresh meeting ID",
        clause="Use a new user ID and password for each meeting; never the Personal Meeting ID.",
        exposed="create body `type`=2/8 and `settings.use_pmi`=false",
        check=_fresh_id, create={"use_pmi": False},
        unfixable="a meeting ID cannot be changed: schedule a new meeting with SecureMeet, "
                  "send its link instead and delete this one",
        lock_paths=("schedule_meeting.use_pmi_for_scheduled_meetings",),
        where='Zoom → Meetings → (the meeting) → Edit → Meeting ID → Generate Automatically'
    ),
    Rule(
        id="passcode", title="Strong, fresh passcode",
        clause="Set a new, strong passcode for every meeting (CERT-In: 8+ characters, "
               "3 of 4 character classes).",
        exposed="create body `password` (Zoom: at most 10 of [A-Za-z0-9@-_*])",
        check=_passcode,
        fix=Fix(rotate=always, confirm_rotates=True,
                hint="the new passcode comes to you privately; send it to invitees privately"),
        where='Zoom → Meetings → (the meeting) → Edit → Security → Passcode'
    ),
    Rule(
        id="waiting-room", title="Waiting room on",
        clause="Enable the waiting room so the host admits each person.",
        exposed="`settings.waiting_room`", check=_setting(
            "waiting_room", True, "on: people wait until you admit them",
            "off: anyone with the link and passcode walks straight in"),
        create={"waiting_room": True}, fix=Fix({"settings": {"waiting_room": True}}),
        lock_paths=("meeting_security.waiting_room", "in_meeting.waiting_room"),
        where='Zoom → Meetings → (the meeting) → Edit → Security → Waiting Room'
    ),
    Rule(
        id="no-join-before-host", title="No joining before the host",
        clause="Disable join before host.", exposed="`settings.join_before_host`",
        check=_setting("join_before_host", False, "nobody can start without you",
                       "participants can join before the host arrives"),
        create={"join_before_host": False}, fix=Fix({"settings": {"join_before_host": False}}),
        lock_paths=("schedule_meeting.join_before_host",),
        where='Zoom → Meetings → (the meeting) → Edit → Options → '
              'Allow participants to join before host'
    ),
    Rule(
        id="host-only-share", title="Only the host shares screen",
        clause="Allow screen sharing by the host only.",
        exposed="user settings `in_meeting.who_can_share_screen`=host (not per meeting)",
        check=_share, kind="host",
        fix=Fix({"in_meeting": {"who_can_share_screen": "host"}}),
        lock_paths=("in_meeting.screen_sharing",),
        where='Zoom → Settings → Meeting → In Meeting (Basic) → Screen sharing → '
              'Who can share? → Host Only'
    ),
    Rule(
        id="no-rejoin-removed", title="Removed people cannot rejoin",
        clause="Disable 'Allow removed participants to re-join'.",
        exposed="no field in Zoom's Meeting API: a manual check",
        check=_rejoin, kind="manual",
        how="Zoom web portal → Settings → Meeting → In Meeting (Basic) → "
            "'Allow removed participants to rejoin' must be off.",
        where='Zoom → Settings → Meeting → In Meeting (Basic) → '
              'Allow removed participants to rejoin'
    ),
    Rule(
        id="no-file-transfer", title="File transfer off",
        clause="Restrict or disable file transfer.",
        exposed="user settings `in_meeting.file_transfer` (not per meeting)",
        check=_host_bool("in_meeting.file_transfer", False, "file transfer is off",
                         "participants can send files in the chat (host setting)"),
        kind="host", fix=Fix({"in_meeting": {"file_transfer": False}}),
        lock_paths=("in_meeting.file_transfer",),
        where='Zoom → Settings → Meeting → In Meeting (Basic) → Send files via meeting chat'
    ),
    Rule(
        id="lock-when-joined", title="Lock once everyone is in",
        clause="Lock the meeting once all attendees have joined.",
        exposed="in-meeting only: no REST call locks a meeting",
        check=_duty("once everyone is in: Security → Lock Meeting (SecureMeet will nudge you)"),
        kind="duty",
        how="In the meeting: Security (shield icon) → Lock Meeting, once everyone expected "
            "has joined.",
        where='in the meeting: Security → Lock Meeting'
    ),
    Rule(
        id="restrict-recording", title="Recording restricted",
        clause="Restrict recording.", exposed="`settings.auto_recording`=none",
        check=_recording, create={"auto_recording": "none"},
        fix=Fix({"settings": {"auto_recording": "none"}}),
        lock_paths=("recording.auto_recording",),
        where='Zoom → Meetings → (the meeting) → Edit → Options → Automatically record meeting'
    ),
    Rule(
        id="end-for-all", title="End the meeting for all",
        clause="The host should end the meeting for all, not just leave it.",
        exposed="`PUT /meetings/{id}/status {\"action\":\"end\"}`",
        check=_duty("when done: End → End Meeting for All (or the button below)"),
        kind="duty", how="End → End Meeting for All, or SecureMeet's 'End for all' button.",
        where='in the meeting: End → End Meeting for All'
    ),
    # strict: hardening beyond the advisory (docs/POLICY.md gives the sources)
    Rule(
        id="signed-in-only", title="Only signed-in users", level="strict",
        clause="Only authenticated users may join.", exposed="`settings.meeting_authentication`",
        check=_setting("meeting_authentication", True, "only signed-in Zoom users can join",
                       "anyone can join without signing in"),
        create={"meeting_authentication": True},
        fix=Fix({"settings": {"meeting_authentication": True}}),
        lock_paths=("schedule_meeting.meeting_authentication",),
        where='Zoom → Meetings → (the meeting) → Edit → Security → Require authentication to join'
    ),
    Rule(
        id="encryption", title="Enhanced or end-to-end encryption", level="strict",
        clause="Use enhanced or end-to-end encryption.", exposed="`settings.encryption_type`",
        check=_encryption, create={"encryption_type": "enhanced_encryption"},
        fix=Fix({"settings": {"encryption_type": "enhanced_encryption"}}),
        where='Zoom → Meetings → (the meeting) → Edit → Options → Encryption'
    ),
    Rule(
        id="mute-on-entry", title="Mute on entry", level="strict",
        clause="Participants join muted.", exposed="`settings.mute_upon_entry`",
        check=_setting("mute_upon_entry", True, "participants join muted",
                       "participants join unmuted"),
        create={"mute_upon_entry": True}, fix=Fix({"settings": {"mute_upon_entry": True}}),
        where='Zoom → Meetings → (the meeting) → Edit → Options → Mute participants upon entry'
    ),
    Rule(
        id="no-cloud-recording", title="No cloud recording", level="strict",
        clause="Keep recordings off Zoom's cloud.",
        exposed="`settings.auto_recording`; user settings `recording.cloud_recording`",
        check=_cloud_recording, kind="host", fix=Fix({"recording": {"cloud_recording": False}},
                follow={"settings": {"auto_recording": "none"}}, follow_when=records_to_cloud,
                follow_why="this meeting records to the cloud"),
        lock_paths=("recording.cloud_recording",),
        where='Zoom → Settings → Recording → Cloud recording'
    ),
    Rule(
        id="passcode-not-in-link", title="Passcode not in the link", level="strict",
        clause="Send the passcode apart from the join link.",
        exposed="user settings `schedule_meeting.embed_password_in_join_link`",
        check=_link_without_passcode, kind="host",
        fix=Fix({"schedule_meeting": {"embed_password_in_join_link": False}},
                rotate=link_has_passcode, done_at_host=_link_setting_off,
                hint="a new passcode, and a link without it"),
        lock_paths=("schedule_meeting.embed_password_in_join_link",),
        where='Zoom → Settings → Meeting → Security → '
              'Embed passcode in invite link for one-click join'
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rules_for(level: str) -> tuple[Rule, ...]:
    if level not in LEVELS:
        raise ValueError(f"unknown policy level {level!r}; use one of {', '.join(LEVELS)}")
    return tuple(rule for rule in RULES if rule.applies(level))


def create_settings(level: str) -> dict[str, Any]:
    """The ``settings`` of a create body: every automatic rule set explicitly.

    API-created meetings do not inherit the portal's scheduler settings, so nothing is
    left to defaults.
    """
    settings: dict[str, Any] = {"host_video": False, "participant_video": False,
                                "approval_type": 2, "private_meeting": True}
    for rule in rules_for(level):
        settings.update(rule.create)
    return settings


def evaluate(view: View, level: str) -> tuple[Finding, ...]:
    return tuple(rule.evaluate(view) for rule in rules_for(level))


def compliant(findings: tuple[Finding, ...]) -> bool:
    """Compliant = nothing the API can check fails. Duties and manual checks don't count."""
    return not any(f.status in (Status.FAIL, Status.UNKNOWN) for f in findings)


def failed(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    return tuple(f.rule_id for f in findings if f.status is Status.FAIL)


def checklist(findings: tuple[Finding, ...], *,
              todo: Callable[[Finding], str] | None = None) -> tuple[CheckItem, ...]:
    """Findings as checklist items, in rule order (``Reply.groups`` orders them for
    display). ``todo(finding)`` says what to do about one that is not a pass; without
    it, a manual check says how to check by hand."""
    items = []
    for f in findings:
        rule = RULES_BY_ID[f.rule_id]
        extra = todo(f) if todo else (rule.how if f.status is Status.MANUAL else "")
        detail = f"{f.reason}. To do: {extra}" if extra else f.reason
        items.append(CheckItem(rule.id, rule.title, f.status, detail, rule.clause))
    return tuple(items)
