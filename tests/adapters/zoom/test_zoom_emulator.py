"""The Zoom emulator over raw HTTP: Zoom's status codes, shapes and rules, and its controls.

These tests speak plain ``requests`` to it, as a stranger would, so they pin the wire
format (``zoom-openapi-excerpt.json``) rather than our client's reading of it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bot.zoom_emulator import ZoomEmulator

HOST = "alice@example.com"
PASSCODE = "Ab3*xyz9Qq"


class Api:
    """Zoom's API with a valid token: ``api("GET", "/users/x")`` → ``requests.Response``."""

    def __init__(self, zoom: ZoomEmulator) -> None:
        self.zoom = zoom
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token(zoom, self.session)}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.zoom.api_url + path, timeout=5, **kwargs)

    def create(self, host: str = HOST, **body) -> dict:
        response = self("POST", f"/users/{host}/meetings", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, meeting_id: int) -> dict:
        response = self("GET", f"/meetings/{meeting_id}")
        assert response.status_code == 200, response.text
        return response.json()


def token(zoom: ZoomEmulator, session=requests) -> str:
    response = session.post(zoom.oauth_url, auth=(zoom.client_id, zoom.client_secret), data={
        "grant_type": "account_credentials", "account_id": zoom.account_id}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def api(zoom):
    client = Api(zoom)
    yield client
    client.session.close()


def scheduled(**overrides) -> dict:
    body = {"topic": "Budget", "type": 2, "start_time": "2030-03-10T15:00:00",
            "timezone": "Asia/Kolkata", "duration": 30, "password": PASSCODE,
            "settings": {"waiting_room": True, "join_before_host": False}}
    body.update(overrides)
    return body


# --- OAuth ---------------------------------------------------------------------------


def test_token_endpoint_answers_like_zoom(zoom):
    response = requests.post(zoom.oauth_url, auth=(zoom.client_id, zoom.client_secret), data={
        "grant_type": "account_credentials", "account_id": zoom.account_id}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"] and "meeting:write:admin" in body["scope"]


@pytest.mark.parametrize(("auth", "form", "status"), [
    (("sandbox-client", "wrong"), {"account_id": "sandbox-account"}, 401),
    (("sandbox-client", "sandbox-secret"), {"account_id": "someone-else"}, 401),
    (None, {"account_id": "sandbox-account"}, 401),
    (("sandbox-client", "sandbox-secret"), {"account_id": "sandbox-account",
                                            "grant_type": "client_credentials"}, 400),
])
def test_token_endpoint_checks_credentials(zoom, auth, form, status):
    data = {"grant_type": "account_credentials", **form}
    response = requests.post(zoom.oauth_url, auth=auth, data=data, timeout=5)
    assert response.status_code == status
    assert "access_token" not in response.json()


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc"])
def test_api_without_a_valid_token_is_401_code_124(zoom, header):
    headers = {"Authorization": header} if header else {}
    response = requests.get(zoom.api_url + f"/users/{HOST}", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Invalid access token."}


def test_expired_tokens_are_refused(zoom, api):
    assert api("GET", f"/users/{HOST}").status_code == 200
    zoom.expire_tokens()
    assert api("GET", f"/users/{HOST}").json()["code"] == 124


def test_tokens_expire_after_their_ttl(zoom):
    zoom.token_ttl = 0
    response = requests.get(zoom.api_url + f"/users/{HOST}", timeout=5,
                            headers={"Authorization": f"Bearer {token(zoom)}"})
    assert response.status_code == 401


# --- create, read, update, delete, end -------------------------------------------------


def test_create_is_201_with_zoom_fields(zoom, api):
    meeting = api.create(**scheduled())
    assert {"id", "uuid", "host_id", "host_email", "topic", "type", "start_time", "duration",
            "timezone", "created_at", "start_url", "join_url", "password", "h323_password",
            "encrypted_password", "settings"} <= meeting.keys()
    assert isinstance(meeting["id"], int) and 10 <= len(str(meeting["id"])) <= 11
    assert meeting["start_time"] == "2030-03-10T09:30:00Z"  # 15:00 in Kolkata, as UTC
    assert meeting["timezone"] == "Asia/Kolkata" and meeting["host_email"] == HOST
    assert meeting["join_url"] == \
        f"https://zoom.us/j/{meeting['id']}?pwd={meeting['encrypted_password']}"
    assert "zak=" in meeting["start_url"]
    assert "pmi" not in meeting
    for name in ("use_pmi", "waiting_room", "join_before_host", "mute_upon_entry",
                 "auto_recording", "meeting_authentication", "encryption_type",
                 "approval_type", "alternative_hosts"):
        assert name in meeting["settings"], name


def test_omitted_settings_get_zoom_api_defaults_not_portal_settings(zoom, api):
    zoom.add_user(HOST, settings={"in_meeting": {"waiting_room": True},
                                  "schedule_meeting": {"join_before_host": False}})
    meeting = api.create(topic="Bare", type=2, password=PASSCODE)
    settings = meeting["settings"]
    assert settings["waiting_room"] is False  # the portal says on; the API default is off
    assert settings["mute_upon_entry"] is False and settings["auto_recording"] == "none"
    assert settings["use_pmi"] is False and settings["approval_type"] == 2


def test_get_returns_the_meeting_with_a_fresh_start_url(zoom, api):
    created = api.create(**scheduled())
    read = api.get(created["id"])
    assert read["status"] == "waiting"
    assert read["password"] == PASSCODE and read["settings"] == created["settings"]
    assert read["start_url"] != created["start_url"]


def test_patch_is_204_and_deep_merges_settings(zoom, api):
    meeting = api.create(**scheduled())
    response = api("PATCH", f"/meetings/{meeting['id']}",
                   json={"topic": "Moved", "duration": 60, "settings": {"mute_upon_entry": True}})
    assert response.status_code == 204 and response.content == b""
    read = api.get(meeting["id"])
    assert (read["topic"], read["duration"]) == ("Moved", 60)
    assert read["settings"]["mute_upon_entry"] is True
    assert read["settings"]["waiting_room"] is True  # untouched settings stay
    assert read["password"] == PASSCODE and read["join_url"] == meeting["join_url"]


def test_patch_validates_the_passcode(zoom, api):
    meeting = api.create(**scheduled())
    response = api("PATCH", f"/meetings/{meeting['id']}", json={"password": "no spaces"})
    assert response.status_code == 400 and response.json()["code"] == 300
    assert api.get(meeting["id"])["password"] == PASSCODE


def test_updates_per_meeting_are_limited_per_day(zoom, api):
    zoom.daily_limit = 3
    meeting = api.create(**scheduled())
    for n in range(3):
        assert api("PATCH", f"/meetings/{meeting['id']}", json={"duration": 40 + n}) \
            .status_code == 204
    response = api("PATCH", f"/meetings/{meeting['id']}", json={"duration": 50})
    assert response.status_code == 429 and "daily" in response.json()["message"]


def test_delete_is_204_then_404_3001(zoom, api):
    meeting = api.create(**scheduled())
    assert api("DELETE", f"/meetings/{meeting['id']}").status_code == 204
    response = api("GET", f"/meetings/{meeting['id']}")
    assert response.status_code == 404
    assert response.json() == {"code": 3001, "message":
                               f"Meeting {meeting['id']} is not found or has expired."}


def test_a_started_meeting_cannot_be_deleted_but_can_be_ended(zoom, api):
    meeting = api.create(**scheduled())
    zoom.start_meeting(meeting["id"])
    assert api.get(meeting["id"])["status"] == "started"
    response = api("DELETE", f"/meetings/{meeting['id']}")
    assert (response.status_code, response.json()["code"]) == (400, 3002)
    end = api("PUT", f"/meetings/{meeting['id']}/status", json={"action": "end"})
    assert end.status_code == 204
    assert zoom.meetings[meeting["id"]]["ended_by_api"] is True
    assert api.get(meeting["id"])["status"] == "waiting"
    assert "ended_by_api" not in api.get(meeting["id"])  # the test view only


def test_status_needs_a_known_action(zoom, api):
    meeting = api.create(**scheduled())
    response = api("PUT", f"/meetings/{meeting['id']}/status", json={"action": "pause"})
    assert (response.status_code, response.json()["code"]) == (400, 300)


def test_a_deleted_meeting_can_be_recovered(zoom, api):
    meeting = api.create(**scheduled())
    api("DELETE", f"/meetings/{meeting['id']}")
    response = api("PUT", f"/meetings/{meeting['id']}/status", json={"action": "recover"})
    assert response.status_code == 204
    assert api.get(meeting["id"])["topic"] == "Budget"


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b""])
def test_a_body_that_is_not_a_json_object_is_300(zoom, api, raw):
    response = api("POST", f"/users/{HOST}/meetings", data=raw,
                   headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"code": 300,
                               "message": "Request Body should be a valid JSON object."}


# --- passcodes -----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["Ab3*xyz9Qq", "a", "123456", "a@b-c_d*e9"])
def test_valid_passcodes_are_accepted(zoom, api, password):
    assert api.create(**scheduled(password=password))["password"] == password


@pytest.mark.parametrize("password", ["Ab3*xyz9Qq1", "has space", "bang!", "ünïcode", 12345])
def test_invalid_passcodes_are_400_code_300(zoom, api, password):
    response = api("POST", f"/users/{HOST}/meetings", json=scheduled(password=password))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 300 and body["message"].startswith("Invalid password")
    assert zoom.meetings == {}


def test_join_url_without_passcode_when_embedding_is_off(zoom, api):
    zoom.add_user(HOST, settings={"schedule_meeting": {"embed_password_in_join_link": False}})
    meeting = api.create(**scheduled())
    assert meeting["join_url"] == f"https://zoom.us/j/{meeting['id']}"


def test_passcode_derivatives(zoom, api):
    meeting = api.create(**scheduled(password="123456"))
    assert meeting["h323_password"] == "123456"
    other = api.create(**scheduled())
    assert other["h323_password"].isdigit() and other["encrypted_password"]


# --- Zoom's own rules ----------------------------------------------------------------


def test_waiting_room_turns_join_before_host_off(zoom, api):
    meeting = api.create(**scheduled(settings={"waiting_room": True, "join_before_host": True}))
    assert meeting["settings"]["join_before_host"] is False


def test_auto_security_forces_the_waiting_room_on(zoom, api):
    meeting = api.create(**scheduled(password=None, settings={
        "waiting_room": False, "join_before_host": True, "meeting_authentication": False}))
    assert meeting["password"] == ""
    assert meeting["settings"]["waiting_room"] is True
    assert meeting["settings"]["join_before_host"] is False
    assert meeting["join_url"] == f"https://zoom.us/j/{meeting['id']}"


@pytest.mark.parametrize("secured", [{"password": PASSCODE},
                                     {"settings": {"meeting_authentication": True}}])
def test_auto_security_is_satisfied_by_a_passcode_or_authentication(zoom, api, secured):
    body = scheduled(password=None, settings={"waiting_room": False})
    body.update(secured)
    body["settings"] = {"waiting_room": False, **body["settings"]}
    assert api.create(**body)["settings"]["waiting_room"] is False


def test_without_auto_security_an_open_meeting_stays_open(zoom, api):
    zoom.add_user(HOST, settings={"meeting_security": {"auto_security": False}})
    meeting = api.create(**scheduled(password=None, settings={"waiting_room": False}))
    assert meeting["settings"]["waiting_room"] is False


def test_use_pmi_gives_the_hosts_pmi_as_the_id(zoom, api):
    zoom.add_user(HOST, pmi=5551234567)
    meeting = api.create(**scheduled(settings={"use_pmi": True}))
    assert meeting["id"] == 5551234567 and meeting["pmi"] == 5551234567
    assert api.get(5551234567)["pmi"] == "5551234567"  # string on GET, as the spec says


def test_fresh_ids_never_collide_with_each_other_or_a_pmi(zoom, api):
    pmis = {zoom.add_user(f"u{n}@example.com")["pmi"] for n in range(20)}
    ids = {api.create(f"u{n % 20}@example.com", **scheduled())["id"] for n in range(200)}
    assert len(ids) == 200 and not ids & pmis


# --- locks ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "value", "asked", "field"), [
    ("schedule_meeting.join_before_host", True, {"join_before_host": False}, "join_before_host"),
    ("meeting_security.waiting_room", False, {"waiting_room": True}, "waiting_room"),
    ("recording.auto_recording", "cloud", {"auto_recording": "none"}, "auto_recording"),
    ("schedule_meeting.meeting_authentication", True, {}, "meeting_authentication"),
])
def test_a_locked_setting_overrides_the_request(zoom, api, path, value, asked, field):
    zoom.lock_setting(path, value)
    meeting = api.create(**scheduled(settings=asked))
    assert meeting["settings"][field] == value
    assert api.get(meeting["id"])["settings"][field] == value


def test_locks_also_override_a_patch(zoom, api):
    meeting = api.create(**scheduled())
    zoom.lock_setting("recording.auto_recording", "local")
    api("PATCH", f"/meetings/{meeting['id']}", json={"settings": {"auto_recording": "none"}})
    assert api.get(meeting["id"])["settings"]["auto_recording"] == "local"


def test_a_locked_user_setting_keeps_its_value(zoom, api):
    zoom.lock_setting("in_meeting.file_transfer", True)
    response = api("PATCH", f"/users/{HOST}/settings", json={"in_meeting": {
        "file_transfer": False, "who_can_share_screen": "host"}})
    assert response.status_code == 204
    settings = api("GET", f"/users/{HOST}/settings").json()
    assert settings["in_meeting"]["file_transfer"] is True
    assert settings["in_meeting"]["who_can_share_screen"] == "host"


def test_lock_settings_are_flags_in_zooms_shape(zoom, api):
    zoom.lock_setting("schedule_meeting.join_before_host", False)
    zoom.lock_setting("meeting_security.waiting_room", True)
    locks = api("GET", "/accounts/me/lock_settings").json()
    assert locks["schedule_meeting"]["join_before_host"] is True
    assert locks["schedule_meeting"]["use_pmi_for_scheduled_meetings"] is False
    assert {"in_meeting", "recording"} <= locks.keys() and "meeting_security" not in locks
    security = api("GET", "/accounts/me/lock_settings",
                   params={"option": "meeting_security"}).json()
    assert security == {"meeting_security": {**security["meeting_security"],
                                             "waiting_room": True}}


# --- users and settings --------------------------------------------------------------


def test_get_user(zoom, api):
    zoom.add_user(HOST, pmi=5550001111, timezone="Europe/Berlin")
    user = api("GET", f"/users/{HOST}").json()
    assert user["email"] == HOST and user["pmi"] == 5550001111
    assert user["timezone"] == "Europe/Berlin" and user["type"] == 2 and user["id"]
    assert api("GET", f"/users/{user['id']}").json()["email"] == HOST


def test_unknown_users_are_404_1001_without_auto_users(zoom, api):
    zoom.auto_users = False
    for method, path in [("GET", "/users/x@example.com"), ("POST", "/users/x@example.com/meetings"),
                         ("GET", "/users/x@example.com/settings")]:
        response = api(method, path, json={})
        assert (response.status_code, response.json()["code"]) == (404, 1001)


def test_a_user_without_scheduling_rights_gets_3161(zoom, api):
    zoom.add_user(HOST, can_schedule=False)
    response = api("POST", f"/users/{HOST}/meetings", json=scheduled())
    assert (response.status_code, response.json()["code"]) == (400, 3161)


def test_user_settings_have_zooms_insecure_defaults(zoom, api):
    settings = api("GET", f"/users/{HOST}/settings").json()
    assert settings["in_meeting"]["who_can_share_screen"] == "all"
    assert settings["in_meeting"]["file_transfer"] is True
    assert settings["recording"]["local_recording"] is True
    assert settings["recording"]["cloud_recording"] is True
    assert settings["schedule_meeting"]["embed_password_in_join_link"] is True
    security = api("GET", f"/users/{HOST}/settings", params={"option": "meeting_security"})
    assert security.json()["meeting_security"]["auto_security"] is True


def test_user_settings_patch_rejects_bad_values(zoom, api):
    response = api("PATCH", f"/users/{HOST}/settings",
                   json={"in_meeting": {"who_can_share_screen": "everyone"}})
    assert (response.status_code, response.json()["code"]) == (400, 300)


def test_the_waiting_room_setting_lives_in_two_places(zoom, api):
    api("PATCH", f"/users/{HOST}/settings", json={"in_meeting": {"waiting_room": True}})
    security = api("GET", f"/users/{HOST}/settings", params={"option": "meeting_security"})
    assert security.json()["meeting_security"]["waiting_room"] is True


# --- recurring meetings --------------------------------------------------------------


def test_weekly_occurrences(zoom, api):
    meeting = api.create(**scheduled(type=8, start_time="2030-03-04T10:00:00",
                                     timezone="Europe/London", recurrence={
                                         "type": 2, "weekly_days": "2,4", "end_times": 4}))
    starts = [o["start_time"] for o in meeting["occurrences"]]
    # 2 = Monday, 4 = Wednesday (1 = Sunday); 10:00 in London is 10:00 UTC in early March
    assert starts == ["2030-03-04T10:00:00Z", "2030-03-06T10:00:00Z",
                      "2030-03-11T10:00:00Z", "2030-03-13T10:00:00Z"]
    first = meeting["occurrences"][0]
    assert first["status"] == "available" and first["duration"] == 30
    assert first["occurrence_id"] == str(int(datetime(2030, 3, 4, 10, tzinfo=UTC)
                                             .timestamp() * 1000))
    assert meeting["recurrence"] == {"type": 2, "repeat_interval": 1, "end_times": 4,
                                     "weekly_days": "2,4"}


def test_daily_occurrences_keep_wall_clock_time_across_dst(zoom, api):
    meeting = api.create(**scheduled(type=8, start_time="2030-03-30T09:00:00",
                                     timezone="Europe/London",
                                     recurrence={"type": 1, "end_times": 3}))
    assert [o["start_time"] for o in meeting["occurrences"]] == [
        "2030-03-30T09:00:00Z", "2030-03-31T08:00:00Z", "2030-04-01T08:00:00Z"]


def test_monthly_occurrences_and_the_default_of_one(zoom, api):
    monthly = api.create(**scheduled(type=8, start_time="2030-01-31T12:00:00Z",
                                     recurrence={"type": 3, "monthly_day": 31, "end_times": 3}))
    assert [o["start_time"][:10] for o in monthly["occurrences"]] == [
        "2030-01-31", "2030-02-28", "2030-03-31"]
    last_friday = api.create(**scheduled(type=8, start_time="2030-01-01T12:00:00Z", recurrence={
        "type": 3, "monthly_week": -1, "monthly_week_day": 6, "end_times": 2}))
    assert [o["start_time"][:10] for o in last_friday["occurrences"]] == [
        "2030-01-25", "2030-02-22"]
    once = api.create(**scheduled(type=8, recurrence={"type": 1}))
    assert len(once["occurrences"]) == 1


def test_occurrences_until_an_end_date(zoom, api):
    meeting = api.create(**scheduled(type=8, start_time="2030-05-01T08:00:00Z", recurrence={
        "type": 1, "repeat_interval": 2, "end_date_time": "2030-05-07T23:00:00Z"}))
    assert [o["start_time"][:10] for o in meeting["occurrences"]] == [
        "2030-05-01", "2030-05-03", "2030-05-05", "2030-05-07"]


def test_recurrence_limits_are_checked(zoom, api):
    response = api("POST", f"/users/{HOST}/meetings", json=scheduled(
        type=8, recurrence={"type": 1, "end_times": 2, "end_date_time": "2030-05-07T23:00:00Z"}))
    assert response.status_code == 400
    response = api("POST", f"/users/{HOST}/meetings", json=scheduled(
        type=8, recurrence={"type": 2, "repeat_interval": 13}))
    assert response.status_code == 400


# --- listing -------------------------------------------------------------------------


def test_list_meetings_pages_with_tokens(zoom, api):
    ids = {api.create(**scheduled(start_time=f"2030-03-{10 + n}T10:00:00Z"))["id"]
           for n in range(5)}
    api.create("bob@example.com", **scheduled())
    first = api("GET", f"/users/{HOST}/meetings", params={"page_size": 2}).json()
    assert first["total_records"] == 5 and first["page_size"] == 2
    seen = [m["id"] for m in first["meetings"]]
    token_ = first["next_page_token"]
    while token_:
        page = api("GET", f"/users/{HOST}/meetings",
                   params={"page_size": 2, "next_page_token": token_}).json()
        seen += [m["id"] for m in page["meetings"]]
        token_ = page["next_page_token"]
    assert len(seen) == 5 and set(seen) == ids
    item = first["meetings"][0]
    assert set(item) == {"uuid", "id", "host_id", "topic", "type", "start_time", "duration",
                         "timezone", "created_at", "join_url"}


def test_list_kinds(zoom, api):
    past = api.create(**scheduled(start_time="2020-01-01T10:00:00Z"))["id"]
    future = api.create(**scheduled())["id"]
    live = api.create(**scheduled(start_time="2020-01-02T10:00:00Z"))["id"]
    zoom.start_meeting(live)
    api.create(type=1, password=PASSCODE)  # instant meetings are never listed

    def ids(kind):
        body = api("GET", f"/users/{HOST}/meetings", params={"type": kind}).json()
        return {m["id"] for m in body["meetings"]}

    assert ids("scheduled") == {past, future, live}
    assert ids("upcoming") == {future, live}
    assert ids("live") == {live}
    assert ids("previous_meetings") == {past, live}
    assert api("GET", f"/users/{HOST}/meetings", params={"type": "bogus"}).status_code == 400


# --- faults, latency, load -----------------------------------------------------------


def test_fail_next_matches_method_and_path_and_counts_down(zoom, api):
    zoom.fail_next(2, 503, retry_after="3", method="GET", path_contains="/meetings/")
    meeting = api.create(**scheduled())
    first = api("GET", f"/meetings/{meeting['id']}")
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    assert first.json() == {"code": 503, "message": "Service temporarily unavailable."}
    assert api("GET", f"/meetings/{meeting['id']}").status_code == 503
    assert api("GET", f"/meetings/{meeting['id']}").status_code == 200
    assert zoom.request_log[-3:] == [("GET", f"/v2/meetings/{meeting['id']}", s)
                                     for s in (503, 503, 200)]


def test_fail_next_after_processing(zoom, api):
    zoom.fail_next(1, 502, method="POST", after=True)
    response = api("POST", f"/users/{HOST}/meetings", json=scheduled())
    assert response.status_code == 502 and len(zoom.meetings) == 1


def test_latency_delays_answers(zoom, api):
    zoom.set_latency(0.2)
    started = time.monotonic()
    assert api("GET", f"/users/{HOST}").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_two_hundred_concurrent_requests(zoom, api):
    meeting = api.create(**scheduled())
    zoom.set_latency(0.05)
    auth = api.session.headers["Authorization"]

    def fetch(_):
        # A fresh connection each: a burst of connects, not one pooled socket.
        return requests.get(f"{zoom.api_url}/meetings/{meeting['id']}", timeout=10,
                            headers={"Authorization": auth}).status_code

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(fetch, range(200)))
    assert statuses == [200] * 200


# --- controls over HTTP, reset, CLI --------------------------------------------------


def test_controls_over_http(zoom, api):
    control = zoom.base_url + "/_emulator"
    assert requests.post(control + "/users", json={"email": "carol@example.com",
                                                   "pmi": 5557654321}, timeout=5).ok
    assert requests.post(control + "/lock", json={"path": "recording.auto_recording",
                                                  "value": "cloud"}, timeout=5).ok
    meeting = api.create("carol@example.com", **scheduled())
    assert meeting["settings"]["auto_recording"] == "cloud"
    assert requests.post(control + "/start_meeting", json={"id": meeting["id"]}, timeout=5).ok
    listed = requests.get(control + "/meetings", timeout=5).json()
    assert listed[str(meeting["id"])]["status"] == "started"
    count = requests.get(control + "/create_count", params={"email": "carol@example.com"},
                         timeout=5).json()
    assert count == {"count": 1}
    assert requests.post(control + "/fail_next", json={"n": 1, "status": 504}, timeout=5).ok
    assert api("GET", f"/meetings/{meeting['id']}").status_code == 504
    assert requests.post(control + "/latency", json={"seconds": 0}, timeout=5).ok
    log = requests.get(control + "/requests", timeout=5).json()
    assert log[-1] == ["GET", f"/v2/meetings/{meeting['id']}", 504]
    assert requests.post(control + "/user_settings", json={
        "email": "carol@example.com", "patch": {"in_meeting": {"file_transfer": False}}},
        timeout=5).ok
    assert api("GET", "/users/carol@example.com/settings").json()["in_meeting"][
        "file_transfer"] is False
    assert requests.post(control + "/expire_tokens", timeout=5).ok
    assert api("GET", f"/meetings/{meeting['id']}").status_code == 401
    assert requests.post(control + "/lock", json={"value": 1}, timeout=5).status_code == 400
    assert requests.post(control + "/reset", timeout=5).ok
    assert zoom.meetings == {} and zoom.request_log == []


def test_reset_restores_a_clean_account(zoom, api):
    zoom.lock_setting("schedule_meeting.join_before_host", True)
    zoom.auto_users = False
    zoom.add_user(HOST)
    api.create(**scheduled())
    zoom.fail_next(5, 500)
    zoom.reset()
    assert zoom.meetings == {} and zoom.request_log == [] and zoom.auto_users is True
    assert zoom.token_requests == 0 and zoom.create_count(HOST) == 0
    assert requests.get(zoom.api_url + f"/users/{HOST}", timeout=5,
                        headers={"Authorization": f"Bearer {token(zoom)}"}).status_code == 200


def test_its_own_emulator_starts_and_stops_cleanly():
    with ZoomEmulator(latency=0.5) as emulator:
        assert emulator.start() == emulator.base_url  # idempotent
        assert emulator.api_url == emulator.base_url + "/v2"
        with ThreadPoolExecutor(4) as pool:  # requests in flight while it stops
            futures = [pool.submit(requests.get, emulator.api_url + "/users/x", timeout=5)
                       for _ in range(4)]
            time.sleep(0.1)
            emulator.stop()
            assert all(f.result().status_code == 503 for f in futures)
    emulator.stop()  # idempotent


def test_command_line_runs_it_in_the_foreground():
    proc = subprocess.Popen([sys.executable, "-m", "bot.zoom_emulator", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Zoom emulator on http://127.0.0.1:")
        base = first.split(" on ")[1].strip()
        response = requests.post(base + "/oauth/token", auth=("sandbox-client", "sandbox-secret"),
                                 data={"grant_type": "account_credentials",
                                       "account_id": "sandbox-account"}, timeout=5)
        assert response.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_clock_drives_the_day():
    now = [datetime(2030, 1, 1, 23, 0, tzinfo=UTC)]
    with ZoomEmulator(clock=lambda: now[0], daily_limit=1) as emulator:
        api_ = Api(emulator)
        api_.create(**scheduled())
        assert api_("POST", f"/users/{HOST}/meetings", json=scheduled()).status_code == 429
        now[0] += timedelta(hours=2)  # past 00:00 GMT: a new day
        assert api_("POST", f"/users/{HOST}/meetings", json=scheduled()).status_code == 201
        api_.session.close()
