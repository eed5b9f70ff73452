"""Generated passcodes meet both CERT-In's and Zoom's rules, every time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import passcode

ZOOM_ALLOWED = re.compile(r"^[A-Za-z0-9@\-_*]{1,10}$")


@settings(max_examples=300)
@given(st.integers())
def test_generated_passcodes_are_strong_and_zoom_valid(_):
    code = passcode.generate()
    assert ZOOM_ALLOWED.match(code)
    assert len(code) == 10
    assert passcode.classes(code) >= 3
    assert passcode.judge(code).strong


def test_passcodes_are_fresh():
    codes = {passcode.generate() for _ in range(2000)}
    assert len(codes) == 2000


@given(st.text(max_size=40))
def test_judge_never_raises(text):
    verdict = passcode.judge(text)
    assert verdict.strong in (True, False)


@pytest.mark.parametrize(("code", "why"), [
    ("", "no passcode"),
    ("Ab1@", "only 4 characters"),
    ("abcdefghjk", "1 character class"),
    ("abcd1234", "2 character classes"),
    ("aaaaaaaB1@", "repeated"),
    ("xyz1234Q@a", "sequential"),
])
def test_weak_passcodes_are_flagged(code, why):
    verdict = passcode.judge(code)
    assert not verdict.strong
    assert any(w in verdict.reason for w in why.split(" or "))


def test_reuse_detected_through_keyed_fingerprint():
    code = passcode.generate()
    fp = passcode.fingerprint(code, key=b"k1")
    assert fp != passcode.fingerprint(code, key=b"k2")
    assert code not in fp
    assert "earlier" in passcode.judge(code, earlier={fp}, key=b"k1").reason
