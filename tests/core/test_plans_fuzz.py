"""``move`` and ``cancel`` over arbitrary argument text (hypothesis), against the emulator.

Whatever follows the command word: a reply, never a traceback. A stranger never changes
anything. The host changes a meeting only when the reply says so (moved / cancelled),
and every error says what works.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.zoom.client import ZoomClient
from tests.core.plans_kit import held, host, made_in_zoom, say, stranger

TRACE = ("Traceback (most recent call last)", 'File "/', "Error: ", "Exception: ")
WORDS = ["to", "confirm", "occurrence", "next", "series", "all", "tomorrow", "3pm", "for",
         "45m", "yesterday", "every", "monday", "123", "4567", "8901", "https://zoom.us/j/",
         "<", ">", "|", "yes", "in", "2", "days", "10:30", "ago", "-", "…", "\u00a0",
         "to tomorrow 3pm", "to in 3 days 10:30 for 1h", "series confirm", "next confirm",
         "to yesterday 3pm"]


@pytest.fixture(scope="module")
def world(tmp_path_factory, zoom_server):
    client = ZoomClient(account_id=zoom_server.account_id, client_id=zoom_server.client_id,
                        client_secret=zoom_server.client_secret, api_url=zoom_server.api_url,
                        oauth_url=zoom_server.oauth_url)
    zoom_server.reset()
    services = bootstrap(Config(db_path=str(tmp_path_factory.mktemp("fuzz") / "f.db")),
                     zoom=client)
    ids = [made_in_zoom(client, days=3), made_in_zoom(client, recurring=True, days=2)]
    yield services, client, ids
    services.close()
    client.close()
    zoom_server.reset()


ONE, SERIES = "<single>", "<weekly>"  # stand for the two meetings' IDs


def argument_text() -> st.SearchStrategy[str]:
    """Random text; or a meeting ID followed by words of the grammar (sometimes with
    random text among them), so that many examples reach the meeting itself."""
    idish = st.sampled_from([ONE, SERIES, ONE, SERIES, "98765432101", ""])
    known = st.lists(st.sampled_from(WORDS), max_size=6)
    mixed = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=6)
    structured = st.builds(lambda i, part, w: " ".join([i, part, *w]), idish,
                           st.sampled_from(["to", "next to", "series to", "occurrence 1 to",
                                            "", "next", "series", "confirm"]), known)
    return st.one_of(
        st.text(max_size=80),
        st.builds(lambda i, w: " ".join([i, *w]), idish, known),
        st.builds(lambda i, w: " ".join([i, *w]), idish, mixed),
        structured, structured, structured,
        st.text(min_size=480, max_size=520),
    )


def with_ids(text: str, ids: list[int]) -> str:
    return text.replace(ONE, str(ids[0])).replace(SERIES, str(ids[1]))


FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(verb=st.sampled_from(["move", "cancel", "reschedule", "delete"]), text=argument_text())
@example(verb="move", text=f"{ONE} to tomorrow 3pm")
@example(verb="cancel", text=f"{ONE} confirm")
@example(verb="delete", text=f"{SERIES} series confirm")
def test_a_stranger_never_changes_anything_and_never_sees_a_traceback(world, zoom_server, verb,
                                                                      text):
    app, _, ids = world
    text = with_ids(text, ids)
    before = held(zoom_server)
    reply = say(app, stranger, f"{verb} {text}")
    shown = reply.plain_text()
    assert not any(mark in shown.replace(text.strip(), "") for mark in TRACE), shown
    assert held(zoom_server) == before
    assert not reply.notices and "Something went wrong" not in shown


@FUZZ
@given(verb=st.sampled_from(["move", "cancel"]), text=argument_text())
@example(verb="move", text=f"{ONE} to tomorrow 3pm")
@example(verb="move", text=f"{SERIES} next to in 3 days 10:30 for 1h")
@example(verb="move", text=f"{ONE} to yesterday 3pm")
@example(verb="cancel", text=f"{SERIES} next confirm")
@example(verb="cancel", text=f"{ONE} confirm")
@example(verb="cancel", text=f"{ONE} confirm")
def test_the_host_changes_a_meeting_only_when_the_reply_says_so(world, zoom_server, verb, text):
    app, client, ids = world
    for n, meeting_id in enumerate(ids):  # what an earlier example cancelled is made anew
        if meeting_id not in zoom_server.meetings:
            ids[n] = made_in_zoom(client, recurring=n == 1, days=2 + n)
    text = with_ids(text, ids)
    before = held(zoom_server)
    reply = say(app, host, f"{verb} {text}")
    shown = reply.plain_text()
    assert not any(mark in shown.replace(text.strip(), "") for mark in TRACE), shown
    said_so = reply.title.startswith(("📅 Moved", "🗑 Cancelled")) and not reply.error
    assert (held(zoom_server) != before) == said_so, shown
    assert "Something went wrong" not in shown, shown
    if reply.error:
        assert "Try:" in shown, shown  # what was wrong, and what works
