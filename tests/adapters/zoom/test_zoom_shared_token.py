"""One Zoom token per account for every replica, sealed in the database, on both backends.

Each "replica" is a real ZoomClient with its own store object on one database (a SQLite
file or a PostgreSQL 16), talking HTTP to the emulator; ``zoom.token_requests`` counts
what reached Zoom's token endpoint. Clocks are injected where time must pass.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.zoom.sealed import Sealer
from tests.storage.conftest import sql

HOST = "alice@example.com"
KEY = b"0123456789abcdef" * 4


def replica(make_zoom_client, store, **overrides):
    return make_zoom_client(token_store=store, secret_key=KEY, **overrides)


def statuses(zoom):
    return [status for _, path, status in zoom.request_log if path.startswith("/v2/")]


def test_a_burst_on_two_replicas_fetches_one_token(zoom, make_zoom_client, replicas):
    zoom.add_user(HOST)
    one, two = replica(make_zoom_client, replicas()), replica(make_zoom_client, replicas())
    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda n: (one, two)[n % 2].get_user(HOST), range(48)))
    assert {u["email"] for u in users} == {HOST}
    assert zoom.token_requests == 1
    assert one.token_fetches + two.token_fetches == 1


def test_without_the_store_each_replica_fetches_its_own(zoom, make_zoom_client):
    one, two = make_zoom_client(), make_zoom_client()
    one.get_user(HOST)
    two.get_user(HOST)
    assert zoom.token_requests == 2  # what the shared token saves


def test_the_token_is_never_stored_in_clear(zoom, make_zoom_client, replicas, tmp_path):
    store = replicas()
    replica(make_zoom_client, store).get_user(HOST)
    (token,) = zoom.issued_tokens
    rows = sql(store, "SELECT name, value FROM shared_values")
    assert [name for name, _ in rows] == [f"zoom-token:{zoom.account_id}"]
    sealed = bytes(rows[0][1])
    assert token.encode() not in sealed
    assert token.encode() in (Sealer(KEY, purpose="zoom-token").open(sealed) or b"")
    for path in tmp_path.glob("shared.db*"):  # SQLite: the file, its WAL, its index
        assert token.encode() not in path.read_bytes()


def test_a_replica_with_another_secret_cannot_open_it(zoom, make_zoom_client, replicas,
                                                      caplog):
    replica(make_zoom_client, replicas()).get_user(HOST)
    stranger = make_zoom_client(token_store=replicas(), secret_key=b"another secret")
    with caplog.at_level(logging.WARNING, "securemeet.zoom"):
        assert stranger.get_user(HOST)["email"] == HOST
    assert zoom.token_requests == 2
    assert "same SECUREMEET_SECRET_KEY" in caplog.text
    assert not any(t in caplog.text for t in zoom.issued_tokens)


def test_a_token_refused_everywhere_is_renewed_once(zoom, make_zoom_client, replicas, sleeps):
    zoom.add_user(HOST)
    one, two = replica(make_zoom_client, replicas()), replica(make_zoom_client, replicas())
    one.get_user(HOST)
    two.get_user(HOST)
    zoom.expire_tokens()  # Zoom now answers 401 {"code": 124} to the token both hold
    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda n: (one, two)[n % 2].get_user(HOST), range(32)))
    assert {u["email"] for u in users} == {HOST}
    assert zoom.token_requests == 2  # one refresh for every replica and thread
    after = statuses(zoom)[2:]
    assert after.count(200) == 32 and set(after) <= {200, 401}
    assert 1 <= after.count(401) <= 32  # each call refused at most once, then repeated
    assert set(sleeps) <= {0.1}  # only polls for the other replica's new token: no backoff


def test_the_token_is_renewed_before_expiry_by_one_replica(zoom, make_zoom_client, replicas):
    now = [1_000_000.0]
    clock = dict(clock=lambda: now[0], wall=lambda: now[0])
    one = replica(make_zoom_client, replicas(), **clock)
    two = replica(make_zoom_client, replicas(), **clock)
    one.get_user(HOST)
    two.get_user(HOST)
    assert zoom.token_requests == 1
    now[0] += 3600 - 300 + 1  # inside the renewal margin: still valid, due for renewal
    one.get_user(HOST)
    assert zoom.token_requests == 2
    two.get_user(HOST)  # its copy is due too, but the shared one is already new
    assert zoom.token_requests == 2
    assert 401 not in statuses(zoom)


def test_others_keep_the_current_token_while_one_renews(zoom, make_zoom_client, replicas):
    now = [1_000_000.0]
    store = replicas()
    client = replica(make_zoom_client, store, clock=lambda: now[0], wall=lambda: now[0])
    client.get_user(HOST)
    now[0] += 3600 - 200  # due for renewal, and another replica is renewing it right now:
    assert store.try_lease(f"zoom-token-refresh:{zoom.account_id}", owner="other",
                           now=datetime.fromtimestamp(now[0], UTC), seconds=20)
    client.get_user(HOST)
    assert zoom.token_requests == 1  # no wait, no second request: the current one works


def test_a_renewer_that_died_is_taken_over_after_its_lease(zoom, make_zoom_client, replicas):
    now = [1_000_000.0]
    waited = []

    def sleep(seconds):
        waited.append(seconds)
        now[0] += seconds

    store = replicas()
    client = replica(make_zoom_client, store, clock=lambda: now[0], wall=lambda: now[0],
                     sleep=sleep)
    client.get_user(HOST)
    store.try_lease(f"zoom-token-refresh:{zoom.account_id}", owner="dead",
                    now=datetime.fromtimestamp(now[0], UTC), seconds=20)
    zoom.expire_tokens()
    assert client.get_user(HOST)["email"] == HOST
    assert zoom.token_requests == 2
    assert 19 <= sum(waited) <= 21  # polled until the dead holder's lease ran out


class BrokenStore:
    """A database that does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise OSError("database unreachable")
        return fail


def test_an_unreachable_store_does_not_stop_zoom_calls(zoom, make_zoom_client, caplog):
    client = replica(make_zoom_client, BrokenStore())
    with caplog.at_level(logging.WARNING, "securemeet.zoom"):
        assert client.get_user(HOST)["email"] == HOST
    assert zoom.token_requests == 1
    assert "shared Zoom token unavailable (OSError)" in caplog.text
