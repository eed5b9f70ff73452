from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.errors import UserError
from commands.meeting_ref import format_meeting_id, parse_meeting_id


@pytest.mark.parametrize(("text", "expected"), [
    ("81234567890", 81234567890),
    ("812 3456 7890", 81234567890),
    ("812-3456-7890", 81234567890),
    ("https://zoom.us/j/81234567890?pwd=SECRETpwd123", 81234567890),
    ("<https://acme.zoom.us/j/81234567890?pwd=x>", 81234567890),
    ("zoom.us/j/912345678", 912345678),
    ("https://us02web.zoom.us/s/81234567890", 81234567890),
])
def test_ids_and_links(text, expected):
    assert parse_meeting_id(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "12", "https://example.com/j/81234567890",
                                  "1234567890123456"])
def test_not_an_id(text):
    with pytest.raises(UserError, match="Zoom meeting ID"):
        parse_meeting_id(text)


def test_error_never_echoes_the_link():
    with pytest.raises(UserError) as info:
        parse_meeting_id("https://evil.example/j/1?pwd=SECRETpwd")
    assert "SECRET" not in str(info.value)


@given(st.text(max_size=80))
def test_only_user_errors(text):
    try:
        parse_meeting_id(text)
    except UserError:
        pass


@pytest.mark.parametrize(("mid", "shown"), [(81234567890, "812 3456 7890"),
                                            (8123456789, "812 345 6789")])
def test_format(mid, shown):
    assert format_meeting_id(mid) == shown
