"""The first line of a new meeting's reply: how safe it is, and whose move it is."""

from __future__ import annotations

import pytest

from commands.context import Requester
from commands.policy import Finding
from commands.reply import Status
from commands.schedule import headline

DONE, FAIL, UNKNOWN = Status.DONE, Status.FAIL, Status.UNKNOWN
host = Requester(user="console:ann", platform="console", email="ann@example.com")
admin = Requester(user="console:root", platform="console", email="root@example.com",
                  is_admin=True)


def findings(**statuses: Status) -> tuple[Finding, ...]:
    return tuple(Finding(rule.replace("_", "-"), status, "reason")
                 for rule, status in statuses.items())


@pytest.mark.parametrize(("statuses", "who", "expected"), [
    ({"waiting_room": DONE, "passcode": DONE}, host, "ready and locked down"),
    ({"waiting_room": FAIL, "no_file_transfer": FAIL}, host,
     "not everything could be locked down"),
    ({"waiting_room": DONE, "no_file_transfer": FAIL}, host,
     "1 setting of your Zoom account weakens it (✗ below): change it in the Zoom web"),
    ({"host_only_share": FAIL, "no_file_transfer": FAIL}, admin,
     "2 settings of your Zoom account weaken it (✗ below): fix them with the buttons"),
    ({"waiting_room": DONE, "host_only_share": UNKNOWN}, host, "could not read everything"),
])
def test_headline(statuses, who, expected):
    assert expected in headline(findings(**statuses), who)


def test_a_reply_says_what_the_accounts_locked_settings_overrode(app, zoom):
    """Zoom applies an account lock over what the create asked for, silently; the reply
    reads the meeting back and says so, and the checklist shows what Zoom applied."""
    from commands import router
    from commands.reply import Status

    zoom.add_user("ann@example.com")
    zoom.lock_setting("meeting_security.waiting_room", False)
    zoom.lock_setting("recording.auto_recording", "cloud")
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm for 30m Locked out")
    assert not reply.error, reply.title
    (overrode,) = [n for n in reply.notes if "locked settings overrode" in n]
    assert "waiting_room" in overrode and "auto_recording" in overrode
    assert "The checklist shows what Zoom applied." in overrode
    marks = {c.rule_id: c.status for c in reply.checklist}
    assert marks["waiting-room"] is Status.FAIL and marks["restrict-recording"] is Status.FAIL
    assert "not everything could be locked down" in reply.text
    (meeting,) = zoom.meetings.values()
    assert meeting["settings"]["waiting_room"] is False  # what the reply told is true
