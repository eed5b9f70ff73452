"""Every rule passes and fails, table-driven, on views shaped like Zoom's JSON."""

from __future__ import annotations

import copy

import pytest

from commands import passcode, policy
from commands.reply import Status

GOOD_MEETING = {
    "id": 81234567890, "type": 2, "password": "aB3@kP9x-Z", "host_email": "h@example.com",
    "join_url": "https://zoom.us/j/81234567890",
    "settings": {"use_pmi": False, "waiting_room": True, "join_before_host": False,
                 "auto_recording": "none", "meeting_authentication": True,
                 "encryption_type": "enhanced_encryption", "mute_upon_entry": True},
}
GOOD_USER = {
    "in_meeting": {"who_can_share_screen": "host", "file_transfer": False, "screen_sharing": True},
    "recording": {"cloud_recording": False, "local_recording": False},
    "schedule_meeting": {"embed_password_in_join_link": False},
}


def view(meeting_patch=None, user_patch=None, **kw):
    meeting, user = copy.deepcopy(GOOD_MEETING), copy.deepcopy(GOOD_USER)
    _merge(meeting, meeting_patch or {})
    _merge(user, user_patch or {})
    kw.setdefault("user_settings", user)
    return policy.View(meeting=meeting, **kw)


def _merge(base, patch):
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def status(rule_id, v):
    return policy.RULES_BY_ID[rule_id].evaluate(v).status


CASES = [
    # (rule, meeting patch, user patch, expected)
    ("fresh-id", {}, {}, Status.DONE),
    ("fresh-id", {"settings": {"use_pmi": True}}, {}, Status.FAIL),
    ("fresh-id", {"type": 4}, {}, Status.FAIL),
    ("passcode", {}, {}, Status.DONE),
    ("passcode", {"password": ""}, {}, Status.FAIL),
    ("passcode", {"password": "123456"}, {}, Status.FAIL),
    ("passcode", {"password": "abcdefghij"}, {}, Status.FAIL),
    ("passcode", {"password": "aaaaaaaaA1"}, {}, Status.FAIL),
    ("passcode", {"password": "abcd1234AB"}, {}, Status.FAIL),
    ("waiting-room", {}, {}, Status.DONE),
    ("waiting-room", {"settings": {"waiting_room": False}}, {}, Status.FAIL),
    ("waiting-room", {"settings": {"waiting_room": None}}, {}, Status.UNKNOWN),
    ("no-join-before-host", {}, {}, Status.DONE),
    ("no-join-before-host", {"settings": {"join_before_host": True}}, {}, Status.FAIL),
    ("host-only-share", {}, {}, Status.DONE),
    ("host-only-share", {}, {"in_meeting": {"who_can_share_screen": "all"}}, Status.FAIL),
    ("host-only-share", {}, {"in_meeting": {"who_can_share_screen": "all",
                                            "screen_sharing": False}}, Status.DONE),
    ("no-rejoin-removed", {}, {}, Status.MANUAL),
    ("no-rejoin-removed", {}, {"in_meeting": {"allow_removed_participants_to_rejoin": True}},
     Status.FAIL),
    ("no-rejoin-removed", {}, {"in_meeting": {"allow_removed_participants_to_rejoin": False}},
     Status.DONE),
    ("no-file-transfer", {}, {}, Status.DONE),
    ("no-file-transfer", {}, {"in_meeting": {"file_transfer": True}}, Status.FAIL),
    ("lock-when-joined", {}, {}, Status.TODO),
    ("restrict-recording", {}, {}, Status.DONE),
    ("restrict-recording", {"settings": {"auto_recording": "cloud"}}, {}, Status.FAIL),
    ("restrict-recording", {"settings": {"auto_recording": "local"}}, {}, Status.FAIL),
    ("end-for-all", {}, {}, Status.TODO),
    ("signed-in-only", {}, {}, Status.DONE),
    ("signed-in-only", {"settings": {"meeting_authentication": False}}, {}, Status.FAIL),
    ("encryption", {}, {}, Status.DONE),
    ("encryption", {"settings": {"encryption_type": "e2ee"}}, {}, Status.DONE),
    ("encryption", {"settings": {"encryption_type": None}}, {}, Status.FAIL),
    ("mute-on-entry", {}, {}, Status.DONE),
    ("mute-on-entry", {"settings": {"mute_upon_entry": False}}, {}, Status.FAIL),
    ("no-cloud-recording", {}, {}, Status.DONE),
    ("no-cloud-recording", {}, {"recording": {"cloud_recording": True}}, Status.FAIL),
    ("no-cloud-recording", {"settings": {"auto_recording": "cloud"}}, {}, Status.FAIL),
    ("passcode-not-in-link", {}, {}, Status.DONE),
    ("passcode-not-in-link", {"join_url": "https://zoom.us/j/81234567890?pwd=abc"}, {},
     Status.FAIL),
]


@pytest.mark.parametrize(("rule_id", "meeting", "user", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(rule_id, meeting, user, expected):
    assert status(rule_id, view(meeting, user)) is expected


def test_every_rule_has_a_passing_and_failing_or_duty_case():
    seen = {(rule, exp) for rule, _, _, exp in CASES}
    for rule in policy.RULES:
        statuses = {exp for r, exp in seen if r == rule.id}
        if rule.kind == "duty":
            assert statuses == {Status.TODO}
        else:
            assert Status.DONE in statuses and (Status.FAIL in statuses), rule.id


def test_pmi_match_fails_fresh_id():
    assert status("fresh-id", view(pmi=81234567890)) is Status.FAIL


def test_reused_passcode_fails():
    key = b"k"
    earlier = frozenset({passcode.fingerprint(GOOD_MEETING["password"], key=key)})
    v = view(earlier_passcodes=earlier, fingerprint_key=key)
    finding = policy.RULES_BY_ID["passcode"].evaluate(v)
    assert finding.status is Status.FAIL and "earlier" in finding.reason


def test_host_rules_unknown_without_user_settings():
    v = policy.View(meeting=GOOD_MEETING, user_settings=None)
    assert status("host-only-share", v) is Status.UNKNOWN
    assert status("no-file-transfer", v) is Status.UNKNOWN


def test_locked_failure_is_reported_and_not_fixable():
    locks = {"in_meeting": {"file_transfer": True}}
    v = view(user_patch={"in_meeting": {"file_transfer": True}}, lock_settings=locks)
    finding = policy.RULES_BY_ID["no-file-transfer"].evaluate(v)
    assert finding.locked and finding.fixable is None and "locked" in finding.reason


def test_fixable_kinds():
    v = view({"settings": {"waiting_room": False}}, {"in_meeting": {"file_transfer": True}})
    findings = {f.rule_id: f for f in policy.evaluate(v, "standard")}
    assert findings["waiting-room"].fixable == "meeting"
    assert findings["no-file-transfer"].fixable == "host"


@pytest.mark.parametrize(("level", "count"), [("standard", 10), ("strict", 15)])
def test_levels(level, count):
    assert len(policy.rules_for(level)) == count


def test_create_settings_set_every_meeting_rule_explicitly():
    settings = policy.create_settings("strict")
    assert settings["use_pmi"] is False and settings["waiting_room"] is True
    assert settings["join_before_host"] is False and settings["auto_recording"] == "none"
    assert settings["meeting_authentication"] is True and settings["mute_upon_entry"] is True


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="standard"):
        policy.rules_for("lax")


def test_compliance_ignores_duties_and_manual_checks():
    findings = policy.evaluate(view(), "standard")
    assert policy.compliant(findings)
    assert not policy.compliant(policy.evaluate(view({"settings": {"waiting_room": False}}),
                                                "standard"))
