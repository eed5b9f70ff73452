"""The last line of defence: secrets scrubbed from every log line, in every spelling."""

from __future__ import annotations

import io
import logging

import pytest
import requests

from bot import logs
from bot.logs import redact

SECRET = "Xy7-Sekr3t"


@pytest.mark.parametrize("line", [
    f"https://zoom.us/j/123?pwd={SECRET}",
    f"https://zoom.us/j/123?x=1&pwd={SECRET}&y=2",
    f"text=https%3A%2F%2Fzoom.us%2Fj%2F123%3Fpwd%3D{SECRET}%26x%3D1",  # a form body
    f"text=join%20https%3A%2F%2Fzoom.us%2Fj%2F1%26pwd%3D{SECRET}",
    "{\"text\": \"https:\\/\\/zoom.us\\/j\\/1\\u003fpwd\\u003d" + SECRET + "\"}",  # JSON
    "{\"u\": \"x\\u0026pwd\\u003d" + SECRET + "\"}",
    f"Authorization: Bearer {SECRET}",
    f'{{"password": "{SECRET}"}}',
    f"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F9%2F{SECRET}&x=1",
    f"posting to https://hooks.slack.com/commands/T1/9/{SECRET}",
    f"start_url={SECRET}",
    f"zak={SECRET}",
])
def test_every_spelling_of_a_secret_is_scrubbed(line):
    assert SECRET not in redact(line), redact(line)


def test_the_rest_of_the_line_is_kept():
    assert redact("meeting 123 4567 8901 audited: 7 of 8 rules") == \
        "meeting 123 4567 8901 audited: 7 of 8 rules"
    assert redact("https://zoom.us/j/123?pwd=abc").startswith("https://zoom.us/j/123?pwd=")


def test_a_refused_slack_request_leaves_no_body_in_the_log(tmp_path, monkeypatch):
    """Security finding 8: when Bolt refused a bad signature it logged the whole body at
    INFO, with the response_url and a percent-encoded ?pwd=. Its loggers now say only
    warnings, and the handler scrubs what gets through."""
    from urllib.parse import urlencode

    from bot.bootstrap import bootstrap
    from bot.config import Config
    from bot.server import create_app
    from tests.fakes.asgi_thread import ServerThread
    from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlack

    out = io.StringIO()
    logs.setup("DEBUG", stream=out)
    try:
        with FakeSlack() as slack:
            config = Config.from_env({
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url, "SECUREMEET_DB": str(tmp_path / "l.db")})
            services = bootstrap(config, zoom=object())  # type: ignore[arg-type]
            body = urlencode({"command": "/securemeet", "team_id": TEAM_ID, "user_id": "U1",
                              "text": f"audit https://zoom.us/j/123?pwd={SECRET}",
                              "response_url": f"https://hooks.slack.com/commands/T/1/{SECRET}",
                              "trigger_id": "1.2.3"})
            with ServerThread(create_app(services)) as server:
                refused = requests.post(server.url + "/slack/events", data=body, timeout=5,
                                        headers={"x-slack-signature": "v0=" + "0" * 64,
                                                 "x-slack-request-timestamp": "1",
                                                 "content-type":
                                                 "application/x-www-form-urlencoded"})
                assert refused.status_code == 401
            services.close()
    finally:
        logging.getLogger().handlers.clear()
    written = out.getvalue()
    assert "/slack/events" in written  # the request was logged, its body was not
    assert SECRET not in written and "Invalid request signature" not in written
