"""The router over arbitrary text (hypothesis), in process against the Zoom emulator.

Whatever a user types, ``dispatch`` returns a reply — never raises, never shows a
traceback — and each outcome has its shape: a meeting, the help, or an error with a
correct example to copy. Nothing is half-created: every meeting in Zoom has its record.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import bootstrap
from bot.config import Config
from commands import router
from commands.context import Requester

who = Requester(user="console:host@example.com", platform="console", email="host@example.com",
                tz="Europe/London")
STARTS = ["tomorrow 3pm", "audit", "fix", "end", "stats", "help", "calendar", "every weekday",
          "next tue 10:30 for 1h", "in 2 hours", "Feb 30", "25:00", "/securemeet", "mine"]
texts = st.one_of(
    st.text(max_size=120),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(STARTS), st.text(max_size=60)),
    st.text(min_size=495, max_size=510),
)
TRACE = ("Traceback (most recent call last)", 'File "/', "Error: ", "Exception: ")


@pytest.fixture(scope="module")
def app(tmp_path_factory, zoom_server):
    from bot.zoom.client import ZoomClient

    client = ZoomClient(account_id=zoom_server.account_id, client_id=zoom_server.client_id,
                        client_secret=zoom_server.client_secret, api_url=zoom_server.api_url,
                        oauth_url=zoom_server.oauth_url)
    zoom_server.reset()
    services = bootstrap(Config(db_path=str(tmp_path_factory.mktemp("router") / "r.db")),
                     zoom=client)
    yield services
    services.close()
    client.close()
    zoom_server.reset()


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=texts)
def test_any_text_gets_a_meeting_the_help_or_an_error_with_an_example(app, zoom_server, text):
    reply = router.dispatch(app.ctx, who, text)
    shown = reply.plain_text()
    assert not any(mark in shown.replace(text.strip(), "") for mark in TRACE), shown
    made = any(f.label == "Passcode" for f in reply.facts)
    helped = any(f.label.startswith("/securemeet ") for f in reply.facts)
    refused = "Only SecureMeet admins" in shown or "can't" in shown  # who, not what
    if reply.error and not helped and not refused:  # bad input: what was wrong, an example
        assert "/securemeet " in shown or "Try:" in shown or "ref " in shown, shown
    if made:
        assert not reply.error and reply.private
    in_zoom = set(zoom_server.meetings)
    recorded = {m for m in in_zoom if app.store.get_meeting(m) is not None}
    assert in_zoom == recorded  # nothing half-created
