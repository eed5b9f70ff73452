"""One log line per request, a request id, and /metrics in Prometheus' text format."""

from __future__ import annotations

import logging
import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot import observability
from bot.bootstrap import bootstrap
from bot.config import Config
from bot.frontend import MAX_BODY, FrontEnd
from bot.server import create_app
from commands import router
from commands.context import Requester
from tests.fakes.asgi_thread import ServerThread

who = Requester(user="console:a@example.com", platform="console", email="a@example.com")
LINE = re.compile(r"request id=(?P<id>[0-9a-f]{12}|[\w.-]+) method=(?P<method>\w+) "
                  r"route=(?P<route>\S+) command=(?P<command>\S+) status=(?P<status>\d+) "
                  r"outcome=(?P<outcome>\w+) ms=(?P<ms>[\d.]+)$")


@pytest.fixture
def sandbox(tmp_path):
    services = bootstrap(Config.from_env({}, db_path=str(tmp_path / "sm.db")))
    yield services
    services.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_one_line_per_request_with_an_id_and_metrics(sandbox, caplog):
    async def boom(request):
        raise RuntimeError("a bug")

    async def slack(request):
        await request.body()
        return PlainTextResponse("ok")

    ends = [FrontEnd("slack", "http", [Route("/slack/events", slack, methods=["POST"]),
                                       Route("/boom", boom, methods=["POST"])])]
    caplog.set_level(logging.INFO, logger="securemeet.access")
    with ServerThread(create_app(sandbox, ends=ends)) as server:
        before = requests.get(server.url + "/metrics", timeout=5).text
        slash = requests.post(server.url + "/slack/events", timeout=5, data={
            "command": "/securemeet", "text": "audit 123 secret-topic", "user_id": "U1"})
        assert slash.status_code == 200 and re.fullmatch(r"[0-9a-f]{12}",
                                                         slash.headers["x-request-id"])
        mine = requests.get(server.url + "/healthz", headers={"X-Request-Id": "abc-123"},
                            timeout=5)
        assert mine.headers["x-request-id"] == "abc-123"
        odd = requests.get(server.url + "/healthz", headers={"X-Request-Id": "a b\x7f"},
                           timeout=5)
        assert odd.headers["x-request-id"] != "a b\x7f"
        assert requests.post(server.url + "/slack/events", data=b"x" * (MAX_BODY + 1),
                             timeout=5).status_code == 413
        assert requests.post(server.url + "/boom", timeout=5).status_code == 500
        assert requests.get(server.url + "/nowhere/U123", timeout=5).status_code == 404
        after = requests.get(server.url + "/metrics", timeout=5)
    assert after.headers["content-type"].startswith("text/plain")
    lines = [r for r in caplog.records if r.name == "securemeet.access"]
    parsed = [LINE.match(r.getMessage()) for r in lines]
    assert all(parsed), [r.getMessage() for r in lines]
    got = [(m["route"], m["command"], m["status"], m["outcome"]) for m in parsed]
    assert got[1:7] == [
        ("/slack/events", "audit", "200", "ok"), ("/healthz", "-", "200", "ok"),
        ("/healthz", "-", "200", "ok"), ("/slack/events", "-", "413", "too_large"),
        ("other", "-", "500", "error"), ("other", "-", "404", "not_found")]
    assert parsed[2]["id"] == "abc-123"
    assert all(r.request_id == m["id"] for r, m in zip(lines, parsed, strict=True))
    text = " ".join(r.getMessage() for r in lines)
    assert "secret-topic" not in text and "U1" not in text and "U123" not in text

    m = after.text
    for name, labels, delta in [
        ("securemeet_http_requests_total", {"route": "/slack/events", "method": "POST",
                                            "status": "200"}, 1),
        ("securemeet_http_requests_total", {"route": "/slack/events", "method": "POST",
                                            "status": "413"}, 1),
        ("securemeet_http_requests_total", {"route": "other", "method": "POST",
                                            "status": "500"}, 1),
        ("securemeet_http_errors_total", {"route": "other"}, 1),
        ("securemeet_slack_ack_seconds_count", {"kind": "audit"}, 1),
    ]:
        assert value(m, name, **labels) - value(before, name, **labels) == delta, name
    assert "U123" not in m and "secret-topic" not in m
    assert "process_resident_memory_bytes" in m


def test_command_of_reads_only_known_words():
    form = b"application/x-www-form-urlencoded"
    assert observability.command_of("/slack/events", form,
                                     b"command=%2Fsecuremeet&text=tomorrow+3pm") == "schedule"
    assert observability.command_of("/slack/events", form,
                                     b"command=%2Fsecuremeet&text=stats+7d") == "stats"
    payload = b'payload={"type":"block_actions","actions":[{"action_id":"securemeet:end:0"}]}'
    assert observability.command_of("/slack/events", form, payload) == "action:end"
    weird = b'payload={"type":"block_actions","actions":[{"action_id":"securemeet:<x>:0"}]}'
    assert observability.command_of("/slack/events", form, weird) == "action:unknown"
    assert observability.command_of("/slack/events", b"application/json",
                                     b'{"type":"event_callback","event":{"type":"app_home_opened"}}'
                                     ) == "event:app_home_opened"
    assert observability.command_of("/slack/events", b"application/json",
                                     b'{"type":"<script>"}') == "event:unknown"
    assert observability.command_of("/slack/events", b"application/json", b"{") == "unreadable"
    assert observability.command_of("/healthz", form, b"command=x") == "-"


def test_zoom_calls_and_commands_are_counted_with_bounded_labels(sandbox):
    before = observability.generate_latest().decode()
    observability.zoom_call("POST /users/{userId}/meetings", 201, 0.2)
    observability.zoom_call("GET /users/alice@example.com", 200, 0.1)  # not a template
    observability.install_command_observer()
    observability.install_command_observer()  # once only
    assert router.OBSERVERS.count(observability.command_done) == 1
    router.dispatch(sandbox.ctx, who, "help")
    after = observability.generate_latest().decode()
    for name, labels in [
        ("securemeet_zoom_calls_total", {"route": "POST /users/{userId}/meetings",
                                         "status": "201"}),
        ("securemeet_zoom_calls_total", {"route": "other", "status": "200"}),
        ("securemeet_commands_total", {"command": "help", "outcome": "ok"}),
    ]:
        assert value(after, name, **labels) - value(before, name, **labels) == 1, name
    assert "alice@example.com" not in after


def test_router_observers_see_every_dispatch(sandbox, monkeypatch):
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(router, "OBSERVERS", [lambda c, o, s: seen.append((c, o))])
    router.dispatch(sandbox.ctx, who, "help")
    router.dispatch(sandbox.ctx, who, "tomorrow 3pm for 30m Observed")
    router.dispatch(sandbox.ctx, who, "audit 1")  # no such meeting
    router.dispatch(sandbox.ctx, who, "x" * 600)
    assert seen == [("help", "ok"), ("schedule", "ok"), ("audit", "user_error"),
                    ("schedule", "user_error")]


def test_a_failing_observer_does_not_fail_the_command(sandbox, monkeypatch):
    def broken(command, outcome, seconds):
        raise RuntimeError("metrics down")

    monkeypatch.setattr(router, "OBSERVERS", [broken])
    assert not router.dispatch(sandbox.ctx, who, "help").error


@pytest.mark.parametrize(("token", "public", "header", "status"), [
    ("", False, None, 200),  # on loopback only: open, as before
    ("", True, None, 404),  # beyond loopback without a token: off, and says why
    ("s3cret-metrics", True, None, 401),
    ("s3cret-metrics", True, "Bearer wrong", 401),
    ("s3cret-metrics", True, "Bearer s3cret-metrics", 200),
    ("s3cret-metrics", False, None, 401),  # a token, once set, is always needed
])
def test_metrics_are_off_beyond_loopback_unless_behind_a_token(sandbox, token, public,
                                                              header, status):
    """Security finding 11: /metrics told anyone who could reach the server its traffic."""
    sandbox.config = sandbox.config.with_(metrics_token=token)
    with ServerThread(create_app(sandbox, public=public)) as server:
        headers = {"Authorization": header} if header else {}
        response = requests.get(server.url + "/metrics", headers=headers, timeout=5)
    assert response.status_code == status
    if status == 200:
        assert "securemeet_http_requests_total" in response.text
    elif status == 404:
        assert "SECUREMEET_METRICS_TOKEN" in response.json()["message"]
