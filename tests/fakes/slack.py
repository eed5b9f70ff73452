"""A fake Slack on 127.0.0.1, and requests signed exactly as Slack signs them.

:class:`FakeSlack` is a threaded HTTP server (as Bolt's own ``mock_web_api_server``)
answering the Web API methods SecureMeet calls — ``auth.test``, ``users.info``,
``users.lookupByEmail``, ``chat.postMessage``, ``chat.postEphemeral``, ``chat.unfurl``,
``views.publish``, ``conversations.open``, ``conversations.info`` (from
:meth:`FakeSlack.add_channel`),
``files.getUploadURLExternal`` → upload URL → ``files.completeUploadExternal`` — and the
``response_url`` endpoints (``/response/<id>``). Everything that reaches it is
recorded; a test asserts on what arrived. ``fail(path, times, status=429)`` makes the
next calls to a path fail (429 with ``Retry-After``).

The signing helpers build slash-command form bodies, interactivity payloads and event
callbacks, and sign them: ``v0:{timestamp}:{body}`` HMAC-SHA256 with the signing
secret, in ``X-Slack-Signature`` / ``X-Slack-Request-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.fakes.local_http import LocalHTTPFake

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"  # Socket Mode's app-level token (apps.connections.open)
SIGNING_SECRET = "fake-signing-secret-0123456789abcdef"
TEAM_ID = "T0FAKE"


@dataclass
class Call:
    path: str
    method: str  # Web API method ("chat.postMessage") or "response" / "upload"
    headers: dict[str, str]
    data: dict[str, Any]  # query + form + JSON, merged
    raw: bytes
    at: float = field(default_factory=time.monotonic)


class FakeSlack(LocalHTTPFake):
    def __init__(self, *, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # conversations.info
        self.dm_override: dict[str, str] = {}  # user → what conversations.open answers
        self.calls: list[Call] = []
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self.socket_url = ""  # what apps.connections.open answers (tests/fakes/socket_mode.py)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    # set-up -------------------------------------------------------------------------------
    def add_user(self, user_id: str, *, email: str | None = None, tz: str = "UTC",
                 is_admin: bool = False, is_owner: bool = False, name: str = "",
                 is_bot: bool = False, is_restricted: bool = False,
                 team_id: str = TEAM_ID, deleted: bool = False) -> None:
        """A user; ``is_restricted`` is a guest, another ``team_id`` a Slack Connect
        user from another organisation (``is_stranger``, as Slack marks them)."""
        profile: dict[str, Any] = {"real_name": name or user_id, "display_name": name}
        if email is not None:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id, "team_id": team_id, "name": (name or user_id).lower(),
            "real_name": name or user_id, "deleted": deleted, "tz": tz, "tz_label": tz,
            "tz_offset": 0, "is_admin": is_admin, "is_owner": is_owner,
            "is_primary_owner": is_owner, "is_bot": is_bot, "profile": profile,
            "is_restricted": is_restricted, "is_ultra_restricted": False,
            "is_stranger": team_id != TEAM_ID,
        }

    def add_channel(self, channel_id: str, name: str, *, private: bool = False,
                    mpim: bool = False, shared: bool = False) -> None:
        """A conversation as ``conversations.info`` describes it."""
        self.channels[channel_id] = {
            "id": channel_id, "name": name, "is_channel": not (private or mpim),
            "is_group": private, "is_im": False, "is_mpim": mpim, "is_private": private or mpim,
            "is_ext_shared": shared, "is_shared": shared}

    def response_url(self, label: str = "") -> str:
        return f"{self.url}/response/{label or 'r'}-{next(self._ids)}"

    def fail(self, path: str, times: int = 1, *, status: int = 429, retry_after: str = "0") -> None:
        """The next ``times`` calls whose path contains ``path`` get ``status``."""
        with self._lock:
            self._failures.setdefault(path, []).extend([(status, retry_after)] * times)

    # what arrived -------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def responses(self, url: str) -> list[dict[str, Any]]:
        path = urlparse(url).path
        with self._lock:
            return [c.data for c in self.calls if c.path == path and c.method == "response"]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until ``predicate(self)`` is truthy; return its value (or raise)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the fake Slack did not receive what was expected")
                self._lock.wait(min(left, 0.05))

    def wait_for_response(self, url: str, count: int = 1, timeout: float = 10.0
                          ) -> list[dict[str, Any]]:
        return self.wait_for(lambda s: (r := s.responses(url)) and len(r) >= count and r,
                             timeout=timeout)

    def everything_sent(self) -> str:
        """Every byte that reached the fake, as text (for leak scans)."""
        with self._lock:
            return "\n".join(c.raw.decode(errors="replace") for c in self.calls)

    # answering ----------------------------------------------------------------------------
    def _record(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
            for key, queue in self._failures.items():
                if key in call.path and queue:
                    status, retry_after = queue.pop(0)
                    return status, {"Retry-After": retry_after}, json.dumps(
                        {"ok": False, "error": "ratelimited"}).encode()
        if call.method == "response":
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if call.method == "upload":
            return 200, {"Content-Type": "text/plain"}, f"OK - {len(call.raw)}".encode()
        if call.method == "apps.connections.open":  # Socket Mode: the app-level token
            if call.headers.get("authorization", "") != f"Bearer {APP_TOKEN}":
                return 200, {}, _json({"ok": False, "error": "invalid_auth"})
            return 200, {}, _json({"ok": True, "url": self.socket_url})
        if call.headers.get("authorization", "") != f"Bearer {self.token}":
            return 200, {}, _json({"ok": False, "error": "invalid_auth"})
        return 200, {}, _json(self._api(call))

    def _api(self, call: Call) -> dict[str, Any]:
        d = call.data
        method = call.method
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake",
                    "user": "securemeet", "team_id": TEAM_ID, "user_id": "UBOT",
                    "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "users.info":
            user = self.users.get(str(d.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False,
                                                            "error": "user_not_found"}
        if method == "users.lookupByEmail":
            email = str(d.get("email") or "").lower()
            found = [u for u in self.users.values()
                     if str(u["profile"].get("email") or "").lower() == email]
            return {"ok": True, "user": found[0]} if found else {"ok": False,
                                                                 "error": "users_not_found"}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            return {"ok": True, "channel": d.get("channel"), "ts": f"{time.time():.6f}",
                    "message_ts": f"{time.time():.6f}"}
        if method == "chat.unfurl":
            return {"ok": True}
        if method == "conversations.info":
            found = self.channels.get(str(d.get("channel")))
            return {"ok": True, "channel": found} if found else {
                "ok": False, "error": "channel_not_found"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1", "type": "home"}}
        if method == "conversations.open":
            users = str(d.get("users", "X"))
            return {"ok": True, "channel": {"id": self.dm_override.get(users, "D" + users)}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids)}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(str(d.get("files") or "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in files]}
        return {"ok": False, "error": "unknown_method"}


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeSlack
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        data: dict[str, Any] = {k: v[-1] for k, v in parse_qs(url.query).items()}
        ctype = self.headers.get("Content-Type", "")
        if raw and "json" in ctype:
            try:
                data.update(json.loads(raw))
            except ValueError:
                pass
        elif raw and "x-www-form-urlencoded" in ctype:
            data.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
        if url.path.startswith("/api/"):
            method = url.path[len("/api/"):]
        elif url.path.startswith("/response/"):
            method = "response"
        elif url.path.startswith("/upload/"):
            method = "upload"
        else:
            method = "unknown"
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, body = self.owner._record(Call(url.path, method, headers, data, raw))
        self.send_response(status)
        self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


FakeSlack.handler = _Handler


# signing and bodies -------------------------------------------------------------------------
def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret, ts, body)}


_triggers = itertools.count(1)


def slash_body(text: str, *, user_id: str, response_url: str, team_id: str = TEAM_ID,
               command: str = "/securemeet", channel_id: str = "C0GENERAL",
               trigger_id: str | None = None) -> str:
    return urlencode({
        "token": "deprecated-verification-token", "team_id": team_id,
        "team_domain": "fake", "channel_id": channel_id, "channel_name": "general",
        "user_id": user_id, "user_name": user_id.lower(), "command": command, "text": text,
        "api_app_id": "A0SECUREMEET", "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{next(_triggers)}.{int(time.time())}.abcdef",
    })


def action_body(*, user_id: str, action_id: str, value: str, response_url: str | None,
                team_id: str = TEAM_ID, container: str = "message") -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(),
                 "team_id": team_id},
        "api_app_id": "A0SECUREMEET", "token": "deprecated-verification-token",
        "container": ({"type": "message", "message_ts": "1.2", "channel_id": "C0GENERAL",
                       "is_ephemeral": True} if container == "message"
                      else {"type": "view", "view_id": "V1"}),
        "trigger_id": f"{next(_triggers)}.{int(time.time())}.abcdef",
        "team": {"id": team_id, "domain": "fake"},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value,
                     "type": "button", "action_ts": f"{time.time():.6f}",
                     "text": {"type": "plain_text", "text": "x"}}],
    }
    if response_url:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, team_id: str = TEAM_ID,
               event_id: str | None = None) -> str:
    return json.dumps({
        "token": "deprecated-verification-token", "team_id": team_id,
        "api_app_id": "A0SECUREMEET", "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{next(_triggers)}", "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
    })


def link_shared(urls: list[str], *, user_id: str, channel: str = "C0GENERAL",
                source: str = "conversations_history", member: bool = True) -> dict[str, Any]:
    """A ``link_shared`` event as Slack sends it for links on the app's unfurl domains."""
    ts = f"{time.time():.6f}"
    return {"type": "link_shared", "channel": channel, "is_bot_user_member": member,
            "user": user_id, "message_ts": ts, "event_ts": ts, "source": source,
            "unfurl_id": f"{channel}.{ts}.abc",
            "links": [{"domain": url.split("/")[2], "url": url} for url in urls]}
