"""Zoom's webhook signature and URL validation (research/zoom.md §4).

Every request Zoom sends carries ``x-zm-request-timestamp`` (Unix seconds) and
``x-zm-signature`` = ``"v0=" + hex(HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}"))``.
The raw bytes are signed: re-serialised JSON would not match. The comparison is
timing-safe, and a timestamp more than :data:`TOLERANCE` seconds away from our clock
(either way) is refused, so a captured request cannot be replayed later.

``endpoint.url_validation`` (Zoom checks the endpoint when it is saved, and every 72
hours) is answered with ``{"plainToken": p, "encryptedToken": hex(HMAC-SHA256(secret, p))}``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

TOLERANCE = 300  # seconds: 5 minutes, as Slack's and Zoom's samples use
VERSION = "v0"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    error: str = ""  # missing_signature | stale_timestamp | invalid_signature
    message: str = ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``x-zm-signature`` Zoom sends for ``body`` at ``timestamp``."""
    message = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encrypted_token(secret: str, plain_token: str) -> str:
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float) -> Verdict:
    """Check a request's signature and age. ``headers`` are looked up in lower case."""
    timestamp = (headers.get("x-zm-request-timestamp") or "").strip()
    signature = (headers.get("x-zm-signature") or "").strip()
    if not timestamp or not signature:
        return Verdict(False, "missing_signature",
                       "x-zm-signature and x-zm-request-timestamp are required.")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
        return Verdict(False, "stale_timestamp", "x-zm-request-timestamp is not a time.")
    seconds = int(timestamp)
    if seconds > 10**11:  # milliseconds, should Zoom ever send them
        seconds //= 1000
    if abs(now - seconds) > TOLERANCE:
        return Verdict(False, "stale_timestamp",
                       "The request is older (or newer) than 5 minutes.")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode(errors="replace")):
        return Verdict(False, "invalid_signature", "The signature does not match.")
    return Verdict(True)
