"""What replicas share, on both backends: durable timers, leased sweeps, named leases,
shared values and rate budgets; each claim handed to one caller only, under contention
from several stores (as several replicas would hold) in several threads."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commands.records import OpenRequest, PendingCreate, Timer

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


# durable timers -----------------------------------------------------------------------------

def test_a_due_timer_is_claimed_once_then_done(store):
    store.set_timer("lock:u1", NOW, data={"uuid": "u1", "kind": "lock"})
    store.set_timer("later", NOW + timedelta(minutes=5))
    assert store.claim_due_timers(now=NOW - timedelta(seconds=1), owner="a", lease=LEASE,
                                  limit=10) == []
    (timer,) = store.claim_due_timers(now=NOW, owner="a", lease=LEASE, limit=10)
    assert timer == Timer("lock:u1", NOW, {"uuid": "u1", "kind": "lock"})
    assert timer.due_at.tzinfo is UTC
    # Leased: nobody else gets it, nor does "a" again, until the lease runs out.
    assert store.claim_due_timers(now=NOW, owner="b", lease=LEASE, limit=10) == []
    assert store.claim_due_timers(now=NOW + LEASE - timedelta(microseconds=1), owner="a",
                                  lease=LEASE, limit=10) == []
    assert store.done_timer("lock:u1", "b") is False  # not b's
    assert store.done_timer("lock:u1", "a") is True
    assert store.done_timer("lock:u1", "a") is False
    assert store.claim_due_timers(now=NOW + timedelta(hours=1), owner="a", lease=LEASE,
                                  limit=10) == [Timer("later", NOW + timedelta(minutes=5), {})]


def test_a_timer_whose_holder_died_falls_due_again_after_its_lease(store):
    store.set_timer("t", NOW)
    assert len(store.claim_due_timers(now=NOW, owner="dead", lease=LEASE, limit=1)) == 1
    (again,) = store.claim_due_timers(now=NOW + LEASE, owner="alive", lease=LEASE, limit=1)
    assert again.key == "t"
    assert store.done_timer("t", "dead") is False  # the late holder removes nothing
    assert store.done_timer("t", "alive") is True


def test_setting_a_timer_again_replaces_it_and_its_claim_lapses(store):
    store.set_timer("t", NOW, data={"n": 1})
    store.claim_due_timers(now=NOW, owner="a", lease=LEASE, limit=1)
    store.set_timer("t", NOW + timedelta(minutes=2), data={"n": 2})  # pushed back while held
    assert store.done_timer("t", "a") is False  # the fired one is gone; the new one stays
    assert store.claim_due_timers(now=NOW + timedelta(minutes=1), owner="b", lease=LEASE,
                                  limit=1) == []
    (timer,) = store.claim_due_timers(now=NOW + timedelta(minutes=2), owner="b", lease=LEASE,
                                      limit=1)
    assert timer == Timer("t", NOW + timedelta(minutes=2), {"n": 2})


def test_timers_come_earliest_first_up_to_the_limit_and_can_be_cleared(store):
    for i in (3, 1, 2, 0):
        store.set_timer(f"t{i}", NOW + timedelta(microseconds=i))
    assert store.clear_timer("t0") is True and store.clear_timer("t0") is False
    got = store.claim_due_timers(now=NOW + timedelta(seconds=1), owner="a", lease=LEASE,
                                 limit=2)
    assert [t.key for t in got] == ["t1", "t2"]
    assert store.claim_due_timers(now=NOW, owner="a", lease=LEASE, limit=0) == []


# the sweep's work ---------------------------------------------------------------------------

def pending(key: str, at: datetime) -> PendingCreate:
    return PendingCreate(key, "h@example.com", "Budget", "fp", "slack:T1:U1", "slack", at)


def test_pending_creates_are_claimed_with_a_lease_and_cleared_once(store):
    store.add_pending(pending("young", NOW))
    store.add_pending(pending("old", NOW - timedelta(minutes=5)))
    grace = NOW - timedelta(minutes=1)
    assert store.claim_pending_creates(before=grace, now=NOW, owner="a", lease=LEASE,
                                       limit=10) == [pending("old", NOW - timedelta(minutes=5))]
    assert store.claim_pending_creates(before=grace, now=NOW, owner="b", lease=LEASE,
                                       limit=10) == []
    # The listing still shows it (doctor counts it); clearing settles it once.
    assert [p.key for p in store.pending_creates(before=grace)] == ["old"]
    assert store.clear_pending("old") is True and store.clear_pending("old") is False
    # A sweeper that died: its item comes back when the lease runs out.
    store.add_pending(pending("orphan", NOW - timedelta(minutes=5)))
    store.claim_pending_creates(before=grace, now=NOW, owner="dead", lease=LEASE, limit=10)
    (back,) = store.claim_pending_creates(before=grace, now=NOW + LEASE, owner="b",
                                          lease=LEASE, limit=10)
    assert back.key == "orphan"


def test_a_claimed_intent_given_back_is_claimed_again_at_once(store):
    """A sweep that could not settle an intent (Zoom down) gives it back: the next sweep,
    on any replica, takes it without waiting for the lease."""
    store.add_pending(pending("zoom-down", NOW - timedelta(minutes=5)))
    grace = NOW - timedelta(minutes=1)
    store.claim_pending_creates(before=grace, now=NOW, owner="a", lease=LEASE, limit=10)
    assert store.release_pending("zoom-down", "b") is False  # only its holder gives it back
    assert store.claim_pending_creates(before=grace, now=NOW, owner="b", lease=LEASE,
                                       limit=10) == []
    assert store.release_pending("zoom-down", "a") is True
    (again,) = store.claim_pending_creates(before=grace, now=NOW, owner="b", lease=LEASE,
                                           limit=10)
    assert again.key == "zoom-down"


def test_open_requests_are_claimed_with_a_lease_and_a_reopen_frees_them(store):
    old = OpenRequest("r1", "slack:T1:U1", "slack", "schedule", NOW - timedelta(minutes=5))
    store.open_request(old)
    store.open_request(OpenRequest("r2", "slack:T1:U2", "slack", "audit", NOW))
    grace = NOW - timedelta(minutes=1)
    assert store.claim_open_requests(before=grace, now=NOW, owner="a", lease=LEASE,
                                     limit=10) == [old]
    assert store.claim_open_requests(before=grace, now=NOW, owner="b", lease=LEASE,
                                     limit=10) == []
    store.open_request(old)  # recorded again (a redelivery): a fresh row, no lease
    assert store.claim_open_requests(before=grace, now=NOW, owner="b", lease=LEASE,
                                     limit=10) == [old]
    assert store.close_request("r1") is True and store.close_request("r1") is False


# named leases, shared values, rate budgets -------------------------------------------------

def test_a_named_lease_has_one_holder_until_it_expires_or_is_released(store):
    assert store.try_lease("zoom-token", owner="a", now=NOW, seconds=10) is True
    assert store.try_lease("zoom-token", owner="b", now=NOW, seconds=10) is False
    assert store.try_lease("zoom-token", owner="a", now=NOW + timedelta(seconds=5),
                           seconds=10) is True  # renewed: now until +15 s
    assert store.try_lease("zoom-token", owner="b", now=NOW + timedelta(seconds=12),
                           seconds=10) is False
    assert store.try_lease("zoom-token", owner="b", now=NOW + timedelta(seconds=15),
                           seconds=10) is True  # expired: taken over
    assert store.release_lease("zoom-token", "a") is False
    assert store.release_lease("zoom-token", "b") is True
    assert store.try_lease("zoom-token", owner="a", now=NOW, seconds=10) is True
    assert store.try_lease("other", owner="b", now=NOW, seconds=10) is True


def test_a_shared_value_is_bytes_with_an_expiry(store):
    assert store.get_shared("zoom-token") is None
    blob = bytes(range(256)) + b"\x00end"
    store.put_shared("zoom-token", blob, expires_at=NOW)
    assert store.get_shared("zoom-token") == (blob, NOW)
    store.put_shared("zoom-token", b"v2", expires_at=NOW + timedelta(hours=1))
    value, expires_at = store.get_shared("zoom-token")
    assert (value, expires_at, expires_at.tzinfo) == (b"v2", NOW + timedelta(hours=1), UTC)


def test_a_rate_budget_lets_a_burst_through_then_paces(store):
    waits = [store.take_rate("zoom:medium", rate=20, burst=3, now=NOW) for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and waits[3] == pytest.approx(1 / 20)
    assert store.take_rate("zoom:medium", rate=20, burst=3, now=NOW + timedelta(seconds=0.05)) == 0
    assert store.take_rate("zoom:medium", rate=20, burst=3,
                           now=NOW + timedelta(seconds=0.06)) == pytest.approx(0.04)
    # Refills to the burst, no further; another bucket is its own.
    later = NOW + timedelta(hours=1)
    assert [store.take_rate("zoom:medium", rate=20, burst=3, now=later)
            for _ in range(4)].count(0) == 3
    assert store.take_rate("zoom:light", rate=30, burst=1, now=NOW) == 0


def test_a_new_bucket_taken_from_many_threads_at_once_is_made_once(store):
    """The first use makes the row; callers arriving together share it: the burst goes
    through once (a second full row would let 3 more through), the rest are told to wait."""
    waits: list[float] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        waits.append(store.take_rate("zoom:fresh", rate=20, burst=3, now=NOW))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([0, 0, 0] + [0.05] * 5)


def test_a_clock_behind_the_budget_refills_nothing_and_never_rewinds_it(store):
    assert store.take_rate("b", rate=1, burst=1, now=NOW) == 0
    assert store.take_rate("b", rate=1, burst=1, now=NOW - timedelta(seconds=30)) == \
        pytest.approx(1.0)
    assert store.take_rate("b", rate=1, burst=1, now=NOW + timedelta(seconds=1)) == 0


def test_a_rate_budget_refuses_nonsense(store):
    with pytest.raises(ValueError, match="rate > 0"):
        store.take_rate("b", rate=0, burst=1, now=NOW)


# under contention: several stores (replicas), several threads -------------------------------

def race(replicas: list[Any], work: Callable[[Any, int], None], threads: int = 8) -> None:
    """Run ``work(store, i)`` on ``threads`` threads spread over ``replicas``, all
    released at once; re-raise the first failure."""
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            work(replicas[i % len(replicas)], i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


@pytest.fixture
def replicas(open_store):
    """Three stores on one empty database, as three replicas hold them."""
    return [open_store(), open_store(fresh=False), open_store(fresh=False)]


def claim_in_rounds(replicas: list[Any], claim: Callable[[Any, str], list[str]],
                    threads: int = 8) -> list[tuple[str, str]]:
    """Eight claimers on three stores claim at the same moment, round after round, until
    a round finds nothing left; the (owner, key) of every item each got. Rounds make the
    contention certain: every round, all of them ask at once."""
    ask, asked = threading.Barrier(threads, timeout=30), threading.Barrier(threads, timeout=30)
    got: list[tuple[str, str]] = []
    per_round: dict[int, int] = Counter()
    lock = threading.Lock()

    def work(store: Any, i: int) -> None:
        try:
            for n in range(1000):
                ask.wait()
                keys = claim(store, f"r{i}")
                with lock:
                    got.extend((f"r{i}", key) for key in keys)
                    per_round[n] += len(keys)
                asked.wait()
                if per_round[n] == 0:
                    return
        except BaseException:
            ask.abort()  # release the others at once rather than at the timeout
            asked.abort()
            raise

    race(replicas, work, threads=threads)
    return got


def test_due_timers_go_to_exactly_one_replica_each(replicas):
    for i in range(120):
        replicas[0].set_timer(f"t{i:03}", NOW - timedelta(seconds=i))
    got = claim_in_rounds(replicas, lambda s, owner: [t.key for t in s.claim_due_timers(
        now=NOW, owner=owner, lease=LEASE, limit=3)])
    keys = Counter(key for _, key in got)
    assert sorted(keys) == [f"t{i:03}" for i in range(120)]
    assert max(keys.values()) == 1, "a timer was claimed twice"
    assert len({owner for owner, _ in got}) == 8  # each round, each claimer got some


def test_pending_creates_and_open_requests_go_to_exactly_one_sweeper_each(replicas):
    for i in range(60):
        replicas[0].add_pending(pending(f"p{i:02}", NOW - timedelta(minutes=5, seconds=i)))
        replicas[0].open_request(OpenRequest(f"o{i:02}", "slack:T1:U1", "slack", "schedule",
                                             NOW - timedelta(minutes=5, seconds=i)))
    creates = claim_in_rounds(replicas, lambda s, owner: [p.key for p in s.claim_pending_creates(
        before=NOW, now=NOW, owner=owner, lease=LEASE, limit=2)])
    requests = claim_in_rounds(replicas, lambda s, owner: [o.key for o in s.claim_open_requests(
        before=NOW, now=NOW, owner=owner, lease=LEASE, limit=2)])
    for got, prefix in ((creates, "p"), (requests, "o")):
        keys = Counter(key for _, key in got)
        assert sorted(keys) == [f"{prefix}{i:02}" for i in range(60)]
        assert max(keys.values()) == 1, "an item was claimed twice"


def test_one_named_lease_holder_among_racing_replicas(replicas):
    winners: list[str] = []
    race(replicas, lambda s, i: winners.append(f"r{i}") if s.try_lease(
        "zoom-token", owner=f"r{i}", now=NOW, seconds=60) else None)
    assert len(winners) == 1


def test_racing_replicas_share_one_rate_budget(replicas):
    waits: list[float] = []
    race(replicas, lambda s, i: waits.extend(
        s.take_rate("zoom:medium", rate=0.001, burst=10, now=NOW) for _ in range(5)))
    assert len(waits) == 40 and waits.count(0) == 10


def test_live_compare_and_set_loses_no_update_under_contention(replicas):
    """Each worker adds 1 to ``peak`` by read, change, compare-and-set, retry on conflict:
    every increment must land exactly once."""
    from dataclasses import replace

    from commands.live import LiveState

    replicas[0].live_save(LiveState(meeting_id=1, uuid="u", first_seen_at=NOW), version=0,
                          claim=None, at=NOW)
    outcomes: Counter[str] = Counter()

    def bump(s: Any, i: int) -> None:
        for n in range(5):
            while True:
                state, version = s.live_state("u")
                result = s.live_save(replace(state, peak=state.peak + 1), version=version,
                                     claim=f"w{i}-{n}", at=NOW)
                outcomes[result] += 1
                if result != "conflict":
                    assert result == "saved"
                    break

    race(replicas, bump)
    state, version = replicas[1].live_state("u")
    assert (state.peak, version) == (40, 41)
    assert outcomes["saved"] == 40
