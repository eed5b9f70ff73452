"""Join links: recognised by shape on Zoom's domains and on hosts Zoom gave this account.

The built-in emulator answers ``join_url`` on zoom.us; a Zoom account with a host of its
own (or a test fake) answers elsewhere. :class:`ElsewhereZoom` is the real client with
every ``join_url`` moved to another host, as such an account would give them: after
SecureMeet has read one meeting there, links on that host are recognised everywhere
(``audit <link>``, the leak guard).
"""

from __future__ import annotations

from typing import Any

import pytest

from commands import links, router
from commands.leaks import Place, inspect_link
from commands.records import Event
from tests.core.plans_kit import host, stranger

OWN = "meet.example.test"


@pytest.mark.parametrize(("url", "meeting_id", "passcode"), [
    ("https://zoom.us/j/81234567890", 81234567890, False),
    ("https://zoom.us/j/81234567890?pwd=abc.1", 81234567890, True),
    ("https://acme.zoom.us/j/812345678?from=addon&pwd=x", 812345678, True),
    ("http://us02web.zoom.com/w/812345678901", 812345678901, False),
    ("https://zoom.us/wc/join/81234567890", 81234567890, False),
    ("https://zoom.us/wc/81234567890/join?pwd=z", 81234567890, True),
    ("https://zoomgov.com/j/1612345678", 1612345678, False),
])
def test_join_links_on_zoom_domains(url, meeting_id, passcode):
    link = links.parse(url)
    assert link is not None and (link.meeting_id, link.has_passcode) == (meeting_id, passcode)
    assert "pwd" not in link.public_url


@pytest.mark.parametrize("url", [
    "https://zoom.us.evil.test/j/81234567890", "https://evilzoom.us/j/81234567890",
    "https://zoom.us/s/81234567890?zak=x", "https://zoom.us/j/123", "ftp://zoom.us/j/81234567890",
    "https://meet.example.test/j/81234567890", "https://zoom.us/j/81234567890/extra", "zoom",
])
def test_not_join_links(url):
    assert links.parse(url) is None


def test_a_learned_host_is_recognised():
    assert links.parse("https://meet.example.test/j/81234567890", {OWN}) is not None
    assert links.learnable("https://acme.zoom.us/j/1") == ""
    assert links.learnable("https://Meet.Example.test/j/81234567890?pwd=1") == OWN
    found = links.find("see <https://zoom.us/j/81234567890?pwd=a|this> and "
                       "https://zoom.us/j/81234567890?pwd=a, https://example.com/j/1", ())
    assert [f.meeting_id for f in found] == [81234567890]


class ElsewhereZoom:
    """The real Zoom client, with every join_url on another host."""

    def __init__(self, zoom: Any) -> None:
        self.zoom = zoom

    def _moved(self, meeting: Any) -> Any:
        if isinstance(meeting, dict) and meeting.get("join_url"):
            meeting = {**meeting, "join_url": str(meeting["join_url"]).replace(
                "https://zoom.us/", f"https://{OWN}/")}
        return meeting

    def create_meeting(self, *args: Any, **kwargs: Any) -> Any:
        return self._moved(self.zoom.create_meeting(*args, **kwargs))

    def get_meeting(self, *args: Any, **kwargs: Any) -> Any:
        return self._moved(self.zoom.get_meeting(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.zoom, name)


@pytest.fixture
def elsewhere(make_app, zoom_client):
    from dataclasses import replace

    app = make_app()
    app.ctx = replace(app.ctx, zoom=ElsewhereZoom(zoom_client))
    return app


def test_a_host_zoom_returned_is_learned_then_audit_and_the_guard_know_it(elsewhere, zoom):
    reply = router.dispatch(elsewhere.ctx, host, "tomorrow 3pm for 30m Own host")
    link = next(f.value for f in reply.facts if f.label == "Join link")
    assert link.startswith(f"https://{OWN}/j/") and "pwd=" in link
    assert elsewhere.store.join_hosts() == {OWN}
    audited = router.dispatch(elsewhere.ctx, host, f"audit {link}")
    assert audited.title == "🔍 Audit: Own host"
    parsed = links.parse(link, elsewhere.store.join_hosts())
    report = inspect_link(elsewhere.ctx, parsed, stranger, Place("public", "#general"),
                          platform="slack")
    assert report is not None and report.warning is not None
    assert report.warning.actions == ()  # a stranger gets no Rotate button
    assert [n.to for n in report.notices] == ["host@example.com"]
    assert "#general" in report.notices[0].reply.text
    leaks: list[Event] = elsewhere.store.events(kinds=("leak",))
    assert [e.data for e in leaks] == [{"channel_type": "public"}]
    mine = inspect_link(elsewhere.ctx, parsed, host, Place("dm"), platform="slack")
    assert mine is not None and mine.warning is None and mine.notices == ()
    assert len(elsewhere.store.events(kinds=("leak",))) == 1
