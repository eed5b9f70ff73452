"""The one ASGI server without Slack credentials: health, a friendly 503, the body limit."""

from __future__ import annotations

import logging

import pytest
import requests
from click.testing import CliRunner
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.bootstrap import bootstrap
from bot.cli import main
from bot.config import Config
from bot.frontend import MAX_BODY, FrontEnd
from bot.server import create_app
from tests.fakes.asgi_thread import ServerThread


@pytest.fixture
def sandbox(tmp_path):
    services = bootstrap(Config.from_env({}, db_path=str(tmp_path / "sm.db")))
    yield services
    services.close()


def test_sandbox_without_slack_starts_and_says_why(sandbox, caplog):
    caplog.set_level(logging.WARNING, logger="securemeet.server")
    with ServerThread(create_app(sandbox)) as server:
        health = requests.get(server.url + "/healthz", timeout=5)
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ok" and body["mode"] == "sandbox"
        assert body["front_ends"]["slack"] == "off" and body["version"]
        slack = requests.post(server.url + "/slack/events", data="x=1", timeout=5)
        assert slack.status_code == 503
        assert slack.json()["error"] == "slack_not_configured"
        assert "SLACK_BOT_TOKEN" in slack.json()["message"]
    off = [r.getMessage() for r in caplog.records if "front end off" in r.getMessage()]
    slack_off = [m for m in off if m.startswith("slack ")]  # Teams (off too) says so apart
    assert len(slack_off) == 1
    assert slack_off[0].startswith("slack front end off: Slack is not configured")


def test_oversized_bodies_get_413_whatever_the_headers_say(sandbox):
    async def echo(request):
        return PlainTextResponse(str(len(await request.body())))

    reader = FrontEnd("echo", "http", [Route("/echo", echo, methods=["POST"])])
    with ServerThread(create_app(sandbox, ends=[reader])) as server:
        big = b"a" * (MAX_BODY + 1)
        declared = requests.post(server.url + "/echo", data=big, timeout=5)
        assert declared.status_code == 413

        def chunks():  # no Content-Length: chunked transfer encoding
            for _ in range(MAX_BODY // 1024 + 2):
                yield b"b" * 1024

        streamed = requests.post(server.url + "/echo", data=chunks(), timeout=5)
        assert streamed.status_code == 413
        assert streamed.json()["error"] == "request_too_large"
        assert requests.post(server.url + "/echo", data=b"c" * MAX_BODY, timeout=5).text == str(
            MAX_BODY)


def test_front_ends_add_routes_and_hooks(sandbox):
    events: list[str] = []

    async def hello(request):
        return PlainTextResponse("hi")

    async def up():
        events.append("up")

    async def down():
        events.append("down")

    extra = FrontEnd("teams", "http", [Route("/api/messages", hello, methods=["POST"])],
                     startup=up, shutdown=down)
    with ServerThread(create_app(sandbox, ends=[extra])) as server:
        assert requests.post(server.url + "/api/messages", timeout=5).text == "hi"
        assert requests.get(server.url + "/healthz", timeout=5).json()["front_ends"] == {
            "teams": "http"}
    assert events == ["up", "down"]


def test_socket_mode_without_app_token_is_a_clear_error(tmp_path, monkeypatch):
    for key in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SECUREMEET_DB", str(tmp_path / "sm.db"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    result = CliRunner().invoke(main, ["serve", "--socket-mode", "--port", "3999"])
    assert result.exit_code == 1
    assert "SLACK_APP_TOKEN" in result.output and "xapp-" in result.output


def test_livez_and_readyz(sandbox):
    """Issue 16: /livez answers while the process runs; /readyz once the server is warm and
    the database answers with the current schema, 503 with a reason otherwise."""
    with ServerThread(create_app(sandbox)) as server:
        assert requests.get(server.url + "/livez", timeout=5).json() == {"status": "alive"}
        ready = requests.get(server.url + "/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["ready"] is True and "schema version" in ready.json()["database"]
        assert ready.json()["zoom"] == "token ready"  # paid for before the first request
        sandbox.store.db.execute("DELETE FROM _sqlite_migrations WHERE name = "
                                 "(SELECT max(name) FROM _sqlite_migrations)")
        behind = requests.get(server.url + "/readyz", timeout=5)
        assert behind.status_code == 503
        assert "securemeet migrate" in behind.json()["reason"]
        assert requests.get(server.url + "/livez", timeout=5).status_code == 200
