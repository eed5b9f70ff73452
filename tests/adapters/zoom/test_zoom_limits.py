"""Zoom's per-second rate limits: the emulator enforces them as Zoom answers, and the
client's per-account budget (shared by replicas through the store) keeps a burst under
them, so it queues instead of earning 429s. Over real HTTP, on both store backends."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from bot.zoom import rates
from bot.zoom.budget import BUSY, RateBudget
from bot.zoom_emulator.limits import QPS_MESSAGE, RateLimiter, category_of
from commands.errors import ZoomRateLimited
from tests.paths import ROOT

HOST = "alice@example.com"


def api(zoom) -> requests.Session:
    """A plain HTTP session with a token, to see exactly what the emulator answers."""
    session = requests.Session()
    token = session.post(zoom.oauth_url, auth=(zoom.client_id, zoom.client_secret), data={
        "grant_type": "account_credentials", "account_id": zoom.account_id}).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    return session


def at_once(n, call):
    """``n`` calls from 8 threads: well inside one second even on a busy machine."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: call(), range(n)))


def statuses(zoom):
    return [status for _, path, status in zoom.request_log if path.startswith("/v2/")]


# --- the emulator answers 429 as Zoom does ---------------------------------------------


def test_past_pros_medium_limit_the_emulator_answers_429_as_zoom_does(zoom):
    zoom.set_limits("pro")
    session = api(zoom)
    answers = at_once(21, lambda: session.get(f"{zoom.api_url}/users/{HOST}/settings"))
    assert sorted(a.status_code for a in answers) == [200] * 20 + [429]
    (refused,) = [a for a in answers if a.status_code == 429]
    assert refused.json() == {"code": 429, "message": QPS_MESSAGE}
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    assert refused.headers["X-RateLimit-Type"] == "QPS"
    assert refused.headers["X-RateLimit-Limit"] == "20"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == "1"
    assert zoom.rate_limited == 1
    time.sleep(1.05)  # the window slides on
    assert session.get(f"{zoom.api_url}/users/{HOST}/settings").status_code == 200


def test_categories_are_counted_apart_and_the_token_endpoint_not_at_all(zoom):
    zoom.set_limits("pro")
    session = api(zoom)
    light = at_once(31, lambda: session.get(f"{zoom.api_url}/users/{HOST}").status_code)
    assert sorted(light) == [200] * 30 + [429]
    assert session.get(f"{zoom.api_url}/accounts/me/lock_settings").status_code == 200
    for _ in range(40):
        api(zoom)  # 40 more tokens, no 429
    assert zoom.rate_limited == 1


@pytest.mark.parametrize(("plan", "light", "medium"), [("pro", 30, 20), ("business", 80, 60)])
def test_each_plan_allows_its_number_in_any_one_second_window(plan, light, medium):
    now = [100.0]
    limiter = RateLimiter(plan, clock=lambda: now[0])
    settings = f"/v2/users/{HOST}/settings"
    assert [limiter.admit("GET", settings) for _ in range(medium)] == [None] * medium
    assert [limiter.admit("GET", f"/v2/users/{HOST}") for _ in range(light)] == [None] * light
    now[0] += 0.999  # the window slides: nothing has left it yet
    refused = limiter.admit("GET", settings)
    assert refused is not None and refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-RateLimit-Limit"] == str(medium)
    now[0] += 0.001  # the first ones leave it
    assert limiter.admit("GET", settings) is None
    assert limiter.admit("POST", "/oauth/token") is None  # never limited
    assert limiter.refused == 1


def test_limits_are_off_unless_asked_and_can_be_set_over_http(zoom):
    session = api(zoom)
    assert {session.get(f"{zoom.api_url}/users/{HOST}/settings").status_code
            for _ in range(30)} == {200}
    reply = requests.post(zoom.base_url + "/_emulator/limits", json={"plan": "pro"})
    assert reply.json() == {"plan": "pro"} and zoom.limits == "pro"
    zoom.reset()
    assert zoom.limits is None


# --- the budget keeps a burst under them ---------------------------------------------------


def burst(clients, n, call):
    """``n`` calls from 16 threads spread over ``clients``; (errors, seconds)."""
    def one(i):
        try:
            call(clients[i % len(clients)], i)
        except ZoomRateLimited as exc:
            return exc
        return None

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        errors = [e for e in pool.map(one, range(n)) if e is not None]
    return errors, time.monotonic() - started


def settings_of(client, i):
    client.get_user_settings(f"user{i % 7}@example.com")


def test_two_replicas_sharing_the_budget_earn_no_429(zoom, make_zoom_client, replicas):
    zoom.set_limits("pro")
    clients = [make_zoom_client(budget=RateBudget(replicas(), account_id=zoom.account_id))
               for _ in range(2)]
    errors, seconds = burst(clients, 40, settings_of)
    assert errors == [] and zoom.rate_limited == 0
    assert 429 not in statuses(zoom) and len(statuses(zoom)) == 40
    assert seconds >= 39 / 18  # Medium at 0.9 × 20/s: queued, not refused


def test_without_the_budget_the_same_burst_earns_429s(zoom, make_zoom_client):
    zoom.set_limits("pro")
    clients = [make_zoom_client(), make_zoom_client()]
    burst(clients, 40, settings_of)
    assert zoom.rate_limited > 0  # what the budget saves


def test_a_429_that_comes_anyway_still_waits_its_retry_after(zoom, make_zoom_client, sleeps,
                                                            replicas):
    client = make_zoom_client(budget=RateBudget(replicas(), account_id=zoom.account_id))
    zoom.fail_next(1, 429, retry_after="2", headers={"X-RateLimit-Type": "QPS"})
    assert client.get_user(HOST)["email"] == HOST
    assert sleeps == [2.0]
    assert statuses(zoom) == [429, 200]


def frozen_budget(store, **kw):
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    waits: list[float] = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += timedelta(seconds=seconds)

    budget = RateBudget(store, account_id="acct", clock=lambda: now[0], sleep=sleep, **kw)
    return budget, waits


@pytest.mark.parametrize(("plan", "category", "rate"), [
    ("pro", rates.MEDIUM, 18.0), ("pro", rates.LIGHT, 27.0), ("business", rates.MEDIUM, 54.0),
])
def test_calls_are_spaced_at_the_plans_limit_times_the_share(replicas, plan, category, rate):
    budget, waits = frozen_budget(replicas(), plan=plan)
    assert [budget.acquire(category) for _ in range(5)] == pytest.approx(
        [0.0] + [1 / rate] * 4, rel=1e-4)
    assert sum(waits) == pytest.approx(4 / rate, rel=1e-4)


def test_replicas_draw_on_one_budget(replicas):
    one, waits = frozen_budget(replicas())
    two, _ = frozen_budget(replicas())
    assert one.acquire(rates.MEDIUM) == 0
    assert two.acquire(rates.MEDIUM) == pytest.approx(1 / 18, rel=1e-4)  # the other took it


def test_a_queue_too_long_to_wait_out_tells_the_user(replicas):
    budget, waits = frozen_budget(replicas(), max_wait=0.05)
    budget.acquire(rates.MEDIUM)
    with pytest.raises(ZoomRateLimited) as info:
        budget.acquire(rates.MEDIUM)  # the next token is 1/18 s away: longer than allowed
    assert str(info.value) == BUSY and waits == []


class BrokenStore:
    def take_rate(self, *args, **kwargs):
        raise OSError("database unreachable")


def test_an_unreachable_store_lets_calls_go(zoom, make_zoom_client, caplog):
    client = make_zoom_client(budget=RateBudget(BrokenStore(), account_id=zoom.account_id))
    assert client.get_user(HOST)["email"] == HOST
    assert client.get_user(HOST)["email"] == HOST
    assert caplog.text.count("zoom budget unavailable (OSError)") == 1


# --- every call has its category, the same in the client and the emulator ----------------


EXAMPLES = {"userId": "a@example.com", "meetingId": "12345678901", "accountId": "me"}


def routes_the_client_calls(zoom, make_zoom_client):
    seen: set[str] = set()
    client = make_zoom_client(on_call=lambda route, status, seconds: seen.add(route))
    meeting = client.create_meeting(HOST, {"topic": "t", "type": 2, "duration": 30,
                                           "start_time": "2030-01-15T10:00:00Z"})
    client.get_meeting(meeting["id"])
    client.update_meeting(meeting["id"], {"topic": "u"})
    client.list_meetings(HOST)
    client.get_user(HOST)
    client.get_user_settings(HOST)
    client.update_user_settings(HOST, {"in_meeting": {"file_transfer": False}})
    client.get_account_lock_settings()
    zoom.start_meeting(meeting["id"])
    client.end_meeting(meeting["id"])
    zoom.set_latency(0)
    client.delete_meeting(client.create_meeting(HOST, {"topic": "v"})["id"])
    return seen - {"POST /oauth/token"}


def test_every_route_the_client_calls_has_the_same_category_in_the_emulator(
        zoom, make_zoom_client):
    called = routes_the_client_calls(zoom, make_zoom_client)
    assert called == set(rates.CATEGORIES)
    for route in called:
        method, template = route.split(" ", 1)
        path = "/v2" + template.format(**EXAMPLES)
        assert category_of(method, path) == rates.category(route), route


def excerpt() -> dict | None:
    for place in (ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")):
        path = place / "zoom-openapi-excerpt.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def test_categories_are_the_rate_limit_labels_of_zoom_openapi_excerpt():
    spec = excerpt()
    if spec is None:
        pytest.skip("zoom-openapi-excerpt.json is not beside the repository")
    labelled = 0
    for route, label in rates.CATEGORIES.items():
        method, template = route.split(" ", 1)
        operation = spec["paths"].get(template, {}).get(method.lower())
        if operation is None:
            assert route == "GET /users/{userId}"  # the one the excerpt lacks (Light)
            continue
        assert f"Rate Limit Label](https://marketplace.zoom.us/docs/api-reference/rate-limits" \
               f"#rate-limits):** `{label}`" in operation["description"], route
        labelled += 1
    assert labelled == len(rates.CATEGORIES) - 1
