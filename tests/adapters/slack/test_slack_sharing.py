"""Issue 17 on Slack, end to end over real HTTP: invite by mention, and the leak guard.

The server is the real ASGI app (composition root, Bolt, the front door), Slack is the
fake on 127.0.0.1 and Zoom the emulator; every request is signed as Slack signs it.
Every passcode handed out is collected, and no channel message, unfurl or ephemeral
message may ever hold one.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.server import create_app
from bot.zoom_emulator import ZoomEmulator
from tests.fakes.asgi_thread import ServerThread
from tests.fakes.live import live_env
from tests.fakes.slack import (
    TEAM_ID,
    FakeSlack,
    action_body,
    event_body,
    link_shared,
    signed_headers,
    slash_body,
)

HOST, OTHER, RAVI, MEERA = "UHOST", "UOTHER", "URAVI", "UMEERA"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(HOST, email="host@example.com", tz="Asia/Kolkata", name="Hana Host")
        fake.add_user(OTHER, email="other@example.com", tz="Europe/London", name="Olly Other")
        fake.add_user(RAVI, email="ravi@example.org", tz="Asia/Kolkata", name="Ravi Kumar")
        fake.add_user(MEERA, email="meera@example.org", tz="Europe/Paris", name="Meera")
        fake.add_user("UHELPER", email=None, name="Helper", is_bot=True)
        fake.add_user("UGONE", email="gone@example.org", name="Gone Person", deleted=True)
        fake.add_user("UPARTNER", email="pat@partner.test", name="Pat Partner",
                      team_id="TPARTNER")
        fake.add_user("UNODM", email="nodm@example.org", name="No DM")
        fake.dm_override["UNODM"] = "C0NOTADM"  # a channel: a secret must never go there
        fake.add_channel("C0GENERAL", "general")
        fake.add_channel("C0SECRET", "board", private=True)
        fake.add_channel("G0GROUP", "mpdm-a--b", mpim=True)
        yield fake


@pytest.fixture(scope="module")
def emulator() -> Iterator[ZoomEmulator]:
    with ZoomEmulator(auto_users=False) as zoom:
        for email in ("host@example.com", "other@example.com"):
            zoom.add_user(email)
        yield zoom


@pytest.fixture(scope="module")
def server(tmp_path_factory, slack, emulator) -> Iterator[ServerThread]:
    env = live_env(slack, emulator, tmp_path_factory.mktemp("share") / "securemeet.db")
    services = bootstrap(Config.from_env(env))
    try:
        with ServerThread(create_app(services)) as running:
            running.services = services  # type: ignore[attr-defined]
            yield running
    finally:
        services.close()


# --- helpers -------------------------------------------------------------------------------
def post(server: ServerThread, body: str, headers: dict[str, str] | None = None
         ) -> requests.Response:
    return requests.post(server.url + "/slack/events", data=body.encode(),
                         headers=headers if headers is not None else signed_headers(body),
                         timeout=10)


def reply_to(server, slack, text: str, user: str = HOST) -> dict[str, Any]:
    url = slack.response_url(user)
    ack = post(server, slash_body(text, user_id=user, response_url=url))
    assert ack.status_code == 200, ack.text
    (message,) = slack.wait_for_response(url, timeout=20)
    return message


def text_of(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


def fields(message: dict[str, Any]) -> dict[str, str]:
    blocks = message["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return {f["text"].split("\n")[0].strip("*"): f["text"].split("\n", 1)[1]
            for b in blocks if "fields" in b for f in b["fields"]}


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks", [])
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def meeting_id_of(message: dict[str, Any]) -> int:
    return int(re.sub(r"\D", "", fields(message)["Meeting ID"]))


def dms(slack, user: str, since: int = 0) -> list[dict[str, Any]]:
    return [c.data for c in slack.calls_to("chat.postMessage")[since:]
            if c.data.get("channel") == "D" + user]


def passcodes(emulator) -> set[str]:
    return {str(m.get("password")) for m in emulator.meetings.values() if m.get("password")}


def not_in_public(slack, emulator) -> None:
    """No passcode in any unfurl, ephemeral message or message to a non-DM channel."""
    public = [c.raw.decode(errors="replace") for c in slack.calls
              if c.method in ("chat.unfurl", "chat.postEphemeral")
              or (c.method == "chat.postMessage" and not str(c.data.get("channel", "D"))
                  .startswith("D"))]
    for code in passcodes(emulator):
        for body in public:
            assert code not in body


def send_event(server, event: dict[str, Any], *, event_id: str | None = None
               ) -> requests.Response:
    body = event_body(event, event_id=event_id)
    return post(server, body, signed_headers(body, content_type="application/json"))


def schedule(server, slack, topic: str) -> tuple[int, dict[str, Any]]:
    message = reply_to(server, slack, f"tomorrow 3pm for 30m {topic}")
    return meeting_id_of(message), message


# --- invite by mention ---------------------------------------------------------------------
def test_invitees_get_the_link_privately_and_the_requester_hears_who(server, slack, emulator):
    before = len(slack.calls_to("chat.postMessage"))
    message = reply_to(server, slack, "tomorrow 3pm for 30m Design sync with <@URAVI|ravi> "
                       "<@UMEERA|meera> <@UHELPER|helper> <@UGONE|gone> <@UPARTNER|pat> "
                       "<@UNOSUCH|ghost>")
    body = text_of(message)
    assert message["response_type"] == "ephemeral"
    assert "Design sync" in message["blocks"][0]["text"]["text"] and "<@" not in body
    assert "Sent privately to Ravi Kumar and Meera" in body
    for name, why in (("Helper", "a bot"), ("Gone Person", "deactivated"),
                      ("Pat Partner", "outside this workspace"), ("@ghost", "unknown user")):
        assert f"{name} ({why}" in body, (name, body)
    assert "☐ *Share the link privately*" in body  # not everyone was reached
    meeting_id = meeting_id_of(message)
    meeting = emulator.meetings[meeting_id]
    assert meeting["topic"] == "Design sync"
    assert {i["email"] for i in meeting["settings"]["meeting_invitees"]} == {
        "ravi@example.org", "meera@example.org", "pat@partner.test"}
    ravi, = slack.wait_for(lambda s: dms(s, RAVI, before) or None)
    meera, = slack.wait_for(lambda s: dms(s, MEERA, before) or None)
    for dm in (ravi, meera):
        facts = fields(dm)
        assert facts["Passcode"] == f"`{meeting['password']}`"
        assert meeting["password"] not in dm["text"]  # not in the notification text
        assert f"calendar {meeting_id}" in [b["value"] for b in buttons(dm)]
        assert "Hana Host" in text_of(dm) and "Design sync" in text_of(dm)
    assert "IST" in fields(ravi)["When"] and "CET" in fields(meera)["When"]
    assert dms(slack, "UHELPER", before) == dms(slack, "UPARTNER", before) == []
    not_in_public(slack, emulator)
    events = server.services.store.events(kinds=("invite",))
    assert sorted(e.data["to"] for e in events if e.meeting_id == meeting_id) == [
        f"slack:{TEAM_ID}:{MEERA}", f"slack:{TEAM_ID}:{RAVI}"]


def test_everyone_reached_marks_sharing_done_and_an_email_works_too(server, slack, emulator):
    message = reply_to(server, slack, "tomorrow 4pm Review with ravi@example.org")
    assert "✓ *Shared privately with 1 person*" in text_of(message)
    assert "Sent privately to Ravi Kumar" in text_of(message)
    message = reply_to(server, slack, "tomorrow 5pm Review with nobody@example.org")
    assert "nobody@example.org (not in this Slack workspace" in text_of(message)
    meeting = emulator.meetings[meeting_id_of(message)]
    assert meeting["settings"]["meeting_invitees"] == [{"email": "nobody@example.org"}]


def test_a_secret_never_goes_to_a_channel_even_if_slack_offers_one(server, slack, emulator):
    """conversations.open answering with a channel (not a D… direct message): the
    invitation is not posted at all, and the requester is told to share it themselves."""
    message = reply_to(server, slack, "tomorrow 6pm Private with <@UNODM|nodm>")
    assert "Could not deliver the invitation to No DM" in text_of(message)
    assert "☐ *Share the link privately*" in text_of(message)
    assert [c for c in slack.calls_to("chat.postMessage")
            if c.data.get("channel") == "C0NOTADM"] == []
    not_in_public(slack, emulator)


def test_an_invitee_may_add_the_meeting_to_their_calendar_a_stranger_may_not(server, slack):
    message = reply_to(server, slack, "tomorrow 7pm Calendar sync with <@UMEERA|meera>")
    meeting_id = meeting_id_of(message)
    for user, allowed in ((MEERA, True), (OTHER, False)):
        url = slack.response_url(f"{user}-cal")
        body = action_body(user_id=user, action_id="securemeet:calendar:0",
                           value=f"calendar {meeting_id}", response_url=url)
        assert post(server, body).status_code == 200
        (answer,) = slack.wait_for_response(url)
        assert ("direct message" in text_of(answer)) is allowed, text_of(answer)
        assert ("can't add to a calendar" in text_of(answer)) is not allowed


# --- the leak guard ------------------------------------------------------------------------
def unfurls_for(slack, url: str) -> list[dict[str, Any]]:
    out = []
    for call in slack.calls_to("chat.unfurl"):
        data = call.data.get("unfurls")
        data = json.loads(data) if isinstance(data, str) else data
        if url in (data or {}):
            out.append(data[url])
    return out


def ephemerals(slack, user: str) -> list[dict[str, Any]]:
    return [c.data for c in slack.calls_to("chat.postEphemeral") if c.data.get("user") == user]


def test_a_link_with_its_passcode_in_a_channel_is_caught(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Board prep")
    link = emulator.meetings[meeting_id]["join_url"]
    assert "pwd=" in link
    before_dm = len(slack.calls_to("chat.postMessage"))
    before_eph = len(ephemerals(slack, OTHER))
    ack = send_event(server, link_shared([link], user_id=OTHER, channel="C0GENERAL"))
    assert ack.status_code == 200
    (preview,) = slack.wait_for(lambda s: unfurls_for(s, link) or None)
    shown = text_of(preview)
    assert "Board prep" in shown and "rules ✓" in shown
    assert "carries the meeting's passcode" in shown
    assert re.search(r"\d+ of \d+ rules ✓", shown)
    assert "pwd=" not in shown and emulator.meetings[meeting_id]["password"] not in shown
    warning = slack.wait_for(lambda s: ephemerals(s, OTHER)[before_eph:] or None)[0]
    assert warning["channel"] == "C0GENERAL"
    assert "delete the message, and rotate the passcode" in text_of(warning)
    assert buttons(warning) == []  # the poster may not fix the host's meeting
    told = slack.wait_for(lambda s: dms(s, HOST, before_dm) or None)[0]
    assert "#general" in text_of(told) and "Olly Other" in text_of(told)
    assert f"fix {meeting_id} passcode confirm" in [b["value"] for b in buttons(told)]
    leaks = [e for e in server.services.store.events(kinds=("leak",))
             if e.meeting_id == meeting_id]
    assert [e.data["channel_type"] for e in leaks] == ["public"]
    not_in_public(slack, emulator)


def test_the_host_gets_a_rotate_button_that_a_stranger_cannot_use(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Rotate me")
    link = emulator.meetings[meeting_id]["join_url"]
    old = emulator.meetings[meeting_id]["password"]
    before = len(ephemerals(slack, HOST))
    send_event(server, link_shared([link], user_id=HOST, channel="C0SECRET"))
    warning = slack.wait_for(lambda s: ephemerals(s, HOST)[before:] or None)[0]
    (rotate,) = buttons(warning)
    assert rotate["value"] == f"fix {meeting_id} passcode confirm"
    url = slack.response_url("stranger-rotate")
    body = action_body(user_id=OTHER, action_id=rotate["action_id"], value=rotate["value"],
                       response_url=url)
    assert post(server, body).status_code == 200
    (refused,) = slack.wait_for_response(url)
    assert "can't fix" in text_of(refused)
    assert emulator.meetings[meeting_id]["password"] == old
    url = slack.response_url("host-rotate")
    body = action_body(user_id=HOST, action_id=rotate["action_id"], value=rotate["value"],
                       response_url=url)
    post(server, body)
    (rotated,) = slack.wait_for_response(url, timeout=20)
    new = emulator.meetings[meeting_id]["password"]
    assert new != old and new in text_of(rotated) and rotated["response_type"] == "ephemeral"
    assert [e.data["channel_type"] for e in server.services.store.events(kinds=("leak",))
            if e.meeting_id == meeting_id] == ["private"]


def test_a_second_delivery_of_the_same_event_does_nothing(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Twice sent")
    link = emulator.meetings[meeting_id]["join_url"]
    event = link_shared([link], user_id=OTHER, channel="G0GROUP")
    body = event_body(event, event_id="EvSAMEONE")
    headers = signed_headers(body, content_type="application/json")
    assert post(server, body, headers).status_code == 200
    slack.wait_for(lambda s: unfurls_for(s, link) or None)
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert post(server, body, retry).status_code == 200
    assert send_event(server, event, event_id="EvSAMEONE").status_code == 200
    time.sleep(1.0)
    assert len(unfurls_for(slack, link)) == 1
    assert len([e for e in server.services.store.events(kinds=("leak",))
                if e.meeting_id == meeting_id]) == 1
    assert [e.data["channel_type"] for e in server.services.store.events(kinds=("leak",))
            if e.meeting_id == meeting_id] == ["group_dm"]


def test_a_link_in_a_dm_or_the_composer_is_previewed_but_no_leak(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Quiet chat")
    link = emulator.meetings[meeting_id]["join_url"]
    before = len(slack.calls_to("chat.postEphemeral"))
    send_event(server, link_shared([link], user_id=OTHER, channel="D0SOMEDM"))
    send_event(server, link_shared([link], user_id=OTHER, channel="COMPOSER",
                                   source="composer"))
    slack.wait_for(lambda s: len(unfurls_for(s, link)) >= 2)
    composer = [c for c in slack.calls_to("chat.unfurl") if c.data.get("source") == "composer"]
    assert composer and composer[-1].data.get("unfurl_id")
    time.sleep(0.5)
    assert len(slack.calls_to("chat.postEphemeral")) == before
    assert not [e for e in server.services.store.events(kinds=("leak",))
                if e.meeting_id == meeting_id]


def test_a_link_this_account_cannot_read_says_nothing(server, slack, emulator):
    before = (len(slack.calls_to("chat.unfurl")), len(slack.calls_to("chat.postEphemeral")))
    ack = send_event(server, link_shared(["https://zoom.us/j/99999999999?pwd=abc",
                                          "https://example.com/j/12345678901?pwd=x"],
                                         user_id=OTHER))
    assert ack.status_code == 200
    time.sleep(1.0)
    assert (len(slack.calls_to("chat.unfurl")), len(slack.calls_to("chat.postEphemeral"))
            ) == before


def test_without_the_bot_in_the_channel_the_warning_comes_by_dm(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Not a member")
    link = emulator.meetings[meeting_id]["join_url"]
    before = len(slack.calls_to("chat.postMessage"))
    send_event(server, link_shared([link], user_id=OTHER, channel="C0GENERAL", member=False))
    warned = slack.wait_for(lambda s: [d for d in dms(s, OTHER, before)
                                       if "rotate the passcode" in text_of(d)] or None)
    assert "pwd=" not in text_of(warned)


def test_an_unsigned_or_forged_event_is_refused(server, slack, emulator):
    meeting_id, _ = schedule(server, slack, "Forged")
    link = emulator.meetings[meeting_id]["join_url"]
    body = event_body(link_shared([link], user_id=OTHER))
    for headers in ({"Content-Type": "application/json"},
                    signed_headers(body, secret="wrong", content_type="application/json")):
        assert post(server, body, headers).status_code == 401
    time.sleep(0.5)
    assert unfurls_for(slack, link) == []
