"""The emulator's in-memory Zoom account: users, meetings, tokens, locks, faults, log.

Every public method takes one lock, so the HTTP handlers (on uvicorn's event loop) and
test code (in other threads) can use it at once. API methods raise
:class:`~bot.zoom_emulator.meetings.ApiError` the way Zoom answers.
"""

from __future__ import annotations

import base64
import copy
import math
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.zoom_emulator import meetings as mtg
from bot.zoom_emulator.limits import RateLimiter
from bot.zoom_emulator.meetings import ApiError, invalid
from bot.zoom_emulator.settings import (
    ALIASES,
    SCOPES,
    USER_SETTINGS_DEFAULTS,
    deep_merge,
    dig,
    leaves,
    lock_flags,
    put,
)

DAILY_LIMIT = 100  # creates per host per day, updates per meeting per day (zoom.md §5)
LIST_KINDS = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
_PAGE_TOKEN_TTL = 15 * 60.0


@dataclass
class User:
    id: str
    email: str
    pmi: int
    type: int
    timezone: str
    can_schedule: bool
    first_name: str
    last_name: str
    created_at: str
    settings: dict[str, Any]
    creates: dict[str, int] = field(default_factory=dict)  # UTC day -> creates


@dataclass
class Meeting:
    data: dict[str, Any]  # Zoom's JSON, without start_url (minted on every read)
    host: str  # the host's email, lower-case
    ended_by_api: bool = False
    updates: dict[str, int] = field(default_factory=dict)  # UTC day -> updates


@dataclass
class Failure:
    """An injected failure: the next ``remaining`` matching requests get ``status``."""

    remaining: int
    status: int = 503
    retry_after: str | None = None
    code: int | None = None
    message: str | None = None
    path_contains: str | None = None
    method: str | None = None
    after: bool = False  # process the request first, then fail the reply
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path_contains is None:
            return path.startswith("/v2/")  # by default the API, never the token endpoint
        return self.path_contains in path

    def error(self) -> ApiError:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return ApiError(self.status, self.code or self.status,
                        self.message or _DEFAULT_MESSAGES.get(self.status, "Injected failure."),
                        headers=headers)


@dataclass
class Delay:
    """An injected slow answer: the next ``remaining`` matching requests wait ``seconds``
    more, then are handled as usual (Zoom acts, the answer comes late)."""

    remaining: int
    seconds: float
    path_contains: str | None = None
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return Failure(0, path_contains=self.path_contains, method=self.method).matches(
            method, path)


_DEFAULT_MESSAGES = {
    429: "You have reached the maximum per-second rate limit for this API. Try again later.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable.",
    504: "Gateway timeout.",
}


class ZoomState:
    def __init__(self, *, account_id: str, client_id: str, client_secret: str,
                 token_ttl: int, auto_users: bool, latency: float,
                 clock: Callable[[], datetime], seed: int | None,
                 daily_limit: int = DAILY_LIMIT, limits: str | None = None) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.auto_users = auto_users
        self.latency = latency
        self.daily_limit = daily_limit
        self._initial = (token_ttl, auto_users, latency, daily_limit)
        self._initial_limits = limits
        self.limiter = RateLimiter(limits)  # Zoom's per-second limits, when asked
        self._clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self.epoch = 0  # bumped by reset(): requests in flight across a reset are dropped
        self._clear()

    def _clear(self) -> None:
        self.users: dict[str, User] = {}
        self.meeting_store: dict[int, Meeting] = {}
        self.deleted: dict[int, Meeting] = {}
        self.locks: dict[str, Any] = {}
        self.tokens: dict[str, float] = {}
        self.failures: list[Failure] = []
        self.delays: list[Delay] = []
        self.log: list[tuple[str, str, int]] = []
        self.page_tokens: dict[str, tuple[str, str, int, float]] = {}
        self.token_requests = 0

    # --- persistence (sandbox mode keeps Zoom's side between runs) -----------------
    def snapshot(self) -> dict[str, Any]:
        """What a Zoom account holds: users, meetings (deleted ones too), locks."""
        with self._lock:
            return copy.deepcopy({
                "users": {k: asdict(u) for k, u in self.users.items()},
                "meetings": {str(k): asdict(m) for k, m in self.meeting_store.items()},
                "deleted": {str(k): asdict(m) for k, m in self.deleted.items()},
                "locks": self.locks})

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        with self._lock:
            self.users = {k: User(**u) for k, u in snapshot.get("users", {}).items()}
            self.meeting_store = {int(k): Meeting(**m)
                                  for k, m in snapshot.get("meetings", {}).items()}
            self.deleted = {int(k): Meeting(**m) for k, m in snapshot.get("deleted", {}).items()}
            self.locks = dict(snapshot.get("locks", {}))

    def reset(self) -> None:
        with self._lock:
            self._clear()
            self.token_ttl, self.auto_users, self.latency, self.daily_limit = self._initial
            self.limiter.set_plan(self._initial_limits)
            self.epoch += 1

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def _today(self) -> str:
        return self.now().date().isoformat()

    # --- OAuth -------------------------------------------------------------------

    def issue_token(self, authorization: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        with self._lock:
            self.token_requests += 1
            if _basic(authorization) != (self.client_id, self.client_secret) or \
                    form.get("account_id") != self.account_id:
                raise ApiError(401, 401, "Invalid client_id or client_secret", body={
                    "reason": "Invalid client_id or client_secret", "error": "invalid_client"})
            if form.get("grant_type") != "account_credentials":
                raise ApiError(400, 400, "unsupported grant type", body={
                    "reason": "unsupported grant type", "error": "unsupported_grant_type"})
            token = secrets.token_urlsafe(32)
            self.tokens[token] = time.monotonic() + self.token_ttl
            return {"access_token": token, "token_type": "bearer",
                    "expires_in": self.token_ttl, "scope": SCOPES}

    def check_token(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            expires = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if expires is None or expires <= time.monotonic():
                raise ApiError(401, 124, "Invalid access token.")

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    # --- users and settings ------------------------------------------------------

    def add_user(self, email: str, *, pmi: int | None = None, can_schedule: bool = True,
                 timezone: str = "UTC", user_type: int = 2, first_name: str = "",
                 last_name: str = "", settings: Mapping[str, Any] | None = None) -> dict:
        with self._lock:
            key = email.strip().lower()
            if key in self.users:
                raise ValueError(f"user {email} exists")
            if pmi is not None and (pmi in self.meeting_store or any(
                    u.pmi == pmi for u in self.users.values())):
                raise ValueError(f"PMI {pmi} is taken")
            user = User(
                id=base64.urlsafe_b64encode(self._rng.randbytes(16)).decode().rstrip("="),
                email=email.strip(), pmi=pmi if pmi is not None else self._new_pmi(),
                type=user_type, timezone=timezone, can_schedule=can_schedule,
                first_name=first_name or key.split("@")[0].split(".")[0].title(),
                last_name=last_name, created_at=mtg.zulu(self.now()),
                settings=copy.deepcopy(USER_SETTINGS_DEFAULTS),
            )
            if settings:
                _merge_settings(user.settings, settings)
            self.users[key] = user
            return self._user_json(user)

    def _user(self, ref: str) -> User:
        key = ref.strip().lower()
        user = self.users.get(key) or next(
            (u for u in self.users.values() if u.id == ref), None)
        if user is None and self.auto_users and "@" in key:
            self.add_user(ref)
            user = self.users[key]
        if user is None:
            raise ApiError(404, 1001, f"User does not exist: {ref}.")
        return user

    def get_user(self, ref: str) -> dict[str, Any]:
        with self._lock:
            return self._user_json(self._user(ref))

    def _user_json(self, user: User) -> dict[str, Any]:
        return {
            "id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "display_name": f"{user.first_name} {user.last_name}".strip(),
            "email": user.email, "type": user.type, "role_name": "Member",
            "pmi": user.pmi, "use_pmi": False,
            "personal_meeting_url": f"https://zoom.us/j/{user.pmi}",
            "timezone": user.timezone, "verified": 1, "dept": "",
            "created_at": user.created_at, "last_login_time": user.created_at,
            "language": "en-US", "status": "active", "account_id": self.account_id,
        }

    def effective_settings(self, user: User) -> dict[str, Any]:
        """The user's settings as Zoom reports them: account locks win."""
        out = copy.deepcopy(user.settings)
        for path, value in self.locks.items():
            put(out, path, value)
        return out

    def user_settings(self, ref: str, option: str | None) -> dict[str, Any]:
        with self._lock:
            settings = self.effective_settings(self._user(ref))
            if option == "meeting_security":
                return {"meeting_security": settings["meeting_security"]}
            if option:
                raise invalid(f"Invalid field: option ({option}).")
            settings.pop("meeting_security", None)  # served apart, as Zoom does
            return settings

    def patch_user_settings(self, ref: str, patch: Any, *, force: bool = False) -> None:
        """PATCH user settings; a field the account locked keeps its locked value."""
        with self._lock:
            user = self._user(ref)
            if not isinstance(patch, Mapping):
                raise invalid("Request Body should be a valid JSON object.")
            for path in leaves(patch):
                if dig(USER_SETTINGS_DEFAULTS, path.split(".")[0]) is None:
                    raise invalid(f"Invalid field: {path}.")
            _check_user_values(patch)
            allowed = copy.deepcopy(dict(patch))
            if not force:
                for path in self.locks:
                    _drop(allowed, path)
            _merge_settings(user.settings, allowed)

    def lock_setting(self, path: str, value: Any) -> None:
        with self._lock:
            self.locks[path] = copy.deepcopy(value)
            if path in ALIASES:
                self.locks[ALIASES[path]] = copy.deepcopy(value)

    def unlock_setting(self, path: str) -> None:
        with self._lock:
            self.locks.pop(path, None)
            self.locks.pop(ALIASES.get(path, ""), None)

    def lock_settings(self, account: str, option: str | None) -> dict[str, Any]:
        with self._lock:
            if account not in ("me", self.account_id):
                raise ApiError(404, 2001, f"Account does not exist: {account}.")
            if option not in (None, "", "meeting_security"):
                raise invalid(f"Invalid field: option ({option}).")
            return lock_flags(self.locks, security=option == "meeting_security")

    # --- meetings ----------------------------------------------------------------

    def create_meeting(self, ref: str, body: Any) -> dict[str, Any]:
        with self._lock:
            user = self._user(ref)
            if not user.can_schedule:
                raise ApiError(400, 3161, "Meeting hosting and scheduling capabilities are not "
                                          "allowed for your user account.")
            body = _object(body)
            day = self._today()
            if user.creates.get(day, 0) >= self.daily_limit:
                raise self._daily_error("Meeting Create/Update", "user")
            data = mtg.build(body, new_id=lambda use_pmi: user.pmi if use_pmi else self._new_id(),
                             host=self._host(user), rules=self._rules(user), now=self.now(),
                             rng=self._rng)
            user.creates[day] = user.creates.get(day, 0) + 1
            self.meeting_store[data["id"]] = Meeting(data, user.email.lower())
            return self._render(data, fresh_start_url=True, pmi_as=int)

    def get_meeting(self, meeting_id: str) -> dict[str, Any]:
        with self._lock:
            return self._render(self._meeting(meeting_id).data, fresh_start_url=True)

    def update_meeting(self, meeting_id: str, body: Any,
                       occurrence_id: str | None = None) -> None:
        """PATCH a meeting, or with ``occurrence_id`` one occurrence of a recurring one.

        A series' new ``start_time`` follows the spec (zoom-openapi-excerpt.json,
        meetingUpdate): in the past it is ignored; in the future it needs ``recurrence``.
        """
        with self._lock:
            meeting = self._meeting(meeting_id)
            body = _object(body)
            day = self._today()
            if meeting.updates.get(day, 0) >= self.daily_limit:
                raise self._daily_error("Meeting Update", "meeting")
            if occurrence_id is not None:
                mtg.update_occurrence(meeting.data, occurrence_id, body, now=self.now())
            else:
                body = self._series_start(meeting.data, body)
                user = self.users[meeting.host]
                meeting.data = mtg.build(body, new_id=lambda _: meeting.data["id"],
                                         host=self._host(user), rules=self._rules(user),
                                         now=self.now(), rng=self._rng, current=meeting.data)
            meeting.updates[day] = meeting.updates.get(day, 0) + 1

    def _series_start(self, data: Mapping[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if data.get("type") != 8 or body.get("type", 8) != 8 or "start_time" not in body:
            return body
        tz = mtg.zone(body.get("timezone") or data.get("timezone") or "UTC")
        start = mtg.start_of(body["start_time"], tz, self.now())
        if start <= self.now():
            return {k: v for k, v in body.items() if k not in ("start_time", "recurrence")}
        if "recurrence" not in body:
            raise invalid("Invalid field: recurrence (required with a new start_time of a "
                          "recurring meeting).")
        return body

    def delete_meeting(self, meeting_id: str, occurrence_id: str | None = None,
                       query: Mapping[str, str] | None = None) -> None:
        """DELETE a meeting, or one occurrence. A meeting in progress is refused with
        3002 (zoom-openapi-excerpt.json, meetingDelete's 400: "Sorry, you cannot delete
        this meeting since it is in progress."): it must be ended first."""
        with self._lock:
            meeting = self._meeting(meeting_id)
            for name in ("schedule_for_reminder", "cancel_meeting_reminder"):
                value = (query or {}).get(name)
                if value is not None and value not in ("true", "false"):
                    raise invalid(f"Invalid field: {name}.")
            if meeting.data.get("status") == "started":
                raise ApiError(400, 3002, "Sorry, you cannot delete this meeting since it is in "
                                          "progress.")
            if occurrence_id is not None:
                mtg.delete_occurrence(meeting.data, occurrence_id)
                return
            self.deleted[meeting.data["id"]] = self.meeting_store.pop(meeting.data["id"])

    def meeting_status(self, meeting_id: str, body: Any) -> None:
        with self._lock:
            action = _object(body).get("action")
            if action == "recover":
                number = _meeting_number(meeting_id)
                if number not in self.deleted:
                    raise _not_found(meeting_id)
                self.meeting_store[number] = self.deleted.pop(number)
                return
            if action != "end":
                raise invalid("Invalid field: action.")
            meeting = self._meeting(meeting_id)
            meeting.ended_by_api = True
            meeting.data["status"] = "waiting"  # the spec's status enum: waiting | started

    def start_meeting(self, meeting_id: int) -> None:
        with self._lock:
            self._meeting(str(meeting_id)).data["status"] = "started"

    def list_meetings(self, ref: str, query: Mapping[str, str]) -> dict[str, Any]:
        with self._lock:
            user = self._user(ref)
            kind = query.get("type") or "scheduled"
            if kind not in LIST_KINDS:
                raise invalid(f"Invalid field: type ({kind}).")
            size = _page_size(query.get("page_size"))
            offset = 0
            page_token = query.get("next_page_token")
            if page_token:
                saved = self.page_tokens.get(page_token)
                if saved is None or saved[3] < time.monotonic() or saved[:2] != (user.email, kind):
                    raise invalid("Invalid field: next_page_token.")
                offset = saved[2]
            found = [m for m in self.meeting_store.values()
                     if m.host == user.email.lower() and self._listed(m, kind)]
            found.sort(key=lambda m: (m.data.get("start_time") or "~", m.data["id"]))
            page = found[offset:offset + size]
            next_token = ""
            if offset + size < len(found):
                next_token = secrets.token_urlsafe(24)
                self.page_tokens[next_token] = (user.email, kind, offset + size,
                                                time.monotonic() + _PAGE_TOKEN_TTL)
            return {
                "page_size": size, "total_records": len(found),
                "page_count": max(1, math.ceil(len(found) / size)),
                "page_number": offset // size + 1, "next_page_token": next_token,
                "meetings": [_list_item(m.data) for m in page],
            }

    def _listed(self, meeting: Meeting, kind: str) -> bool:
        data = meeting.data
        live = data.get("status") == "started"
        if kind == "live":
            return live
        if data["type"] == 1:
            return False  # Zoom lists scheduled meetings only, never instant ones
        last = data.get("start_time")
        left = [o for o in data.get("occurrences") or [] if o.get("status") != "deleted"]
        if left:
            last = max(o["start_time"] for o in left)
        ends = None if last is None else datetime.fromisoformat(
            last.replace("Z", "+00:00")) + timedelta(minutes=data.get("duration") or 0)
        over = ends is not None and ends < self.now()
        if kind == "previous_meetings":
            return over or meeting.ended_by_api
        if kind == "scheduled":
            return True
        return live or not over  # upcoming, upcoming_meetings

    # --- test view ---------------------------------------------------------------

    def meetings_view(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            return {mid: {**self._render(m.data, fresh_start_url=False),
                          "ended_by_api": m.ended_by_api}
                    for mid, m in self.meeting_store.items()}

    def create_count(self, email: str) -> int:
        with self._lock:
            user = self.users.get(email.strip().lower())
            return user.creates.get(self._today(), 0) if user else 0

    def add_failure(self, failure: Failure) -> None:
        with self._lock:
            self.failures.append(failure)

    def take_failure(self, method: str, path: str) -> Failure | None:
        with self._lock:
            for failure in self.failures:
                if failure.remaining > 0 and failure.matches(method, path):
                    failure.remaining -= 1
                    self.failures = [f for f in self.failures if f.remaining > 0]
                    return failure
            return None

    def add_delay(self, delay: Delay) -> None:
        with self._lock:
            self.delays.append(delay)

    def take_delay(self, method: str, path: str) -> float:
        with self._lock:
            for delay in self.delays:
                if delay.remaining > 0 and delay.matches(method, path):
                    delay.remaining -= 1
                    self.delays = [d for d in self.delays if d.remaining > 0]
                    return delay.seconds
            return 0.0

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.log.append((method, path, status))

    def request_log(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self.log)

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self.tokens)

    # --- helpers -----------------------------------------------------------------

    def _daily_error(self, api: str, per: str) -> ApiError:
        # What Zoom was seen to send (zoom.md §5): 429, code 429, no X-RateLimit-Type.
        return ApiError(429, 429, (
            f"You have exceeded the daily rate limit ({self.daily_limit}) of {api} API "
            f"requests permitted for this particular {per}. You may resume these requests at "
            "GMT 00:00:00."), headers={"X-RateLimit-Category": "Medium",
                                       "X-RateLimit-Limit": str(self.daily_limit),
                                       "X-RateLimit-Remaining": "0"})

    def _meeting(self, meeting_id: str) -> Meeting:
        meeting = self.meeting_store.get(_meeting_number(meeting_id))
        if meeting is None:
            raise _not_found(meeting_id)
        return meeting

    def _host(self, user: User) -> mtg.Host:
        return mtg.Host(user.id, user.email, user.pmi, user.timezone)

    def _rules(self, user: User) -> mtg.Rules:
        settings = self.effective_settings(user)
        return mtg.Rules(
            locks=dict(self.locks),
            auto_security=dig(settings, "meeting_security.auto_security") is not False,
            embed_password=dig(settings, "schedule_meeting.embed_password_in_join_link") is True,
        )

    def _taken(self) -> set[int]:
        return {*self.meeting_store, *self.deleted, *(u.pmi for u in self.users.values())}

    def _new_id(self) -> int:
        taken = self._taken()
        while True:
            candidate = self._rng.randint(10**9, 10**11 - 1)  # 10 or 11 digits
            if candidate not in taken:
                return candidate

    def _new_pmi(self) -> int:
        taken = self._taken()
        while True:
            candidate = self._rng.randint(2 * 10**9, 10**10 - 1)
            if candidate not in taken:
                return candidate

    def _render(self, data: Mapping[str, Any], *, fresh_start_url: bool,
                pmi_as: Callable[[Any], Any] = str) -> dict[str, Any]:
        out = copy.deepcopy(dict(data))
        if "pmi" in out:
            out["pmi"] = pmi_as(out["pmi"])  # the spec: integer on create, string on GET
        if fresh_start_url:
            out["start_url"] = f"https://zoom.us/s/{data['id']}?zak={secrets.token_urlsafe(32)}"
        return out


def _list_item(data: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
            "agenda", "created_at", "join_url")
    item = {k: data[k] for k in keys if data.get(k) not in (None, "")}
    if "pmi" in data:
        item["pmi"] = str(data["pmi"])
    return item


def _merge_settings(settings: dict[str, Any], patch: Mapping[str, Any]) -> None:
    deep_merge(settings, patch)
    for path in leaves(patch):
        if path in ALIASES:
            put(settings, ALIASES[path], dig(patch, path))


def _drop(data: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    cur: Any = data
    for part in parents:
        cur = cur.get(part) if isinstance(cur, dict) else None
    if isinstance(cur, dict):
        cur.pop(leaf, None)


_USER_ENUMS = {
    "in_meeting.who_can_share_screen": ("host", "all"),
    "in_meeting.who_can_share_screen_when_someone_is_sharing": ("host", "all"),
    "recording.auto_recording": ("local", "cloud", "none"),
}


def _check_user_values(patch: Mapping[str, Any]) -> None:
    for path in leaves(patch):
        value = dig(patch, path)
        default = dig(USER_SETTINGS_DEFAULTS, path)
        if path in _USER_ENUMS and value not in _USER_ENUMS[path]:
            raise invalid(f"Invalid field: {path}.")
        if isinstance(default, bool) and not isinstance(value, bool):
            raise invalid(f"Invalid field: {path}.")


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Request Body should be a valid JSON object.")
    return body


def _meeting_number(meeting_id: str) -> int:
    text = str(meeting_id).strip()
    return int(text) if text.isdigit() and len(text) < 20 else -1


def _not_found(meeting_id: str) -> ApiError:
    return ApiError(404, 3001, f"Meeting {meeting_id} is not found or has expired.")


def _page_size(value: str | None) -> int:
    try:
        size = int(value) if value else 30
    except ValueError:
        size = 30
    return min(max(size, 1), 300)


def _basic(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password
