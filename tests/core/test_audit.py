"""Audit and fix, over real HTTP against the Zoom emulator.

Meetings are made in the emulator directly through the real client (as if scheduled in
the Zoom app, with whatever settings), the host's settings and the account's locks are
set with the emulator's controls, and then the core's ``audit`` / ``fix`` commands run
through the router exactly as a front end calls them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import console
from commands import audit, fix, policy, router
from commands.context import Requester
from commands.reply import Reply, Status

HOST = "host@example.com"
ALT = "alt@example.com"
ADMIN = "admin@example.com"
STRANGER = "stranger@example.com"
GOOD = "aB3@kP9x-Z"
SAFE = {"waiting_room": True, "join_before_host": False, "auto_recording": "none"}


def person(email: str, *, admin: bool = False) -> Requester:
    return Requester(user=f"slack:T1:{email.split('@')[0]}", platform="slack", email=email,
                     is_admin=admin)


host, alt, admin, stranger = person(HOST), person(ALT), person(ADMIN, admin=True), \
    person(STRANGER)


def create(zoom_client, *, host_email: str = HOST, password: str = GOOD, days: float = 2,
           settings: dict[str, Any] | None = None, **body: Any) -> int:
    start = datetime.now(UTC) + timedelta(days=days)
    request = {"topic": "Budget review", "type": 2, "duration": 45, "password": password,
               "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "settings": {**SAFE, **(settings or {})}, **body}
    return int(zoom_client.create_meeting(host_email, request)["id"])


def say(app, who: Requester, text: str) -> Reply:
    return router.dispatch(app.ctx, who, text)


def statuses(reply: Reply) -> dict[str, Status]:
    return {item.rule_id: item.status for item in reply.checklist}


def item(reply: Reply, rule_id: str):
    return next(i for i in reply.checklist if i.rule_id == rule_id)


def rendered(reply: Reply) -> str:
    return console.render(reply) + "\n" + reply.plain_text() + "\n" + repr(reply.actions)


# --- every rule passes and fails through a real audit --------------------------------

# (rule, level, host settings, meeting settings, passcode, locks, expected)
CASES: list[tuple[str, str, dict, dict, str, dict, Status]] = [
    ("fresh-id", "standard", {}, {}, GOOD, {}, Status.DONE),
    ("fresh-id", "standard", {}, {"use_pmi": True}, GOOD, {}, Status.FAIL),
    ("passcode", "standard", {}, {}, GOOD, {}, Status.DONE),
    ("passcode", "standard", {}, {}, "123456", {}, Status.FAIL),
    ("passcode", "standard", {}, {}, "", {}, Status.FAIL),
    ("waiting-room", "standard", {}, {}, GOOD, {}, Status.DONE),
    ("waiting-room", "standard", {}, {"waiting_room": False}, GOOD, {}, Status.FAIL),
    ("no-join-before-host", "standard", {}, {}, GOOD, {}, Status.DONE),
    ("no-join-before-host", "standard", {}, {"waiting_room": False, "join_before_host": True},
     GOOD, {}, Status.FAIL),
    ("host-only-share", "standard", {"in_meeting": {"who_can_share_screen": "host"}}, {}, GOOD,
     {}, Status.DONE),
    ("host-only-share", "standard", {}, {}, GOOD, {}, Status.FAIL),  # Zoom's default: all
    ("no-rejoin-removed", "standard", {}, {}, GOOD, {}, Status.MANUAL),
    ("no-rejoin-removed", "standard",
     {"in_meeting": {"allow_removed_participants_to_rejoin": True}}, {}, GOOD, {}, Status.FAIL),
    ("no-rejoin-removed", "standard",
     {"in_meeting": {"allow_removed_participants_to_rejoin": False}}, {}, GOOD, {},
     Status.DONE),
    ("no-file-transfer", "standard", {"in_meeting": {"file_transfer": False}}, {}, GOOD, {},
     Status.DONE),
    ("no-file-transfer", "standard", {}, {}, GOOD, {}, Status.FAIL),  # Zoom's default: on
    ("lock-when-joined", "standard", {}, {}, GOOD, {}, Status.TODO),
    ("restrict-recording", "standard", {}, {}, GOOD, {}, Status.DONE),
    ("restrict-recording", "standard", {}, {"auto_recording": "cloud"}, GOOD, {}, Status.FAIL),
    ("restrict-recording", "standard", {}, {"auto_recording": "local"}, GOOD, {}, Status.FAIL),
    ("end-for-all", "standard", {}, {}, GOOD, {}, Status.TODO),
    ("signed-in-only", "strict", {}, {"meeting_authentication": True}, GOOD, {}, Status.DONE),
    ("signed-in-only", "strict", {}, {}, GOOD, {}, Status.FAIL),
    ("encryption", "strict", {}, {}, GOOD, {}, Status.DONE),
    ("encryption", "strict", {}, {"encryption_type": "e2ee"}, GOOD, {}, Status.DONE),
    ("encryption", "strict", {}, {}, GOOD, {"meeting_security.encryption_type": None},
     Status.FAIL),
    ("mute-on-entry", "strict", {}, {"mute_upon_entry": True}, GOOD, {}, Status.DONE),
    ("mute-on-entry", "strict", {}, {}, GOOD, {}, Status.FAIL),
    ("no-cloud-recording", "strict", {"recording": {"cloud_recording": False}}, {}, GOOD, {},
     Status.DONE),
    ("no-cloud-recording", "strict", {}, {}, GOOD, {}, Status.FAIL),  # Zoom's default: on
    ("no-cloud-recording", "strict", {"recording": {"cloud_recording": False}},
     {"auto_recording": "cloud"}, GOOD, {}, Status.FAIL),
    ("passcode-not-in-link", "strict",
     {"schedule_meeting": {"embed_password_in_join_link": False}}, {}, GOOD, {}, Status.DONE),
    ("passcode-not-in-link", "strict", {}, {}, GOOD, {}, Status.FAIL),  # Zoom's default: in
]


@pytest.mark.parametrize(("rule_id", "level", "user", "settings", "code", "locks", "expected"),
                         CASES, ids=[f"{c[0]}-{c[6].value}-{i}" for i, c in enumerate(CASES)])
def test_rule_through_a_real_audit(make_app, zoom, zoom_client, rule_id, level, user,
                                   settings, code, locks, expected):
    zoom.add_user(HOST, settings=user)
    for path, value in locks.items():
        zoom.lock_setting(path, value)
    meeting_id = create(zoom_client, password=code, settings=settings)
    reply = say(make_app(policy_level=level), host, f"audit {meeting_id}")
    assert not reply.error, reply.text
    assert statuses(reply)[rule_id] is expected
    found = item(reply, rule_id)
    assert found.clause == policy.RULES_BY_ID[rule_id].clause
    if expected in (Status.FAIL, Status.MANUAL):
        assert "To do:" in found.detail  # and what to do about it
    assert any(n.startswith(f"Policy: {level}") for n in reply.notes)


def test_every_rule_has_a_pass_and_a_fail_case():
    for rule in policy.RULES:
        seen = {c[6] for c in CASES if c[0] == rule.id}
        assert seen == {Status.TODO} if rule.kind == "duty" else \
            {Status.DONE, Status.FAIL} <= seen, rule.id


def test_a_meeting_on_the_hosts_pmi_fails_fresh_id(app, zoom, zoom_client):
    user = zoom.add_user(HOST)
    meeting_id = create(zoom_client, settings={"use_pmi": True})
    assert meeting_id == user["pmi"]
    reply = say(app, host, f"audit {meeting_id}")
    assert statuses(reply)["fresh-id"] is Status.FAIL
    assert "Personal Meeting ID" in item(reply, "fresh-id").detail
    assert not any(a.command.endswith(" fresh-id") for a in reply.actions)  # no fix for an ID


def test_a_compliant_meeting(app, zoom, zoom_client):
    zoom.add_user(HOST, settings={"in_meeting": {"who_can_share_screen": "host",
                                                 "file_transfer": False}})
    reply = say(app, host, f"audit {create(zoom_client)}")
    assert reply.text.startswith("✓ Meets the standard policy")
    assert [a.verb for a in reply.actions] == ["audit"]  # nothing to fix


def test_unreadable_host_settings_are_unknown(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    zoom.fail_next(1, 403, code=4711, message="No permission.", path_contains="/settings",
                   method="GET")
    reply = say(app, host, f"audit {meeting_id}")
    got = statuses(reply)
    assert got["host-only-share"] is Status.UNKNOWN and got["no-file-transfer"] is Status.UNKNOWN
    assert got["waiting-room"] is Status.DONE
    assert "could not be checked" in reply.text


# --- authorisation --------------------------------------------------------------------

@pytest.mark.parametrize(("who", "allowed"), [(host, True), (alt, True), (admin, True),
                                              (stranger, False)],
                         ids=["host", "alternative-host", "admin", "stranger"])
def test_who_may_audit(app, zoom, zoom_client, who, allowed):
    meeting_id = create(zoom_client, settings={"alternative_hosts": ALT, "waiting_room": False})
    reply = say(app, who, f"audit {meeting_id}")
    assert reply.error is not allowed
    if allowed:
        assert statuses(reply)["waiting-room"] is Status.FAIL
    else:
        assert "Budget" not in rendered(reply) and HOST not in rendered(reply)


@pytest.mark.parametrize(("who", "allowed"), [(host, True), (alt, True), (admin, True),
                                              (stranger, False)],
                         ids=["host", "alternative-host", "admin", "stranger"])
def test_who_may_fix(app, zoom, zoom_client, who, allowed):
    meeting_id = create(zoom_client, settings={"alternative_hosts": ALT, "waiting_room": False})
    reply = say(app, who, f"fix {meeting_id} waiting-room")
    assert reply.error is not allowed
    assert zoom.meetings[meeting_id]["settings"]["waiting_room"] is allowed


@pytest.mark.parametrize("verb", ["audit", "fix"])
def test_a_strangers_refusal_reveals_nothing(app, zoom, zoom_client, verb):
    meeting_id = create(zoom_client, settings={"waiting_room": False})
    missing = 98765432101
    assert missing not in zoom.meetings
    rule = " waiting-room" if verb == "fix" else ""
    existing = say(app, stranger, f"{verb} {meeting_id}{rule}")
    absent = say(app, stranger, f"{verb} {missing}{rule}")
    assert existing.error and absent.error
    assert (existing.title, existing.text) == (absent.title, absent.text)
    refusals = app.store.events(kinds=["refusal"])
    assert [(e.meeting_id, e.data["command"]) for e in refusals] == [
        (meeting_id, verb), (missing, verb)]


def test_meeting_not_found(app, zoom):
    assert say(app, host, "audit 98765432101").plain_text() == say(app, stranger,
                                                           "audit 98765432101").plain_text()
    reply = say(app, admin, "audit 98765432101")  # an admin may know it does not exist
    assert reply.error and "not found" in reply.plain_text()


def test_bad_meeting_reference(app, zoom):
    reply = say(app, host, "audit next tuesday")
    assert reply.error and "meeting ID" in reply.plain_text()
    assert say(app, host, "audit").error


# --- fixes ------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule_id", "settings", "field", "value"), [
    ("waiting-room", {"waiting_room": False}, "waiting_room", True),
    ("no-join-before-host", {"waiting_room": False, "join_before_host": True},
     "join_before_host", False),
    ("restrict-recording", {"auto_recording": "cloud"}, "auto_recording", "none"),
])
def test_a_meeting_fix_changes_zoom_and_the_reaudit_passes(app, zoom, zoom_client, rule_id,
                                                           settings, field, value):
    meeting_id = create(zoom_client, settings=settings)
    before = say(app, host, f"audit {meeting_id}")
    button = next(a for a in before.actions if a.verb == "fix" and a.command.endswith(rule_id))
    assert button.command == f"fix {meeting_id} {rule_id}" and button.confirm is None
    reply = say(app, host, button.command)  # as a front end routes the button
    assert zoom.meetings[meeting_id]["settings"][field] == value
    assert reply.title.startswith("🔧 Fixed") and statuses(reply)[rule_id] is Status.DONE
    fixes = app.store.events(kinds=["fix"])
    assert [(e.meeting_id, e.outcome, e.data["rule"]) for e in fixes] == [
        (meeting_id, "fixed", rule_id)]


@pytest.mark.parametrize(("rule_id", "settings"), [
    ("signed-in-only", {}), ("mute-on-entry", {})])
def test_strict_meeting_fixes(make_app, zoom, zoom_client, rule_id, settings):
    app = make_app(policy_level="strict")
    meeting_id = create(zoom_client, settings=settings)
    assert statuses(say(app, host, f"audit {meeting_id}"))[rule_id] is Status.FAIL
    reply = say(app, host, f"fix {meeting_id} {rule_id}")
    assert statuses(reply)[rule_id] is Status.DONE
    assert reply.notes[-1].startswith("Policy: strict")


def test_passcode_rotation_is_shown_only_privately(app, zoom, zoom_client):
    meeting_id = create(zoom_client, password="123456")
    reply = say(app, host, f"fix {meeting_id} passcode")
    new = zoom.meetings[meeting_id]["password"]
    assert new != "123456" and len(new) == 10
    link = zoom.meetings[meeting_id]["join_url"]  # Zoom's default: the link carries it
    secret = [f for f in reply.facts if f.secret]
    assert [f.value for f in secret] == [new, link] and reply.private
    public = rendered(reply.public_copy())
    assert new not in public and link.split("pwd=")[1] not in public
    assert statuses(reply)["passcode"] is Status.DONE  # its own fingerprint is not "reuse"
    # Audited again later, the rotated passcode is still this meeting's own.
    assert statuses(say(app, host, f"audit {meeting_id}"))["passcode"] is Status.DONE
    stored = b"".join(p.read_bytes() for p in Path(app.config.db_path).parent.glob("*.db*"))
    assert stored and new.encode() not in stored and b"123456" not in stored


def test_a_strong_passcode_is_rotated_only_when_confirmed(app, zoom, zoom_client):
    """A leaked passcode is strong but must go: ``confirm`` (the risk alert's button)."""
    meeting_id = create(zoom_client)
    reply = say(app, host, f"fix {meeting_id} passcode")
    assert zoom.meetings[meeting_id]["password"] == GOOD
    assert reply.title.startswith("✓ Already fine") and "passcode confirm" in reply.text
    reply = say(app, host, f"fix {meeting_id}:passcode:confirm")
    new = zoom.meetings[meeting_id]["password"]
    assert new != GOOD and reply.title == "🔑 Passcode rotated"
    assert [f.value for f in reply.facts if f.secret][0] == new and reply.private
    assert statuses(reply)["passcode"] is Status.DONE
    assert say(app, stranger, f"fix {meeting_id} passcode confirm").error
    assert zoom.meetings[meeting_id]["password"] == new


def test_a_host_setting_fix_is_refused_to_a_non_admin(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    audit_reply = say(app, host, f"audit {meeting_id}")
    assert statuses(audit_reply)["no-file-transfer"] is Status.FAIL
    assert not any(a.command.startswith(f"fix {meeting_id} no-file-transfer")
                   for a in audit_reply.actions)  # no button the host cannot use
    for text in (f"fix {meeting_id} no-file-transfer", f"fix {meeting_id} no-file-transfer "
                 "confirm"):
        reply = say(app, host, text)
        assert reply.error and "admin" in reply.plain_text()
    settings = zoom_client.get_user_settings(HOST)
    assert settings["in_meeting"]["file_transfer"] is True
    assert app.store.events(kinds=["refusal"])[-1].data["rule"] == "no-file-transfer"


def test_a_host_setting_fix_by_an_admin_after_confirmation(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    audit_reply = say(app, admin, f"audit {meeting_id}")
    button = next(a for a in audit_reply.actions if " no-file-transfer" in a.command)
    assert button.confirm and button.command == f"fix {meeting_id} no-file-transfer confirm"
    asked = say(app, admin, f"fix {meeting_id} no-file-transfer")  # typed, no confirm
    assert not asked.error and asked.title.startswith("Confirm")
    assert zoom_client.get_user_settings(HOST)["in_meeting"]["file_transfer"] is True
    assert "confirm" in asked.text and asked.actions[0].confirm
    reply = say(app, admin, button.command)
    assert zoom_client.get_user_settings(HOST)["in_meeting"]["file_transfer"] is False
    assert statuses(reply)["no-file-transfer"] is Status.DONE
    reply = say(app, admin, f"fix {meeting_id} host-only-share confirm")
    assert zoom_client.get_user_settings(HOST)["in_meeting"]["who_can_share_screen"] == "host"
    assert statuses(reply)["host-only-share"] is Status.DONE


def test_strict_host_fixes(make_app, zoom, zoom_client):
    app = make_app(policy_level="strict")
    meeting_id = create(zoom_client)
    reply = say(app, admin, f"fix {meeting_id} no-cloud-recording confirm")
    assert zoom_client.get_user_settings(HOST)["recording"]["cloud_recording"] is False
    assert statuses(reply)["no-cloud-recording"] is Status.DONE
    # The meeting's link was made with the passcode in it, and keeps it: turning the host
    # setting off is not enough, so the meeting also gets a new passcode and a clean link.
    old_link = zoom.meetings[meeting_id]["join_url"]
    reply = say(app, admin, f"fix {meeting_id} passcode-not-in-link confirm")
    assert zoom_client.get_user_settings(HOST)["schedule_meeting"][
        "embed_password_in_join_link"] is False
    meeting = zoom.meetings[meeting_id]
    assert "pwd=" not in meeting["join_url"] and meeting["join_url"] != old_link
    assert [f.value for f in reply.facts if f.secret] == [meeting["password"]]
    assert statuses(reply)["passcode-not-in-link"] is Status.DONE
    assert statuses(reply)["passcode"] is Status.DONE
    later = say(app, host, f"audit {meeting_id}")  # the new passcode stays its own
    assert statuses(later)["passcode"] is Status.DONE, item(later, "passcode").detail


def test_a_link_made_before_the_setting_changed_is_fixed_by_the_host(make_app, zoom,
                                                                     zoom_client):
    app = make_app(policy_level="strict")
    meeting_id = create(zoom_client)  # the link embeds the passcode (Zoom's default)
    zoom.set_user_settings(HOST, {"schedule_meeting": {"embed_password_in_join_link": False}})
    found = item(say(app, host, f"audit {meeting_id}"), "passcode-not-in-link")
    assert found.status is Status.FAIL and "made before" in found.detail
    reply = say(app, host, f"fix {meeting_id} passcode-not-in-link")  # no admin needed
    assert not reply.error and statuses(reply)["passcode-not-in-link"] is Status.DONE
    assert "pwd=" not in zoom.meetings[meeting_id]["join_url"]


def test_a_locked_setting_is_reported_and_not_offered(app, zoom, zoom_client):
    zoom.lock_setting("in_meeting.file_transfer", True)
    zoom.lock_setting("schedule_meeting.join_before_host", True)
    meeting_id = create(zoom_client, settings={"waiting_room": False})
    reply = say(app, admin, f"audit {meeting_id}")
    for rule_id in ("no-file-transfer", "no-join-before-host"):
        found = item(reply, rule_id)
        assert found.status is Status.FAIL and "locked" in found.detail
        assert not any(a.command.startswith(f"fix {meeting_id} {rule_id}") for a in reply.actions)
    assert any(a.command == f"fix {meeting_id} waiting-room" for a in reply.actions)
    fixed = say(app, admin, f"fix {meeting_id} no-file-transfer confirm")
    assert fixed.title.startswith("🔒 Locked") and "changed nothing" in fixed.text
    assert zoom_client.get_user_settings(HOST)["in_meeting"]["file_transfer"] is True
    assert app.store.events(kinds=["fix"])[-1].outcome == "locked"


def test_fixing_what_already_passes_changes_nothing(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    reply = say(app, host, f"fix {meeting_id} waiting-room")
    assert reply.title.startswith("✓ Already fine") and "Nothing was changed" in reply.text


def test_rules_without_an_api_fix_say_what_to_do(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    reply = say(app, host, f"fix {meeting_id} lock-when-joined")
    assert reply.error and "Lock Meeting" in reply.plain_text()
    reply = say(app, host, f"fix {meeting_id} no-such-rule")
    assert reply.error and "waiting-room" in reply.plain_text()
    reply = say(app, host, f"fix {meeting_id} signed-in-only")  # strict only
    assert reply.error and "standard" in reply.plain_text()


@pytest.mark.parametrize(("text", "expected"), [
    ("123 4567 8901 waiting-room", (12345678901, "waiting-room", False)),
    ("12345678901:waiting-room", (12345678901, "waiting-room", False)),
    ("12345678901:no-file-transfer:confirm", (12345678901, "no-file-transfer", True)),
    ("12345678901 no-file-transfer confirm", (12345678901, "no-file-transfer", True)),
    ("https://zoom.us/j/12345678901?pwd=abc.1 passcode", (12345678901, "passcode", False)),
])
def test_parse_fix(text, expected):
    assert fix.parse_fix(text) == expected


# --- join links never echo their passcode -------------------------------------------

def test_a_join_link_with_pwd_works_and_is_never_echoed(app, zoom, zoom_client):
    meeting_id = create(zoom_client)
    meeting = zoom.meetings[meeting_id]
    link = meeting["join_url"]
    pwd = link.split("pwd=")[1]
    assert pwd  # Zoom's default embeds the passcode in the link
    for who in (host, admin):
        reply = say(app, who, f"audit {link}")
        assert not reply.error and statuses(reply)["waiting-room"] is Status.DONE
        text = rendered(reply)
        for secret in (pwd, meeting["password"], meeting["encrypted_password"],
                       meeting["h323_password"], "pwd="):
            assert secret not in text
        assert not reply.has_secret
    refused = say(app, stranger, f"audit {link}")
    assert pwd not in rendered(refused) and str(meeting_id) not in rendered(refused)


# --- recurring meetings ---------------------------------------------------------------

def test_a_recurring_meeting_reports_its_occurrences(app, zoom, zoom_client):
    meeting_id = create(zoom_client, type=8,
                        recurrence={"type": 2, "repeat_interval": 1, "end_times": 4})
    reply = say(app, host, f"audit {meeting_id}")
    repeats = next(f.value for f in reply.facts if f.label == "Repeats")
    assert repeats.startswith("4 occurrences; next ")


def test_an_occurrence_that_differs_fails_the_series():
    first, second = "2030-01-01T10:00:00Z", "2030-01-08T10:00:00Z"
    meeting = {"id": 81234567890, "type": 8, "password": GOOD, "host_email": HOST,
               "join_url": "https://zoom.us/j/81234567890",
               "settings": {**SAFE, "use_pmi": False},
               "occurrences": [{"occurrence_id": "1", "start_time": first},
                               {"occurrence_id": "2", "start_time": second,
                                "settings": {"waiting_room": False}}]}
    view = policy.View(meeting=meeting, user_settings={})
    findings = {f.rule_id: f for f in audit.with_occurrences(
        view, policy.evaluate(view, "standard"))}
    assert findings["waiting-room"].status is Status.FAIL
    assert "08 Jan 2030" in findings["waiting-room"].reason
    assert findings["waiting-room"].fixable is None  # a series PATCH would not reach it
    assert findings["no-join-before-host"].status is Status.DONE


# --- audit mine -------------------------------------------------------------------------

def test_audit_mine_lists_upcoming_meetings_worst_first(app, zoom, zoom_client):
    zoom.add_user(HOST, settings={"in_meeting": {"who_can_share_screen": "host",
                                                 "file_transfer": False}})
    good = create(zoom_client, topic="All good", days=1)
    one = create(zoom_client, topic="One bad", days=2, settings={"waiting_room": False})
    three = create(zoom_client, topic="Three bad", days=3, password="123456",
                   settings={"waiting_room": False, "join_before_host": True,
                             "auto_recording": "cloud"})
    create(zoom_client, host_email=STRANGER, topic="Not mine", settings={"waiting_room": False})
    reply = say(app, host, "audit mine")
    assert [i.title.split(" · ")[0] for i in reply.checklist] == [
        "Three bad", "One bad", "All good"]
    assert [i.status for i in reply.checklist] == [Status.FAIL, Status.FAIL, Status.DONE]
    assert reply.checklist[0].detail.startswith("4 failed")
    assert "2 of 3" in reply.text and reply.notes[-1].startswith("Policy: standard")
    audits = [a for a in reply.actions if a.verb == "audit"]
    assert [a.command for a in audits] == [f"audit {three}", f"audit {one}"]
    assert any(a.command.startswith(f"fix {three} ") for a in reply.actions)
    assert "Not mine" not in rendered(reply)
    assert not any(str(good) in a.command for a in reply.actions)
    recorded = app.store.events(kinds=["audit"])
    assert len(recorded) == 3 and {e.data["trigger"] for e in recorded} == {"mine"}


def test_audit_mine_with_no_meetings(app, zoom):
    reply = say(app, host, "audit mine")
    assert not reply.error and "no upcoming meetings" in reply.text


# --- records ---------------------------------------------------------------------------

def test_every_audit_is_recorded(app, zoom, zoom_client):
    meeting_id = create(zoom_client, settings={"waiting_room": False})
    say(app, host, f"audit {meeting_id}")
    say(app, host, f"fix {meeting_id} waiting-room")
    rows = list(app.store.db["audits"].rows)
    assert [(r["meeting_id"], r["actor"], bool(r["compliant"])) for r in rows] == [
        (meeting_id, host.user, False), (meeting_id, host.user, False)]
    first, second = (json.loads(r["results"]) for r in rows)
    assert set(first) == {r.id for r in policy.rules_for("standard")}
    assert first["waiting-room"] == "fail" and second["waiting-room"] == "done"
    events = app.store.events(kinds=["audit", "fix"])
    assert [(e.kind, e.outcome) for e in events] == [
        ("audit", "noncompliant"), ("fix", "fixed"), ("audit", "noncompliant")]
    assert "waiting-room" in events[0].data["failed"]
    assert "waiting-room" not in events[2].data["failed"]
    assert events[2].data["trigger"] == "fix"


# --- the CLI ---------------------------------------------------------------------------

def test_cli_audit(tmp_path, monkeypatch):
    from bot.cli import main

    for var in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "SECUREMEET_POLICY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SECUREMEET_DB", str(tmp_path / "cli.db"))
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "mine", "--as", HOST])
    assert result.exit_code == 0, result.output
    assert "no upcoming meetings" in result.output and "Policy: standard" in result.output
    result = runner.invoke(main, ["audit", "98765432101", "--as", HOST])
    assert result.exit_code == 1 and "not found" in result.output
