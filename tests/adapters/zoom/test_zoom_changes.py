"""Moving and cancelling in Zoom: the emulator over raw HTTP, then the real client on it.

What Zoom does (zoom-openapi-excerpt.json: meetingUpdate, meetingDelete): PATCH and
DELETE answer 204 with no body; ``?occurrence_id=`` changes or deletes one occurrence of
a recurring meeting; an unknown meeting is 404 / 3001, an unknown occurrence 400 / 3000;
a meeting in progress cannot be deleted (400 / 3002) until it is ended.
"""

from __future__ import annotations

import pytest

from commands.errors import ZoomBadRequest, ZoomInProgress, ZoomNotFound
from tests.adapters.zoom.test_zoom_emulator import HOST, PASSCODE, Api, scheduled


@pytest.fixture
def api(zoom):
    client = Api(zoom)
    yield client
    client.session.close()


def weekly(**overrides) -> dict:
    return scheduled(type=8, start_time="2030-03-04T10:00:00", timezone="UTC",
                     recurrence={"type": 2, "weekly_days": "2", "end_times": 4}, **overrides)


# --- the emulator over raw HTTP ------------------------------------------------------


def test_a_move_is_204_and_keeps_the_passcode_and_link(zoom, api):
    meeting = api.create(**scheduled())
    response = api("PATCH", f"/meetings/{meeting['id']}",
                   json={"start_time": "2030-03-12T09:00:00Z", "duration": 45})
    assert response.status_code == 204 and response.content == b""
    read = api.get(meeting["id"])
    assert (read["start_time"], read["duration"]) == ("2030-03-12T09:00:00Z", 45)
    assert read["password"] == PASSCODE and read["join_url"] == meeting["join_url"]
    assert read["encrypted_password"] == meeting["encrypted_password"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_an_unknown_meeting_is_404_3001(zoom, api, method):
    response = api(method, "/meetings/98765432101", json={"duration": 30})
    assert response.status_code == 404
    assert response.json() == {"code": 3001,
                               "message": "Meeting 98765432101 is not found or has expired."}


def test_one_occurrence_moves_and_the_others_stay(zoom, api):
    meeting = api.create(**weekly())
    first, second, *rest = meeting["occurrences"]
    response = api("PATCH", f"/meetings/{meeting['id']}",
                   params={"occurrence_id": second["occurrence_id"]},
                   json={"start_time": "2030-03-12T15:00:00Z", "duration": 50})
    assert response.status_code == 204
    read = api.get(meeting["id"])
    moved = next(o for o in read["occurrences"]
                 if o["occurrence_id"] == second["occurrence_id"])
    assert (moved["start_time"], moved["duration"]) == ("2030-03-12T15:00:00Z", 50)
    others = [o for o in read["occurrences"] if o is not moved]
    assert [o["start_time"] for o in others] == [first["start_time"],
                                                 *(o["start_time"] for o in rest)]
    assert read["start_time"] == meeting["start_time"] and read["password"] == PASSCODE


def test_one_occurrence_is_deleted_and_listed_as_deleted(zoom, api):
    meeting = api.create(**weekly())
    target = meeting["occurrences"][1]["occurrence_id"]
    path = f"/meetings/{meeting['id']}"
    assert api("DELETE", path, params={"occurrence_id": target}).status_code == 204
    statuses = {o["occurrence_id"]: o["status"] for o in api.get(meeting["id"])["occurrences"]}
    assert statuses[target] == "deleted"
    assert sorted(statuses.values()) == ["available"] * 3 + ["deleted"]
    again = api("DELETE", path, params={"occurrence_id": target})
    assert (again.status_code, again.json()["code"]) == (400, 3000)  # already gone


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_an_unknown_occurrence_is_400_3000(zoom, api, method):
    meeting = api.create(**weekly())
    response = api(method, f"/meetings/{meeting['id']}", params={"occurrence_id": "123"},
                   json={"duration": 30})
    assert (response.status_code, response.json()) == (
        400, {"code": 3000, "message": "Invalid occurrence_id."})
    single = api.create(**scheduled())
    response = api(method, f"/meetings/{single['id']}", params={"occurrence_id": "123"},
                   json={"duration": 30})
    assert (response.status_code, response.json()["code"]) == (400, 3000)


def test_a_settings_patch_keeps_what_was_done_to_one_occurrence(zoom, api):
    meeting = api.create(**weekly())
    gone = meeting["occurrences"][2]["occurrence_id"]
    api("DELETE", f"/meetings/{meeting['id']}", params={"occurrence_id": gone})
    api("PATCH", f"/meetings/{meeting['id']}", json={"settings": {"mute_upon_entry": True}})
    read = api.get(meeting["id"])
    assert [o["status"] for o in read["occurrences"]].count("deleted") == 1


def test_a_new_series_start_needs_its_recurrence_and_lays_out_the_occurrences_again(zoom, api):
    meeting = api.create(**weekly())
    path = f"/meetings/{meeting['id']}"
    bare = api("PATCH", path, json={"start_time": "2030-03-06T11:00:00Z"})
    assert (bare.status_code, bare.json()["code"]) == (400, 300)
    assert api.get(meeting["id"])["start_time"] == meeting["start_time"]
    moved = api("PATCH", path, json={"start_time": "2030-03-06T11:00:00Z",
                                     "recurrence": {"type": 2, "weekly_days": "4",
                                                    "end_times": 4}})
    assert moved.status_code == 204
    read = api.get(meeting["id"])
    assert [o["start_time"] for o in read["occurrences"]] == [
        "2030-03-06T11:00:00Z", "2030-03-13T11:00:00Z", "2030-03-20T11:00:00Z",
        "2030-03-27T11:00:00Z"]


def test_a_past_series_start_is_ignored(zoom, api):
    meeting = api.create(**weekly())
    response = api("PATCH", f"/meetings/{meeting['id']}",
                   json={"start_time": "2020-01-01T10:00:00Z", "topic": "Renamed"})
    assert response.status_code == 204
    read = api.get(meeting["id"])
    assert read["topic"] == "Renamed" and read["start_time"] == meeting["start_time"]


def test_a_meeting_in_progress_is_not_deleted_nor_its_occurrences(zoom, api):
    meeting = api.create(**weekly())
    zoom.start_meeting(meeting["id"])
    occurrence = meeting["occurrences"][0]["occurrence_id"]
    for params in ({}, {"occurrence_id": occurrence}):
        response = api("DELETE", f"/meetings/{meeting['id']}", params=params)
        assert response.status_code == 400
        assert response.json() == {"code": 3002, "message": "Sorry, you cannot delete this "
                                   "meeting since it is in progress."}
    assert meeting["id"] in zoom.meetings


def test_reminder_options_are_booleans(zoom, api):
    meeting = api.create(**scheduled())
    path = f"/meetings/{meeting['id']}"
    bad = api("DELETE", path, params={"schedule_for_reminder": "yes"})
    assert (bad.status_code, bad.json()["code"]) == (400, 300)
    assert api("DELETE", path, params={"schedule_for_reminder": "false",
                                       "cancel_meeting_reminder": "true"}).status_code == 204
    assert meeting["id"] not in zoom.meetings


def test_upcoming_leaves_out_a_series_whose_remaining_occurrences_were_deleted(zoom, api):
    meeting = api.create(**scheduled(type=8, start_time="2020-01-06T10:00:00Z",
                                     recurrence={"type": 1, "end_times": 2}))
    listed = api("GET", f"/users/{HOST}/meetings",
                 params={"type": "upcoming"}).json()["meetings"]
    assert meeting["id"] not in {m["id"] for m in listed}  # both occurrences are past


# --- the real client ---------------------------------------------------------------------


def test_client_moves_one_occurrence_and_deletes_another(zoom, zoom_client):
    meeting = zoom_client.create_meeting(HOST, weekly())
    one, two = (o["occurrence_id"] for o in meeting["occurrences"][:2])
    zoom_client.update_meeting(meeting["id"], {"start_time": "2030-03-04T12:00:00Z"},
                               occurrence_id=one)
    zoom_client.delete_meeting(meeting["id"], occurrence_id=two, schedule_for_reminder=False)
    held = zoom.meetings[meeting["id"]]["occurrences"]
    assert [o["start_time"] for o in held if o["occurrence_id"] == one] == [
        "2030-03-04T12:00:00Z"]
    assert [o["status"] for o in held if o["occurrence_id"] == two] == ["deleted"]
    with pytest.raises(ZoomBadRequest) as info:
        zoom_client.delete_meeting(meeting["id"], occurrence_id=two)
    assert info.value.code == 3000


def test_client_maps_3001_and_3002(zoom, zoom_client):
    meeting = zoom_client.create_meeting(HOST, scheduled())
    zoom.start_meeting(meeting["id"])
    with pytest.raises(ZoomInProgress):
        zoom_client.delete_meeting(meeting["id"])
    zoom_client.end_meeting(meeting["id"])
    zoom_client.delete_meeting(meeting["id"], cancel_meeting_reminder=True)
    with pytest.raises(ZoomNotFound):
        zoom_client.delete_meeting(meeting["id"])
    with pytest.raises(ZoomNotFound):
        zoom_client.update_meeting(meeting["id"], {"duration": 20})
