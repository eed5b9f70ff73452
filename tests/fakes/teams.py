"""A fake Microsoft Teams on 127.0.0.1: the Bot Connector API and a token issuer.

:class:`FakeTeams` is a threaded HTTP server standing in for the two services a Teams
bot talks to, so the real SDK can be pointed at it:

- the Bot Connector service at the activity's ``serviceUrl``:
  ``POST /v3/conversations/{id}/activities[/{replyTo}]`` (what the bot says, recorded),
  ``POST /v3/conversations`` (the bot opens a 1:1 chat; answers ``a:personal-<user>``),
  ``GET /v3/conversations/{id}/members/{member}`` (the member API, from :attr:`members`);
- Bot Framework's OpenID metadata and signing keys (``/v1/.well-known/openidconfiguration``
  and ``/v1/.well-known/keys``), with a freshly generated RSA key: :meth:`token` signs
  tokens exactly as the Bot Framework does (RS256, ``kid``, issuer, audience = app id,
  ``serviceurl`` claim). :meth:`cloud` is a ``CloudEnvironment`` whose metadata URL is
  this server, which is how the SDK's own validator is made to trust it.

:func:`activity` builds the activities Teams posts: a 1:1 or channel message (with an
@mention and a ``clientInfo`` time zone), an ``Action.Execute`` invoke, an
``Action.Submit`` message, an installation update.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.local_http import LocalHTTPFake

APP_ID = "00000000-1111-2222-3333-444444444444"
BOT_ID = f"28:{APP_ID}"
TENANT = "72f988bf-0000-0000-0000-000000000001"
ISSUER = "https://api.botframework.com"
KID = "fake-kid-1"


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)

    @property
    def conversation(self) -> str:
        parts = self.path.split("/")
        return parts[3] if len(parts) > 3 else ""


class FakeTeams(LocalHTTPFake):
    def __init__(self) -> None:
        self.members: dict[str, dict[str, Any]] = {}  # "29:…" → TeamsChannelAccount JSON
        self.calls: list[Call] = []
        self.fail_member_lookups = False
        self.fail_create_conversation = False
        self.throttle: list[tuple[int, str]] = []  # next sends answered (status, Retry-After)
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def service_url(self) -> str:
        return self.url + "/"

    # people ----------------------------------------------------------------------------
    def add_member(self, member_id: str, *, aad: str, name: str, email: str = "",
                   upn: str = "") -> None:
        self.members[member_id] = {
            "id": member_id, "name": name, "aadObjectId": aad, "email": email or None,
            "userPrincipalName": upn or email or None, "tenantId": TENANT,
            "userRole": "user"}

    # what the bot did --------------------------------------------------------------------
    def sent(self, conversation: str | None = None) -> list[dict[str, Any]]:
        """Message activities the bot posted (typing indicators left out)."""
        with self._cond:
            calls = [c for c in self.calls
                     if c.method == "POST" and "/activities" in c.path
                     and isinstance(c.body, dict) and c.body.get("type") == "message"]
        if conversation is not None:  # a channel thread "19:…;messageid=…" is its channel
            calls = [c for c in calls if c.conversation.split(";")[0] == conversation]
        return [c.body for c in calls]

    def wait_sent(self, count: int, *, conversation: str | None = None,
                  timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sent(conversation)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s), got "
                                         f"{self.sent(conversation)!r}")
                self._cond.wait(left)
            return self.sent(conversation)

    def opened(self) -> list[Call]:
        """The 1:1 conversations the bot asked to create (``POST /v3/conversations``)."""
        with self._cond:
            return [c for c in self.calls if c.method == "POST" and c.path == "/v3/conversations"]

    def requests(self, method: str, part: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and part in c.path]

    def record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def next_id(self) -> str:
        return f"activity-{next(self._ids)}"

    # tokens --------------------------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        public.update({"kid": KID, "use": "sig", "alg": "RS256"})
        return {"keys": [public]}

    def token(self, *, audience: str = APP_ID, service_url: str | None = None,
              issuer: str = ISSUER, expires_in: int = 3600, kid: str = KID,
              key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "iat": now - 5, "nbf": now - 5,
                   "exp": now + expires_in,
                   "serviceurl": self.service_url if service_url is None else service_url,
                   **claims}
        return jwt.encode(payload, key or self._key, algorithm="RS256", headers={"kid": kid})

    def cloud(self) -> Any:
        from microsoft_teams.api.auth.cloud_environment import PUBLIC

        return PUBLIC.__class__(**{**PUBLIC.__dict__,
                                   "openid_metadata_url":
                                   self.url + "/v1/.well-known/openidconfiguration"})


class _Handler(BaseHTTPRequestHandler):
    owner: FakeTeams
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _call(self) -> Call:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        path = unquote(urlparse(self.path).path)
        call = Call(self.command, path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.owner.record(call)
        return call

    def do_GET(self) -> None:  # noqa: N802
        call = self._call()
        fake = self.owner
        if call.path == "/v1/.well-known/openidconfiguration":
            self._reply(200, {"issuer": ISSUER, "jwks_uri": fake.url + "/v1/.well-known/keys",
                              "id_token_signing_alg_values_supported": ["RS256"]})
        elif call.path == "/v1/.well-known/keys":
            self._reply(200, fake.jwks())
        elif "/members/" in call.path:
            member = call.path.rsplit("/members/", 1)[1]
            if fake.fail_member_lookups:
                self._reply(503, {"error": {"code": "ServiceUnavailable"}})
            elif member in fake.members:
                self._reply(200, fake.members[member])
            else:
                self._reply(404, {"error": {"code": "MemberNotFoundInConversation"}})
        else:
            self._reply(404, {"error": {"code": "NotFound"}})

    def do_POST(self) -> None:  # noqa: N802
        call = self._call()
        fake = self.owner
        if call.path == "/v3/conversations":
            if fake.fail_create_conversation:
                self._reply(403, {"error": {"code": "BotNotInConversationRoster"}})
                return
            members = (call.body or {}).get("members") or [{}]
            self._reply(201, {"id": f"a:personal-{members[0].get('id', '')}"})
        elif call.path.startswith("/v3/conversations/") and "/activities" in call.path:
            if fake.throttle and (call.body or {}).get("type") == "message":
                status, retry_after = fake.throttle.pop(0)
                self._reply(status, {"error": {"code": "Throttled"}},
                            headers={"Retry-After": retry_after} if retry_after else None)
                return
            self._reply(201, {"id": fake.next_id()})
        else:
            self._reply(404, {"error": {"code": "NotFound"}})

    def do_PUT(self) -> None:  # noqa: N802
        self._call()
        self._reply(200, {"id": self.owner.next_id()})


FakeTeams.handler = _Handler


# activities ---------------------------------------------------------------------------
_activity_ids = itertools.count(1_700_000_000_001)


@dataclass(frozen=True)
class User:
    member_id: str
    aad: str
    name: str
    email: str


ASHA = User("29:1asha", "aad-asha-0001", "Asha Rao", "asha@example.com")
BEN = User("29:1ben", "aad-ben-0002", "Ben Okafor", "ben@example.com")
CHANNEL = "19:general@thread.tacv2"
TEAM = "19:team@thread.tacv2"
GROUP_CHAT = "19:group-chat@thread.v2"


def personal_id(user: User) -> str:
    return f"a:personal-{user.member_id}"


def activity(text: str = "", *, user: User = ASHA, where: str = "personal",
             service_url: str, tz: str | None = "Asia/Kolkata", mention: bool = False,
             value: Any = None, kind: str = "message", name: str | None = None,
             tenant: str = TENANT, **extra: Any) -> dict[str, Any]:
    """An activity as Teams posts it to the bot. ``where``: personal | channel | groupChat."""
    activity_id = str(next(_activity_ids))
    if where == "channel":
        conversation = {"isGroup": True, "conversationType": "channel", "tenantId": tenant,
                        "id": f"{CHANNEL};messageid={activity_id}"}
        channel_data: dict[str, Any] = {"teamsChannelId": CHANNEL, "teamsTeamId": TEAM,
                                        "channel": {"id": CHANNEL}, "team": {"id": TEAM},
                                        "tenant": {"id": tenant}}
    elif where == "groupChat":
        conversation = {"isGroup": True, "conversationType": "groupChat", "tenantId": tenant,
                        "id": GROUP_CHAT}
        channel_data = {"tenant": {"id": tenant}}
    else:
        conversation = {"conversationType": "personal", "tenantId": tenant,
                        "id": personal_id(user)}
        channel_data = {"tenant": {"id": tenant}}
    entities: list[dict[str, Any]] = []
    if mention:
        text = f"<at>SecureMeet</at> {text}"
        entities.append({"type": "mention", "text": "<at>SecureMeet</at>",
                         "mentioned": {"id": BOT_ID, "name": "SecureMeet"}})
    if tz:
        entities.append({"type": "clientInfo", "locale": "en-US", "country": "IN",
                         "platform": "Web", "timezone": tz})
    body: dict[str, Any] = {
        "type": kind, "id": activity_id, "timestamp": "2026-11-29T05:00:00.000Z",
        "serviceUrl": service_url, "channelId": "msteams",
        "from": {"id": user.member_id, "name": user.name, "aadObjectId": user.aad},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "SecureMeet"},
        "entities": entities, "channelData": channel_data, "locale": "en-US",
    }
    if kind == "message":
        body["textFormat"] = "plain"
        body["text"] = text
    if value is not None:
        body["value"] = value
    if name is not None:
        body["name"] = name
    body.update(extra)
    return body


def execute(action: str, value: str, **kw: Any) -> dict[str, Any]:
    """An ``Action.Execute`` press: an ``adaptiveCard/action`` invoke."""
    data = {"action": action, "value": value}
    return activity(kind="invoke", name="adaptiveCard/action",
                    value={"action": {"type": "Action.Execute", "verb": action, "data": data},
                           "trigger": "manual"}, **kw)


def submit(action: str, value: str, **kw: Any) -> dict[str, Any]:
    """An ``Action.Submit`` press (older clients): a message whose value is the data."""
    return activity("", value={"action": action, "value": value}, **kw)
