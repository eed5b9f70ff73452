"""Zoom calls per schedule, and the brief cache of host and account settings behind it.

The services are built by the composition root as production builds them (the real
client on the emulator, the store's shared token and rate budget, the cache), and the
core's commands run through the router; what reached Zoom is read from the emulator's
request log.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.zoom.cache import CachedZoom
from bot.zoom.client import ZoomClient
from commands import router
from commands.context import Requester
from commands.errors import ZoomUnavailable

HOSTS = [f"host{n}@example.com" for n in range(4)]
ADMIN = Requester(user="console:admin", platform="console", email="admin@example.com",
                  is_admin=True)


def person(email: str) -> Requester:
    return Requester(user=f"console:{email}", platform="console", email=email)


def api_calls(zoom) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in zoom.request_log if p.startswith("/v2/")]


@pytest.fixture
def wire(zoom, tmp_path):
    """``wire(**settings)``: services built by ``bootstrap`` as ``securemeet serve`` builds
    them, against the emulator (its credentials, so not sandbox mode)."""
    built = []

    def make(**settings):
        config = Config(db_path=str(tmp_path / f"app{len(built)}.db"),
                        zoom_account_id=zoom.account_id, zoom_client_id=zoom.client_id,
                        zoom_client_secret=zoom.client_secret, zoom_api_url=zoom.api_url,
                        zoom_oauth_url=zoom.oauth_url, **settings)
        built.append(bootstrap(config))
        return built[-1]

    yield make
    for services in built:
        services.close()


def schedule(app, email: str, topic: str) -> int:
    reply = router.dispatch(app.ctx, person(email), f"tomorrow 3pm for 30m {topic}")
    assert not reply.error, reply.text
    return int(next(f.value for f in reply.facts if f.label == "Meeting ID").replace(" ", ""))


def test_a_schedule_costs_two_zoom_calls_once_its_host_was_read(wire, zoom):
    app = wire()
    per_schedule = []
    for n in range(12):
        before = len(api_calls(zoom))
        schedule(app, HOSTS[n % 3], f"Call count {n}")
        per_schedule.append(api_calls(zoom)[before:])
    first, second, third = (len(calls) for calls in per_schedule[:3])
    assert first == 6  # create, read back, user settings, user, the account's locks (2)
    assert second == third == 4  # a new host: its settings and user; the locks are cached
    assert [len(calls) for calls in per_schedule[3:]] == [2] * 9
    assert {m for m, _ in per_schedule[5]} == {"POST", "GET"}  # create, read it back
    assert sum(map(len, per_schedule)) / 12 <= 3


def test_without_the_cache_a_schedule_costs_six(wire, zoom):
    app = wire(zoom_cache_seconds=0)
    schedule(app, HOSTS[0], "Warm")
    before = len(api_calls(zoom))
    schedule(app, HOSTS[0], "Uncached")
    assert len(api_calls(zoom)) - before == 6  # what the cache saves


def test_a_host_wide_fix_drops_the_hosts_cached_settings(wire, zoom):
    app = wire()
    meeting_id = schedule(app, HOSTS[0], "Fix me")
    reply = router.dispatch(app.ctx, ADMIN, f"audit {meeting_id}")
    assert any(i.rule_id == "no-file-transfer" and i.status.value == "fail"
               for i in reply.checklist)
    reply = router.dispatch(app.ctx, ADMIN, f"fix {meeting_id} no-file-transfer confirm")
    assert any(i.rule_id == "no-file-transfer" and i.status.value == "done"
               for i in reply.checklist), reply.text  # judged on a fresh read
    settings_reads = [p for m, p in api_calls(zoom) if m == "GET" and p.endswith("/settings")]
    assert len(settings_reads) == 2  # the schedule's, and the one after the fix


def test_a_change_made_in_zoom_shows_once_the_entry_expires(zoom, make_zoom_client):
    now = [0.0]
    cached = CachedZoom(make_zoom_client(), ttl=120, clock=lambda: now[0])
    assert cached.get_user_settings(HOSTS[0])["in_meeting"]["file_transfer"] is True
    zoom.set_user_settings(HOSTS[0], {"in_meeting": {"file_transfer": False}})  # the portal
    now[0] += 119
    assert cached.get_user_settings(HOSTS[0])["in_meeting"]["file_transfer"] is True
    now[0] += 2
    assert cached.get_user_settings(HOSTS[0])["in_meeting"]["file_transfer"] is False


def test_a_fix_on_one_replica_is_seen_by_the_others(zoom, make_zoom_client, replicas):
    one = CachedZoom(make_zoom_client(), versions=replicas())
    two = CachedZoom(make_zoom_client(), versions=replicas())
    assert two.get_user_settings(HOSTS[0])["in_meeting"]["file_transfer"] is True
    one.update_user_settings(HOSTS[0], {"in_meeting": {"file_transfer": False}})
    assert two.get_user_settings(HOSTS[0])["in_meeting"]["file_transfer"] is False
    reads = [p for m, p in api_calls(zoom) if m == "GET"]
    assert two.get_user_settings(HOSTS[0]) and len(
        [p for m, p in api_calls(zoom) if m == "GET"]) == len(reads)  # cached again


def test_concurrent_misses_for_one_host_make_one_call(zoom, make_zoom_client):
    cached = CachedZoom(make_zoom_client())
    zoom.set_latency(0.2)
    start = threading.Barrier(8)

    def read(_):
        start.wait()
        return cached.get_user_settings(HOSTS[1])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(read, range(8)))
    assert all(a == answers[0] for a in answers)
    assert [p for _, p in api_calls(zoom)] == [f"/v2/users/{HOSTS[1]}/settings"]


def test_errors_are_not_cached_and_copies_are_handed_out(zoom, make_zoom_client):
    cached = CachedZoom(make_zoom_client(max_retries=0))
    zoom.fail_next(1, 503)
    with pytest.raises(ZoomUnavailable):
        cached.get_account_lock_settings()
    locks = cached.get_account_lock_settings()
    locks["in_meeting"] = "changed by a caller"
    assert cached.get_account_lock_settings()["in_meeting"] != "changed by a caller"
    assert len(api_calls(zoom)) == 1 + 2  # the failure, then one read (two requests)


def test_the_wired_gateway_still_offers_the_clients_operations(wire, zoom):
    app = wire()
    assert isinstance(app.zoom, CachedZoom)
    assert "meeting:write:admin" in app.zoom.check_token()
    app.zoom.warm()
    assert app.zoom.token_fetches == 2  # doctor's fresh one, and the shared one
    assert isinstance(app.zoom._zoom, ZoomClient)


def test_zoom_calls_from_short_lived_threads_leave_no_connections_behind(wire, zoom):
    app = wire()
    for n in range(8):  # each schedule reads Zoom from a new pool of threads (gather)
        schedule(app, HOSTS[n % 4], f"Threads {n}")
    # The dispatching thread's, and the one thread the Zoom client's store calls run on.
    assert len(app.store._all) <= 3  # was one more per gather thread: 3 per schedule
