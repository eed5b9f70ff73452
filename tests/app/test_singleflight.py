"""single_flight: callers of the same key share one fetch, its result or its error."""

from __future__ import annotations

import asyncio

import pytest

from bot.singleflight import single_flight


def test_a_burst_for_one_key_costs_one_fetch():
    calls: list[str] = []

    async def fetch(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0.01)
        return key.upper()

    async def burst() -> list[str]:
        inflight: dict = {}
        keys = ["ann"] * 5 + ["bob"] * 3
        results = await asyncio.gather(*(single_flight(inflight, k, lambda k=k: fetch(k))
                                         for k in keys))
        assert inflight == {}
        return results

    assert asyncio.run(burst()) == ["ANN"] * 5 + ["BOB"] * 3
    assert sorted(calls) == ["ann", "bob"]


def test_every_waiter_gets_the_error():
    async def fails() -> str:
        await asyncio.sleep(0.01)
        raise LookupError("no such user")

    async def burst() -> list:
        inflight: dict = {}
        return await asyncio.gather(*(single_flight(inflight, "x", fails) for _ in range(3)),
                                    return_exceptions=True)

    assert [type(r) for r in asyncio.run(burst())] == [LookupError] * 3
    with pytest.raises(LookupError):
        asyncio.run(single_flight({}, "y", fails))
