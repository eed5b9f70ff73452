"""How the emulator turns a create or update body into the meeting Zoom would hold.

Pure functions (no locks, no HTTP): validation, Zoom's defaults, account locks, the
"waiting room disables join before host" and ``auto_security`` rules (research/zoom.md
§2, §2c), passcode derivatives, join URL and recurring occurrences, and the changes
Zoom allows to one occurrence (``PATCH``/``DELETE /meetings/{id}?occurrence_id=``).
"""

from __future__ import annotations

import base64
import calendar
import copy
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.zoom_emulator.settings import (
    LOCK_TO_MEETING,
    MEETING_DEFAULTS,
    MEETING_ENUMS,
    MEETING_EXTRA_FIELDS,
)

PASSWORD = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
MAX_OCCURRENCES = 365
_INTERVAL_LIMIT = {1: 90, 2: 12, 3: 3}


class ApiError(Exception):
    """A Zoom error reply: HTTP ``status`` with ``{"code": code, "message": message}``."""

    def __init__(self, status: int, code: int, message: str, *,
                 headers: Mapping[str, str] | None = None,
                 body: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.body = dict(body) if body is not None else {"code": code, "message": message}


def invalid(message: str) -> ApiError:
    return ApiError(400, 300, message)


@dataclass(frozen=True)
class Host:
    id: str
    email: str
    pmi: int
    timezone: str


@dataclass(frozen=True)
class Rules:
    """What besides the body decides a meeting: the host's effective settings and locks."""

    locks: Mapping[str, Any] = field(default_factory=dict)
    auto_security: bool = True
    embed_password: bool = True


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(body: Mapping[str, Any], *, new_id: Callable[[bool], int], host: Host, rules: Rules,
          now: datetime, rng: random.Random,
          current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The meeting JSON for a create body, or for ``current`` updated with ``body``.

    ``new_id(use_pmi)`` picks the meeting id once the settings (locks included) are known.
    """
    merged = _merged_body(current, body) if current is not None else dict(body)
    kind = _choice(merged.get("type", 2), (1, 2, 3, 8), "type")
    tz = _zone(merged.get("timezone") or host.timezone)
    topic = _text(merged.get("topic", "Zoom Meeting"), 200, "topic") or "Zoom Meeting"
    agenda = _text(merged.get("agenda", ""), 2000, "agenda")
    duration = _int(merged.get("duration", 60), "duration", low=0)
    password = _password(merged, rules, rng, current)
    base = copy.deepcopy(current["settings"]) if current is not None else copy.deepcopy(
        MEETING_DEFAULTS)
    settings = meeting_settings(base, merged.get("settings") or {}, kind=kind,
                                has_password=bool(password), rules=rules)
    if current is not None:
        settings["use_pmi"] = current["settings"].get("use_pmi", False)  # the id stays
    elif kind == 8:
        settings["use_pmi"] = False  # Zoom: use_pmi is for types 1, 2 and 3 only
    meeting_id = current["id"] if current is not None else new_id(bool(settings["use_pmi"]))
    meeting: dict[str, Any] = {
        "uuid": current["uuid"] if current else _uuid(rng),
        "id": meeting_id,
        "host_id": host.id,
        "host_email": host.email,
        "assistant_id": "",
        "topic": topic,
        "type": kind,
        "status": current.get("status", "waiting") if current else "waiting",
        "timezone": tz.key,
        "duration": duration,
        "agenda": agenda,
        "created_at": current["created_at"] if current else zulu(now),
        "pre_schedule": False,
        "settings": settings,
        "tracking_fields": list(merged.get("tracking_fields") or []),
    }
    if kind != 3:
        meeting["start_time"] = zulu(_start(merged.get("start_time"), tz, now, kind))
    if kind in (3, 8):
        meeting["recurrence"] = _recurrence(merged.get("recurrence"), kind, meeting, tz)
        kept = _kept_occurrences(current, body, duration) if kind == 8 else None
        if kept is not None:
            meeting["occurrences"] = kept
        elif kind == 8:
            meeting["occurrences"] = occurrences(meeting, tz)
            if meeting["occurrences"]:
                meeting["start_time"] = meeting["occurrences"][0]["start_time"]
    if settings.get("use_pmi"):
        meeting["pmi"] = host.pmi
    _passcode_fields(meeting, password, rules, rng, current)
    return meeting


# What a PATCH that leaves the schedule alone keeps: the occurrences as they are, each
# one moved, edited or deleted on its own included (a settings fix does not bring back
# a cancelled occurrence). A new start, recurrence, zone or type lays them out afresh.
_SCHEDULE_FIELDS = ("start_time", "recurrence", "timezone", "type")


def _kept_occurrences(current: Mapping[str, Any] | None, patch: Mapping[str, Any],
                      duration: int) -> list[dict[str, Any]] | None:
    if current is None or current.get("type") != 8 or not current.get("occurrences") \
            or any(key in patch for key in _SCHEDULE_FIELDS):
        return None
    kept = copy.deepcopy(list(current["occurrences"]))
    for occ in kept:  # a new series duration reaches the occurrences not edited apart
        if occ.get("duration") == current.get("duration"):
            occ["duration"] = duration
    return kept


def _merged_body(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = {k: copy.deepcopy(current.get(k)) for k in (
        "type", "topic", "agenda", "duration", "timezone", "start_time", "password",
        "recurrence", "tracking_fields") if current.get(k) is not None}
    for key, value in patch.items():
        if key != "settings":
            merged[key] = copy.deepcopy(value)
    merged["settings"] = patch.get("settings") or {}
    return merged


def meeting_settings(base: dict[str, Any], requested: Any, *, kind: int, has_password: bool,
                     rules: Rules) -> dict[str, Any]:
    """Requested settings over ``base``, then the locks, then Zoom's own rules."""
    if not isinstance(requested, Mapping):
        raise invalid("Invalid field: settings.")
    for name, value in requested.items():
        if name in MEETING_DEFAULTS:
            base[name] = _setting(name, value)
        elif name in MEETING_EXTRA_FIELDS:
            base[name] = copy.deepcopy(value)
        # Zoom ignores fields it does not know; so do we (they never show up in a read).
    for path, value in rules.locks.items():
        name = LOCK_TO_MEETING.get(path)
        if name == "use_pmi" and kind not in (1, 2, 3):
            continue
        if name is not None:
            base[name] = copy.deepcopy(value)
    if base.get("waiting_room"):
        base["join_before_host"] = False
    if rules.auto_security and not (has_password or base.get("waiting_room")
                                    or base.get("meeting_authentication")):
        # "Require that all meetings are secured with one security option" (zoom.md §2c)
        base["waiting_room"] = True
        base["join_before_host"] = False
    if base.get("meeting_authentication"):
        base["authentication_option"] = base.get("authentication_option") or "signIn_D8cJ"
        base["authentication_name"] = base.get("authentication_name") or "Sign in to Zoom"
    return base


def _setting(name: str, value: Any) -> Any:
    default = MEETING_DEFAULTS[name]
    if isinstance(default, bool) and not isinstance(value, bool):
        raise invalid(f"Invalid field: settings.{name}.")
    if name in MEETING_ENUMS and value not in MEETING_ENUMS[name]:
        raise invalid(f"Invalid field: settings.{name}.")
    if isinstance(default, str) and not isinstance(value, str):
        raise invalid(f"Invalid field: settings.{name}.")
    return copy.deepcopy(value)


def _password(body: Mapping[str, Any], rules: Rules, rng: random.Random,
              current: Mapping[str, Any] | None) -> str:
    value = body.get("password")
    if value is None or value == "":
        if body.get("default_password") is True or rules.locks.get(
                "schedule_meeting.require_password_for_scheduling_new_meetings") is True:
            return "".join(rng.choice("0123456789") for _ in range(6))
        return ""
    if not isinstance(value, str) or not PASSWORD.fullmatch(value):
        raise invalid("Invalid password: a passcode has at most 10 characters and may only "
                      "contain letters, numbers and @ - _ *.")
    return value


def _passcode_fields(meeting: dict[str, Any], password: str, rules: Rules, rng: random.Random,
                     current: Mapping[str, Any] | None) -> None:
    same = current is not None and current.get("password", "") == password
    meeting["password"] = password
    if not password:
        meeting.update(encrypted_password="", h323_password="", pstn_password="")
    elif same:
        for key in ("encrypted_password", "h323_password", "pstn_password"):
            meeting[key] = current[key]  # type: ignore[index]
    else:
        digits = password if password.isdigit() else "".join(
            rng.choice("0123456789") for _ in range(max(6, len(password))))
        meeting["encrypted_password"] = base64.urlsafe_b64encode(
            rng.randbytes(24)).decode().rstrip("=") + ".1"
        meeting["h323_password"] = meeting["pstn_password"] = digits
    url = f"https://zoom.us/j/{meeting['id']}"
    if password and rules.embed_password:
        url += f"?pwd={meeting['encrypted_password']}"
    meeting["join_url"] = url


def _uuid(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(16)).decode()


# --- small validators ------------------------------------------------------------


def _choice(value: Any, allowed: tuple[Any, ...], name: str) -> Any:
    if isinstance(value, bool) or value not in allowed:
        raise invalid(f"Invalid field: {name}.")
    return value


def _text(value: Any, limit: int, name: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise invalid(f"Invalid field: {name}.")
    return value


def _int(value: Any, name: str, *, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value > high):
        raise invalid(f"Invalid field: {name}.")
    return value


def zone(name: Any) -> ZoneInfo:
    """A meeting's ``timezone``, or Zoom's 300 for one it does not know."""
    return _zone(name)


def start_of(value: Any, tz: ZoneInfo, now: datetime) -> datetime:
    """A ``start_time`` as Zoom reads it (``...Z`` is GMT; without a zone, ``tz``)."""
    return _start(value, tz, now, 2)


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"Invalid field: timezone ({name}).") from exc


def _start(value: Any, tz: ZoneInfo, now: datetime, kind: int) -> datetime:
    if kind == 1 or value in (None, ""):
        return now.replace(microsecond=0)
    if not isinstance(value, str):
        raise invalid("Invalid field: start_time.")
    try:
        moment = datetime.fromisoformat(value)  # ...Z is UTC; without a zone: `timezone`
    except ValueError as exc:
        raise invalid("Invalid field: start_time.") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


# --- one occurrence ----------------------------------------------------------------

# What ``PATCH /meetings/{id}?occurrence_id=`` may change (zoom-openapi-excerpt.json,
# meetingUpdate's ``occurrence_id``: "Support change of agenda, start_time, duration,
# settings: {host_video, participant_video, join_before_host, mute_upon_entry,
# waiting_room, watermark, auto_recording}"). Other fields are not the occurrence's own.
OCCURRENCE_SETTINGS = ("host_video", "participant_video", "join_before_host",
                       "mute_upon_entry", "waiting_room", "watermark", "auto_recording")


def occurrence(meeting: Mapping[str, Any], occurrence_id: str) -> dict[str, Any]:
    """The occurrence ``occurrence_id`` of a recurring meeting, unless it was deleted.

    Anything else is Zoom's 400 ``{"code": 3000, "message": "Invalid occurrence_id."}``
    (zoom-openapi-excerpt.json, meetingDelete's 400).
    """
    for occ in meeting.get("occurrences") or []:
        if occ.get("occurrence_id") == str(occurrence_id) and occ.get("status") != "deleted":
            return occ
    raise ApiError(400, 3000, "Invalid occurrence_id.")


def update_occurrence(meeting: dict[str, Any], occurrence_id: str, patch: Mapping[str, Any],
                      *, now: datetime) -> None:
    """Change one occurrence's start, duration or per-occurrence settings in place.

    An occurrence edited on its own carries its own ``settings`` (the ones that differ
    from the series), which is what ``commands.audit.with_occurrences`` judges.
    """
    occ = occurrence(meeting, occurrence_id)
    tz = _zone(meeting.get("timezone") or "UTC")
    if "start_time" in patch:
        if not isinstance(patch["start_time"], str) or not patch["start_time"]:
            raise invalid("Invalid field: start_time.")
        occ["start_time"] = zulu(_start(patch["start_time"], tz, now, 2))
    if "duration" in patch:
        occ["duration"] = _int(patch["duration"], "duration", low=0)
    requested = patch.get("settings")
    if requested is not None:
        if not isinstance(requested, Mapping):
            raise invalid("Invalid field: settings.")
        own = dict(occ.get("settings") or {})
        own.update({name: _setting(name, value) for name, value in requested.items()
                    if name in OCCURRENCE_SETTINGS})
        if own.get("waiting_room"):
            own["join_before_host"] = False
        occ["settings"] = own
    meeting["occurrences"].sort(key=lambda o: o["start_time"])


def delete_occurrence(meeting: dict[str, Any], occurrence_id: str) -> None:
    """Zoom keeps a deleted occurrence in the list with ``"status": "deleted"`` (seen by
    moodle-mod_zoom, github.com/jrchamp/moodle-mod_zoom/pull/645: "I did not expect that
    Zoom would have a status => deleted for deleted occurrences")."""
    occurrence(meeting, occurrence_id)["status"] = "deleted"


# --- recurrence ------------------------------------------------------------------


def _recurrence(value: Any, kind: int, meeting: Mapping[str, Any], tz: ZoneInfo) -> dict:
    rec = dict(value) if isinstance(value, Mapping) else {"type": 1}
    rtype = _choice(rec.get("type", 1), (1, 2, 3), "recurrence.type")
    out: dict[str, Any] = {"type": rtype, "repeat_interval": _int(
        rec.get("repeat_interval", 1), "recurrence.repeat_interval", low=1,
        high=_INTERVAL_LIMIT[rtype])}
    if kind == 3:
        return out
    if rec.get("end_times") is not None and rec.get("end_date_time") is not None:
        raise invalid("Invalid field: recurrence (end_times or end_date_time, not both).")
    if rec.get("end_date_time") is not None:
        end = _start(rec["end_date_time"], ZoneInfo("UTC"), datetime.now(UTC), 2)
        out["end_date_time"] = zulu(end)
    else:
        out["end_times"] = _int(rec.get("end_times", 1), "recurrence.end_times", low=1,
                                high=MAX_OCCURRENCES)
    local = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00")).astimezone(tz)
    if rtype == 2:
        days = rec.get("weekly_days") or str(local.isoweekday() % 7 + 1)
        parts = str(days).split(",")
        if not all(p.strip() in set("1234567") for p in parts):
            raise invalid("Invalid field: recurrence.weekly_days.")
        out["weekly_days"] = ",".join(sorted({p.strip() for p in parts}))
    if rtype == 3:
        if rec.get("monthly_week") is not None:
            out["monthly_week"] = _choice(rec["monthly_week"], (-1, 1, 2, 3, 4),
                                          "recurrence.monthly_week")
            out["monthly_week_day"] = _choice(rec.get("monthly_week_day", 1),
                                              (1, 2, 3, 4, 5, 6, 7), "recurrence.monthly_week_day")
        else:
            out["monthly_day"] = _int(rec.get("monthly_day", local.day), "recurrence.monthly_day",
                                      low=1, high=31)
    return out


def occurrences(meeting: Mapping[str, Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Zoom's ``occurrences`` of a type 8 meeting: wall-clock time kept across DST."""
    rec = meeting["recurrence"]
    first = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00")).astimezone(tz)
    end = rec.get("end_date_time")
    end_at = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else None
    limit = rec.get("end_times") or MAX_OCCURRENCES
    out: list[dict[str, Any]] = []
    for day in _days(rec, first.date()):
        start = datetime.combine(day, first.timetz().replace(tzinfo=None), tzinfo=tz)
        if len(out) >= limit or (end_at is not None and start > end_at):
            break
        out.append({"occurrence_id": str(int(start.timestamp() * 1000)),
                    "start_time": zulu(start), "duration": meeting["duration"],
                    "status": "available"})
    return out


def _days(rec: Mapping[str, Any], first: date) -> Iterator[date]:
    step = rec.get("repeat_interval", 1)
    for n in range(MAX_OCCURRENCES * 31):  # generous bound; the caller stops early
        if rec["type"] == 1:
            yield first + timedelta(days=n * step)
        elif rec["type"] == 2:
            sunday = first - timedelta(days=first.isoweekday() % 7)
            week = sunday + timedelta(weeks=n * step)
            for wd in sorted(int(d) for d in rec["weekly_days"].split(",")):
                day = week + timedelta(days=wd - 1)  # 1 = Sunday
                if day >= first:
                    yield day
        else:
            months = first.month - 1 + n * step
            year, month = first.year + months // 12, months % 12 + 1
            day = _monthly(rec, year, month)
            if day >= first:
                yield day


def _monthly(rec: Mapping[str, Any], year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    if "monthly_day" in rec:
        return date(year, month, min(rec["monthly_day"], last))
    weekday = (rec["monthly_week_day"] + 5) % 7  # Zoom 1 = Sunday -> Python 6
    if rec["monthly_week"] == -1:
        day = date(year, month, last)
        return day - timedelta(days=(day.weekday() - weekday) % 7)
    day = date(year, month, 1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return day + timedelta(weeks=rec["monthly_week"] - 1)
