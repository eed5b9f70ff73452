"""The Zoom client against the emulator over real HTTP: tokens, retries, errors, logs.

Nothing of ours is mocked: the client talks HTTP to the emulator on 127.0.0.1 and the
tests assert on what reached it (``zoom.request_log``). Only ``sleep`` is replaced, by a
recorder, so backoff is asserted instead of waited for.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.zoom.retry import backoff_delay, parse_retry_after
from commands.errors import (
    ZoomAuthError,
    ZoomBadRequest,
    ZoomDailyLimit,
    ZoomNoSchedulingRights,
    ZoomNotFound,
    ZoomNotHost,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomUserNotFound,
)
from commands.ports import ZoomGateway

HOST = "alice@example.com"
PASSCODE = "Zq9*Xw7-Lp"


def body(**overrides):
    base = {
        "topic": "Budget review", "type": 2, "start_time": "2030-01-15T10:00:00",
        "timezone": "Asia/Kolkata", "duration": 45, "password": PASSCODE,
        "settings": {"waiting_room": True, "join_before_host": False, "use_pmi": False},
    }
    base.update(overrides)
    return base


def calls(zoom, method=None, path=None):
    """Statuses of the API requests (not OAuth) that reached the emulator."""
    return [status for m, p, status in zoom.request_log if p.startswith("/v2/")
            and (method is None or m == method) and (path is None or p == path)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_client_satisfies_the_gateway_protocol(zoom_client):
    gateway: ZoomGateway = zoom_client
    for name in ZoomGateway.__dict__:
        if not name.startswith("_"):
            assert callable(getattr(gateway, name)), name


# --- tokens --------------------------------------------------------------------------


def test_token_is_fetched_once_and_reused(zoom, zoom_client):
    meeting = zoom_client.create_meeting(HOST, body())
    zoom_client.get_meeting(meeting["id"])
    zoom_client.get_user(HOST)
    zoom_client.list_meetings(HOST)
    assert zoom.token_requests == 1


def test_a_burst_of_first_calls_fetches_one_token(zoom, zoom_client):
    zoom.add_user(HOST)
    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda _: zoom_client.get_user(HOST), range(48)))
    assert {u["email"] for u in users} == {HOST}
    assert zoom.token_requests == 1


def test_a_refused_token_is_replaced_and_the_call_repeated(zoom, zoom_client, sleeps):
    zoom_client.get_user(HOST)
    zoom.expire_tokens()
    assert zoom_client.get_user(HOST)["email"] == HOST
    assert zoom.token_requests == 2
    assert calls(zoom, path=f"/v2/users/{HOST}") == [200, 401, 200]
    assert sleeps == []


def test_a_create_is_repeated_after_a_refused_token(zoom, zoom_client):
    zoom_client.get_user(HOST)
    zoom.expire_tokens()
    zoom_client.create_meeting(HOST, body())
    assert calls(zoom, "POST") == [401, 201]  # 401 means Zoom did nothing: safe to repeat
    assert len(zoom.meetings) == 1


def test_a_token_refused_twice_is_an_auth_error(zoom, zoom_client):
    zoom.fail_next(2, 401, code=124, message="Invalid access token.")
    with pytest.raises(ZoomAuthError) as info:
        zoom_client.get_user(HOST)
    assert (info.value.code, info.value.status) == (124, 401)
    assert calls(zoom) == [401, 401]
    assert zoom.token_requests == 2


def test_token_is_renewed_five_minutes_before_it_expires(zoom, make_zoom_client):
    now = [1000.0]
    client = make_zoom_client(clock=lambda: now[0])
    client.get_user(HOST)
    now[0] += 3600 - 300 - 1
    client.get_user(HOST)
    assert zoom.token_requests == 1
    now[0] += 2
    client.get_user(HOST)
    assert zoom.token_requests == 2
    assert 401 not in calls(zoom)


def test_wrong_credentials_are_an_auth_error_without_an_api_call(zoom, make_zoom_client):
    client = make_zoom_client(client_secret="not-the-secret")
    with pytest.raises(ZoomAuthError, match="ZOOM_CLIENT_SECRET"):
        client.get_user(HOST)
    assert calls(zoom) == []


def test_check_token_fetches_a_fresh_token_and_reports_scopes(zoom, zoom_client):
    assert "meeting:write:admin" in zoom_client.check_token()
    assert "meeting:write:admin" in zoom_client.check_token()
    assert zoom.token_requests == 2


# --- retries -------------------------------------------------------------------------


def test_429_waits_retry_after_seconds(zoom, zoom_client, sleeps):
    zoom.fail_next(2, 429, retry_after="2")
    assert zoom_client.get_user(HOST)["email"] == HOST
    assert sleeps == [2.0, 2.0]
    assert calls(zoom) == [429, 429, 200]


@pytest.mark.parametrize("form", ["http-date", "iso-8601"])
def test_429_waits_until_a_retry_after_date(zoom, zoom_client, sleeps, form):
    when = datetime.now(UTC) + timedelta(seconds=5)
    header = formatdate(when.timestamp(), usegmt=True) if form == "http-date" \
        else when.strftime("%Y-%m-%dT%H:%M:%SZ")
    zoom.fail_next(1, 429, retry_after=header)
    zoom_client.get_user(HOST)
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 5.0
    assert calls(zoom) == [429, 200]


def test_a_retry_after_beyond_the_limit_gives_up_at_once(zoom, zoom_client, sleeps):
    zoom.fail_next(1, 429, retry_after="120")
    with pytest.raises(ZoomRateLimited, match="about 2 minutes"):
        zoom_client.get_user(HOST)
    assert sleeps == []
    assert calls(zoom) == [429]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_backoff(zoom, zoom_client, sleeps, status):
    zoom.fail_next(2, status)
    assert zoom_client.get_user(HOST)["email"] == HOST
    assert calls(zoom) == [status, status, 200]
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # base 0.5, jittered


def test_persistent_503_is_unavailable_after_the_last_retry(zoom, zoom_client, sleeps):
    zoom.fail_next(10, 503)
    with pytest.raises(ZoomUnavailable) as info:
        zoom_client.get_meeting(12345678901)
    assert "try again" in str(info.value) and "created" not in str(info.value)
    assert info.value.status == 503
    assert calls(zoom) == [503] * 5  # the first try and max_retries=4
    assert len(sleeps) == 4


def test_backoff_is_capped(zoom, make_zoom_client, sleeps):
    client = make_zoom_client(max_retries=6, backoff=1.0, max_backoff=3.0)
    zoom.fail_next(10, 502)
    with pytest.raises(ZoomUnavailable):
        client.get_user(HOST)
    assert len(sleeps) == 6 and max(sleeps) <= 3.0 and min(sleeps[2:]) >= 1.5


def test_a_daily_limit_429_is_not_retried(zoom, zoom_client, sleeps):
    zoom.fail_next(1, 429, message="Too many requests.",
                   headers={"X-RateLimit-Type": "Daily-limit"})
    with pytest.raises(ZoomDailyLimit):
        zoom_client.get_user(HOST)
    assert sleeps == [] and calls(zoom) == [429]


def test_a_read_time_out_on_a_get_is_retried(zoom, make_zoom_client, sleeps):
    client = make_zoom_client(timeout=(1.0, 0.15), max_retries=1)
    client.get_user(HOST)  # token in hand
    zoom.set_latency(0.4)
    with pytest.raises(ZoomUnavailable):
        client.get_user(HOST)
    assert len(sleeps) == 1


# --- a create is repeated only when Zoom surely did not act ---------------------------


def test_a_create_is_not_repeated_after_a_500(zoom, zoom_client, sleeps):
    zoom.fail_next(1, 500, method="POST", after=True)  # Zoom created it, then failed
    with pytest.raises(ZoomUnavailable, match="did not confirm") as info:
        zoom_client.create_meeting(HOST, body())
    assert "did not confirm" in str(info.value) and "don't use it" in str(info.value)
    assert calls(zoom, "POST") == [500]
    assert len(zoom.meetings) == 1  # a second POST would have made a second meeting
    assert sleeps == []


def test_a_create_is_repeated_after_a_429(zoom, zoom_client, sleeps):
    zoom.fail_next(1, 429, retry_after="1", method="POST")
    meeting = zoom_client.create_meeting(HOST, body())
    assert calls(zoom, "POST") == [429, 201]
    assert sleeps == [1.0]
    assert list(zoom.meetings) == [meeting["id"]]


def test_a_create_is_not_repeated_after_a_read_time_out(zoom, make_zoom_client, sleeps):
    client = make_zoom_client(timeout=(1.0, 0.15))
    client.get_user(HOST)
    zoom.set_latency(0.3)
    with pytest.raises(ZoomUnavailable, match="did not confirm"):
        client.create_meeting(HOST, body())
    deadline = time.monotonic() + 3
    while not zoom.meetings and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(zoom.meetings) == 1  # Zoom acted although the client never heard
    assert calls(zoom, "POST") == [201]
    assert sleeps == []


def test_connection_refused_is_unavailable(make_zoom_client, sleeps):
    port = closed_port()
    client = make_zoom_client(api_url=f"http://127.0.0.1:{port}/v2",
                              oauth_url=f"http://127.0.0.1:{port}/oauth/token", max_retries=2)
    with pytest.raises(ZoomUnavailable):
        client.get_user(HOST)
    assert len(sleeps) == 2


def test_a_create_is_repeated_when_the_connection_was_refused(zoom, make_zoom_client, sleeps):
    client = make_zoom_client(api_url=f"http://127.0.0.1:{closed_port()}/v2", max_retries=2)
    with pytest.raises(ZoomUnavailable, match="Nothing was created"):
        client.create_meeting(HOST, body())
    assert len(sleeps) == 2  # refused: Zoom never saw it, so repeating is safe


# --- Zoom's errors, typed ------------------------------------------------------------


def test_unknown_user_is_user_not_found(zoom, zoom_client):
    zoom.auto_users = False
    with pytest.raises(ZoomUserNotFound) as info:
        zoom_client.create_meeting("nobody@example.com", body())
    assert (info.value.code, info.value.status) == (1001, 404)


def test_user_without_scheduling_rights(zoom, zoom_client):
    zoom.add_user("basic@example.com", can_schedule=False)
    with pytest.raises(ZoomNoSchedulingRights) as info:
        zoom_client.create_meeting("basic@example.com", body())
    assert (info.value.code, info.value.status) == (3161, 400)


@pytest.mark.parametrize("call", ["get_meeting", "delete_meeting", "end_meeting"])
def test_unknown_meeting_is_not_found(zoom_client, call):
    with pytest.raises(ZoomNotFound) as info:
        getattr(zoom_client, call)(98765432109)
    assert (info.value.code, info.value.status) == (3001, 404)


def test_the_101st_create_of_the_day_is_the_daily_limit(zoom, zoom_client, sleeps):
    for _ in range(100):
        zoom_client.create_meeting(HOST, body())
    with pytest.raises(ZoomDailyLimit) as info:
        zoom_client.create_meeting(HOST, body())
    assert info.value.status == 429 and "00:00 GMT" in str(info.value)
    assert zoom.create_count(HOST) == 100
    assert calls(zoom, "POST") == [201] * 100 + [429]
    assert sleeps == []


def test_a_bad_passcode_is_a_bad_request_that_does_not_echo_it(zoom, zoom_client):
    with pytest.raises(ZoomBadRequest) as info:
        zoom_client.create_meeting(HOST, body(password="far-too-long!"))
    assert (info.value.code, info.value.status) == (300, 400)
    assert "Invalid password" in str(info.value)
    assert "far-too-long" not in str(info.value)


@pytest.mark.parametrize(("status", "code", "message", "expected"), [
    (401, 4700, "Invalid access token, does not contain scopes: [meeting:write:admin].",
     ZoomAuthError),
    (403, 4711, "Invalid access token, does not contain permissions.", ZoomAuthError),
    (400, 3003, "You are not the meeting host.", ZoomNotHost),
    (400, 1010, "User not found on this account.", ZoomUserNotFound),
    (400, 300, "A maximum of 100 meetings can be created/updated for a single user in one day.",
     ZoomDailyLimit),
    (429, 429, "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
     "requests permitted for this particular user.", ZoomDailyLimit),
    (400, 300, "Validation Failed.", ZoomBadRequest),
    (404, 3001, "Meeting 1 is not found or has expired.", ZoomNotFound),
])
def test_zoom_error_codes_map_to_typed_errors(zoom, zoom_client, status, code, message,
                                              expected):
    zoom.fail_next(1, status, code=code, message=message)
    with pytest.raises(expected) as info:
        zoom_client.get_user(HOST)
    assert (info.value.code, info.value.status) == (code, status)
    assert calls(zoom) == [status]


# --- the gateway, end to end ---------------------------------------------------------


def test_create_read_update_end_delete(zoom, zoom_client):
    created = zoom_client.create_meeting(HOST, body())
    meeting_id = created["id"]
    assert created["host_email"] == HOST and created["password"] == PASSCODE
    zoom_client.update_meeting(meeting_id, {"topic": "Moved", "settings": {
        "mute_upon_entry": True}})
    read = zoom_client.get_meeting(meeting_id)
    assert read["topic"] == "Moved"
    assert read["settings"]["mute_upon_entry"] is True and read["settings"]["waiting_room"]
    zoom.start_meeting(meeting_id)
    zoom_client.end_meeting(meeting_id)
    assert zoom.meetings[meeting_id]["ended_by_api"] is True
    zoom_client.delete_meeting(meeting_id)
    with pytest.raises(ZoomNotFound):
        zoom_client.get_meeting(meeting_id)


def test_list_meetings_follows_every_page(zoom, zoom_client):
    zoom.daily_limit = 400
    created = {zoom_client.create_meeting(HOST, body())["id"] for _ in range(301)}
    listed = zoom_client.list_meetings(HOST, "scheduled")
    assert {m["id"] for m in listed} == created
    pages = [p for m, p, s in zoom.request_log if p == f"/v2/users/{HOST}/meetings" and m == "GET"]
    assert len(pages) == 2


def test_user_ids_and_emails_are_url_encoded(zoom, zoom_client):
    assert zoom_client.get_user("a+b@example.com")["email"] == "a+b@example.com"
    assert calls(zoom, path="/v2/users/a+b@example.com") == [200]


def test_user_settings_round_trip(zoom, zoom_client):
    zoom_client.update_user_settings(HOST, {"in_meeting": {"who_can_share_screen": "host",
                                                           "file_transfer": False}})
    settings = zoom_client.get_user_settings(HOST)
    assert settings["in_meeting"]["who_can_share_screen"] == "host"
    assert settings["in_meeting"]["file_transfer"] is False


def test_lock_settings_include_meeting_security(zoom, zoom_client):
    zoom.lock_setting("meeting_security.waiting_room", True)
    zoom.lock_setting("schedule_meeting.join_before_host", False)
    locks = zoom_client.get_account_lock_settings()
    assert locks["meeting_security"]["waiting_room"] is True
    assert locks["schedule_meeting"]["join_before_host"] is True
    assert locks["in_meeting"]["file_transfer"] is False


def test_get_user_reports_the_pmi(zoom, zoom_client):
    zoom.add_user(HOST, pmi=5550001234, timezone="Asia/Kolkata")
    user = zoom_client.get_user(HOST)
    assert (user["pmi"], user["timezone"], user["email"]) == (5550001234, "Asia/Kolkata", HOST)
    assert {"id", "type"} <= user.keys()


# --- observability without secrets ---------------------------------------------------


def test_on_call_sees_every_attempt_and_cannot_break_a_call(zoom, make_zoom_client):
    seen = []

    def hook(route, status, seconds):
        seen.append((route, status))
        raise RuntimeError("metrics are down")

    client = make_zoom_client(on_call=hook)
    zoom.fail_next(1, 503, method="GET")
    client.get_meeting(client.create_meeting(HOST, body())["id"])
    assert seen == [("POST /oauth/token", 200), ("POST /users/{userId}/meetings", 201),
                    ("GET /meetings/{meetingId}", 503), ("GET /meetings/{meetingId}", 200)]


def test_logs_never_hold_tokens_passcodes_or_start_urls(zoom, zoom_client, caplog):
    caplog.set_level(logging.DEBUG)
    created = zoom_client.create_meeting(HOST, body())
    read = zoom_client.get_meeting(created["id"])
    zoom.expire_tokens()
    zoom.fail_next(1, 503)
    zoom_client.update_meeting(created["id"], {"password": "Nw8*Pq2-Rt"})
    with pytest.raises(ZoomBadRequest):
        zoom_client.create_meeting(HOST, body(password="Bad pass!"))
    zoom_client.check_token()
    assert "zoom GET /meetings/" in caplog.text  # it does log, just not secrets
    secrets = [*zoom.issued_tokens, PASSCODE, "Nw8*Pq2-Rt", "Bad pass!", zoom.client_secret,
               created["encrypted_password"], created["start_url"].split("zak=")[1],
               read["start_url"].split("zak=")[1]]
    for secret in secrets:
        assert secret not in caplog.text


# --- Retry-After and backoff, as properties ------------------------------------------


@given(st.text(max_size=60))
def test_retry_after_parsing_never_raises_and_is_never_negative(text):
    wait = parse_retry_after(text)
    assert wait is None or (wait >= 0 and math.isfinite(wait))


@given(st.integers(min_value=0, max_value=10**6))
def test_retry_after_seconds_are_read_as_given(seconds):
    assert parse_retry_after(str(seconds)) == float(seconds)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 12, 31),
                    timezones=st.just(UTC)))
def test_retry_after_dates_count_from_now(when):
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    expected = max(0.0, when.replace(microsecond=0).timestamp() - now)
    http_date = formatdate(when.timestamp(), usegmt=True)
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for header in (http_date, iso):
        assert parse_retry_after(header, now=now) == pytest.approx(expected, abs=1)


@given(st.integers(min_value=1, max_value=10_000), st.floats(0, 1))
def test_backoff_stays_within_half_a_step_and_the_cap(retry, rand):
    wait = backoff_delay(retry, base=0.5, cap=8.0, rand=lambda: rand)
    step = min(8.0, 0.5 * 2 ** min(retry - 1, 60))
    assert step / 2 <= wait <= step
