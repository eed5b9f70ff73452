"""Zoom join links, recognised by their shape: ``https://<host>/j/<meeting ID>[?pwd=…]``.

A host is Zoom's when it is ``zoom.us``, ``zoom.com`` or ``zoomgov.com`` or one of
their subdomains (a company's vanity host, ``acme.zoom.us``), or when it is a host Zoom's
API itself returned in a ``join_url`` for this account (:func:`learnable`: SecureMeet
remembers those, so the built-in emulator's or a test fake's host counts too). The
same recognition serves ``audit <join link>`` and the leak guard (:mod:`commands.leaks`).

Paths: ``/j/<id>`` (join), ``/w/<id>`` (webinar-style join), ``/wc/join/<id>`` and
``/wc/<id>/join`` (the web client); a meeting ID is 9 to 12 digits. A ``pwd`` in the
query means the link carries the passcode: whoever sees it joins without typing one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

ZOOM_DOMAINS = ("zoom.us", "zoom.com", "zoomgov.com")
_PATHS = (re.compile(r"^/(?:j|w)/(\d{9,12})/?$"), re.compile(r"^/wc/join/(\d{9,12})/?$"),
          re.compile(r"^/wc/(\d{9,12})/join/?$"))
# A URL in chat text: bare, or Slack's <url> / <url|label>.
_URL = re.compile(r"https?://[^\s<>|\"']+", re.IGNORECASE)


@dataclass(frozen=True)
class JoinLink:
    url: str  # as posted (may carry the passcode: never shown back in public)
    host: str
    meeting_id: int
    has_passcode: bool

    @property
    def public_url(self) -> str:
        """The link without its query (no passcode)."""
        return self.url.split("?", 1)[0].split("#", 1)[0]


def is_zoom_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in ZOOM_DOMAINS)


def learnable(url: str) -> str:
    """The host of a ``join_url`` Zoom returned, when it is not one of Zoom's own
    domains (those are always recognised): worth remembering. ``""`` otherwise."""
    host = host_of(url)
    return host if host and not is_zoom_host(host) else ""


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def parse(url: str, hosts: Iterable[str] = ()) -> JoinLink | None:
    """``url`` as a join link, or None (another site, another path, not a URL)."""
    url = url.strip().strip("<>")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if not (is_zoom_host(host) or host in {h.lower() for h in hosts}):
        return None
    for path in _PATHS:
        match = path.match(parts.path)
        if match:
            query = parse_qs(parts.query, keep_blank_values=True)
            passcode = any(k.lower() == "pwd" and any(v) for k, v in query.items())
            return JoinLink(url, host, int(match.group(1)), passcode)
    return None


def find(text: str, hosts: Iterable[str] = ()) -> list[JoinLink]:
    """Every join link in ``text``, in order, each URL once."""
    hosts = frozenset(hosts)
    found: dict[str, JoinLink] = {}
    for match in _URL.finditer(text or ""):
        link = parse(match.group(0).rstrip(".,;:!?)"), hosts)
        if link is not None and link.url not in found:
            found[link.url] = link
    return list(found.values())
