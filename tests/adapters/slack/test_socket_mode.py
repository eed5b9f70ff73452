"""``securemeet serve --socket-mode`` end to end: Slack's requests over a WebSocket.

The server is the real ASGI app with ``socket_mode=True``; at start-up Bolt's
``AsyncSocketModeHandler`` calls ``apps.connections.open`` on the fake Slack Web API
(with the app-level token), connects to the fake Socket Mode endpoint
(``tests/fakes/socket_mode.py``), and from then on slash commands arrive as envelopes. The
ack goes back on the socket, the reply through ``response_url``, the meeting is made in
the Zoom emulator — the same path as over HTTP, minus the signature (Socket Mode is
authenticated by the app-level token instead).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
import requests

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.server import create_app
from bot.zoom_emulator import ZoomEmulator
from tests.fakes.asgi_thread import ServerThread
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    action_body,
    slash_body,
)
from tests.fakes.socket_mode import FakeSocketMode

HOST = "UHOST"
_envelopes = itertools.count(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[FakeSlack, FakeSocketMode, ZoomEmulator, str]]:
    with FakeSlack() as slack, FakeSocketMode() as socket, \
            ZoomEmulator(auto_users=False) as zoom:
        slack.add_user(HOST, email="host@example.com", tz="Europe/London")
        zoom.add_user("host@example.com")
        slack.socket_url = socket.url
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": slack.api_url,
            "ZOOM_ACCOUNT_ID": zoom.account_id, "ZOOM_CLIENT_ID": zoom.client_id,
            "ZOOM_CLIENT_SECRET": zoom.client_secret, "ZOOM_API_URL": zoom.api_url,
            "ZOOM_OAUTH_URL": zoom.oauth_url,
            "SECUREMEET_DB": str(tmp_path_factory.mktemp("socket") / "securemeet.db"),
        }
        services = bootstrap(Config.from_env(env))
        try:
            with ServerThread(create_app(services, socket_mode=True)) as server:
                socket.wait_connected()
                yield slack, socket, zoom, server.url
        finally:
            services.close()


def command(socket: FakeSocketMode, slack: FakeSlack, text: str, *, trigger: str | None = None,
            retry: int = 0) -> tuple[dict, str]:
    """Send a slash command envelope; its ack and the command's response_url."""
    url = slack.response_url(HOST)
    payload = dict(parse_qsl(slash_body(text, user_id=HOST, response_url=url,
                                        trigger_id=trigger)))
    envelope_id = f"env-{next(_envelopes)}"
    socket.send({"envelope_id": envelope_id, "type": "slash_commands", "payload": payload,
                 "accepts_response_payload": True, "retry_attempt": retry,
                 "retry_reason": "timeout" if retry else ""})
    return socket.wait_ack(envelope_id), url


def test_the_app_token_opens_the_connection(stack):
    slack, socket, _, _ = stack
    (opened,) = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert socket.connections == 1


def test_a_command_is_acked_on_the_socket_and_answered_privately(stack):
    slack, socket, zoom, _ = stack
    before = len(zoom.meetings)
    ack, url = command(socket, slack, "tomorrow 3pm for 45m Socket sync")
    assert ack["payload"] == {"text": "⏳ Working on it…", "response_type": "ephemeral"}
    (message,) = slack.wait_for_response(url, timeout=30)
    assert message["response_type"] == "ephemeral"
    (meeting,) = list(zoom.meetings.values())[before:]
    assert meeting["topic"] == "Socket sync" and meeting["settings"]["waiting_room"] is True
    assert meeting["password"] not in message["text"]  # fallback text: never the passcode
    assert meeting["password"] in json.dumps(message["blocks"], ensure_ascii=False)


def test_a_redelivered_command_makes_no_second_meeting(stack):
    slack, socket, zoom, _ = stack
    before = len(zoom.meetings)
    trigger = "socket.redelivered.1"
    _, first = command(socket, slack, "tomorrow 4pm Once only", trigger=trigger)
    slack.wait_for_response(first, timeout=30)
    ack, again = command(socket, slack, "tomorrow 4pm Once only", trigger=trigger, retry=1)
    assert ack["envelope_id"]
    time.sleep(1.0)  # long enough for a second meeting, were the redelivery not ignored
    assert len(zoom.meetings) == before + 1
    assert slack.responses(again) == []


def test_the_end_button_over_the_socket_is_authorised(stack):
    slack, socket, zoom, _ = stack
    slack.add_user("UOTHER", email="other@example.com", tz="UTC")
    zoom.add_user("other@example.com")
    _, url = command(socket, slack, "tomorrow 5pm Ends here")
    (made,) = slack.wait_for_response(url, timeout=30)
    meeting_id = next(int(e["value"].split()[1]) for b in made["blocks"] if b["type"] == "actions"
                      for e in b["elements"] if e["action_id"].startswith("securemeet:end"))
    zoom.start_meeting(meeting_id)
    for user, ended in (("UOTHER", False), (HOST, True)):
        reply_url = slack.response_url(f"{user}-end")
        payload = json.loads(dict(parse_qsl(action_body(
            user_id=user, action_id="securemeet:end:0", value=str(meeting_id),
            response_url=reply_url)))["payload"])
        envelope_id = f"env-{next(_envelopes)}"
        socket.send({"envelope_id": envelope_id, "type": "interactive", "payload": payload,
                     "accepts_response_payload": False})
        socket.wait_ack(envelope_id)
        (answer,) = slack.wait_for_response(reply_url, timeout=15)
        assert bool(zoom.meetings[meeting_id].get("ended_by_api")) is ended, answer


def test_help_is_answered_in_the_ack(stack):
    slack, socket, _, _ = stack
    ack, url = command(socket, slack, "help")
    assert "audit" in json.dumps(ack["payload"], ensure_ascii=False)
    assert ack["payload"]["response_type"] == "ephemeral"


def test_the_http_endpoint_says_socket_mode_is_in_use(stack):
    _, _, _, url = stack
    answer = requests.post(url + "/slack/events", data=b"x=1", timeout=5)
    assert answer.status_code == 503 and "Socket Mode" in answer.json()["message"]


@pytest.mark.parametrize(("token", "reachable", "said"), [
    ("xapp-wrong", True, "Slack refused SLACK_APP_TOKEN for Socket Mode (invalid_auth)"),
    (APP_TOKEN, False, "Could not reach Slack at"),
])
def test_serve_checks_the_app_token_before_serving(tmp_path, monkeypatch, token, reachable,
                                                   said):
    """A wrong token or an unreachable Slack is one clear line and exit 1, at once (the
    SDK would otherwise retry forever while the server hangs in its start-up)."""
    from click.testing import CliRunner

    from bot.cli import main

    with FakeSlack() as slack:
        api_url = slack.api_url
        if not reachable:
            slack.stop()  # nobody listens there any more
        for key in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
            monkeypatch.delenv(key, raising=False)
        for key, value in {"SECUREMEET_DB": str(tmp_path / "sm.db"), "SLACK_API_URL": api_url,
                           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                           "SLACK_APP_TOKEN": token}.items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(main, ["serve", "--socket-mode", "--port", "3999"])
    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output
