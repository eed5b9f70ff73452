"""The blocking pool: bounded, off the loop, and the loop stays responsive."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot import pool


def test_bounded_and_off_the_loop(small_pool):
    active = 0
    peak = 0
    lock = threading.Lock()
    loop_thread = threading.get_ident()

    def blocking(i: int) -> int:
        nonlocal active, peak
        assert threading.get_ident() != loop_thread
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return i * 2

    async def main() -> tuple[list[int], float]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        tick = asyncio.create_task(ticker())
        results = await asyncio.gather(*(pool.run_blocking(blocking, i) for i in range(12)))
        tick.cancel()
        return list(results), ticks

    results, ticks = asyncio.run(main())
    assert results == [i * 2 for i in range(12)]
    assert peak == 4  # never more than the bound
    assert ticks >= 10  # the loop kept running while 12 × 50 ms of work waited


def test_keyword_arguments_and_errors_come_through(small_pool):
    def f(a: int, *, b: int) -> int:
        if b < 0:
            raise ValueError("negative")
        return a + b

    async def main() -> int:
        with pytest.raises(ValueError, match="negative"):
            await pool.run_blocking(f, 1, b=-1)
        return await pool.run_blocking(f, 1, b=2)

    assert asyncio.run(main()) == 3


@pytest.mark.parametrize(("raw", "ok"), [("", 16), ("8", 8), ("0", None), ("x", None),
                                         ("65", None)])
def test_the_size_comes_from_the_settings(raw, ok):
    from bot.config import Config, ConfigError

    env = {"SECUREMEET_THREADS": raw}
    if ok is None:
        with pytest.raises(ConfigError, match="SECUREMEET_THREADS"):
            Config.from_env(env)
    else:
        assert Config.from_env(env).threads == ok
