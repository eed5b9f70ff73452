"""The shared profile cache: fresh for 12 hours, one fetch per burst, stale for at most 24."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.profiles import MAX_STALE, TTL, Profiles, ProfileUnavailable
from commands.errors import UserError
from commands.records import Person

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


class MemoryPeople:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}

    def get_person(self, user: str) -> Person | None:
        return self.people.get(user)

    def save_person(self, person: Person) -> None:
        self.people[person.user] = person


def person(at: datetime, email: str = "a@example.com") -> Person:
    return Person("slack:T:U", email, "UTC", False, "A", at)


def run(profiles: Profiles, fetch) -> Person:  # type: ignore[no-untyped-def]
    return asyncio.run(profiles.get("slack:T:U", fetch))


def test_a_fresh_profile_is_used_without_asking_and_a_stale_one_is_refreshed():
    store, now = MemoryPeople(), [T0]
    profiles = Profiles(store, clock=lambda: now[0])
    asked = []

    async def fetch(cached):  # type: ignore[no-untyped-def]
        asked.append(cached)
        return person(now[0])

    run(profiles, fetch)
    now[0] = T0 + TTL - timedelta(seconds=1)
    run(profiles, fetch)
    assert len(asked) == 1
    now[0] = T0 + TTL + timedelta(seconds=1)
    run(profiles, fetch)
    assert len(asked) == 2 and asked[1].fetched_at == T0


@pytest.mark.parametrize(("age", "kept"), [(timedelta(hours=13), True),
                                           (MAX_STALE + timedelta(minutes=1), False)])
def test_a_platform_that_cannot_be_reached_gets_a_stale_profile_only_so_old(age, kept):
    """Security finding 10: a profile is where the email (the Zoom host) and the admin flag
    come from; when the platform is down it is used up to 24 h old, never older."""
    store = MemoryPeople()
    store.save_person(person(T0))
    profiles = Profiles(store, clock=lambda: T0 + age)

    async def down(cached):  # type: ignore[no-untyped-def]
        raise ProfileUnavailable("Slack is down; try again in a minute.")

    if kept:
        assert run(profiles, down).fetched_at == T0
    else:
        with pytest.raises(UserError, match="Slack is down"):
            run(profiles, down)


def test_a_burst_of_lookups_of_one_user_is_one_fetch():
    store = MemoryPeople()
    profiles = Profiles(store, clock=lambda: T0)
    calls = []

    async def slow(cached):  # type: ignore[no-untyped-def]
        calls.append(1)
        await asyncio.sleep(0.05)
        return person(T0)

    async def burst() -> None:
        await asyncio.gather(*(profiles.get("slack:T:U", slow) for _ in range(20)))

    asyncio.run(burst())
    assert len(calls) == 1
