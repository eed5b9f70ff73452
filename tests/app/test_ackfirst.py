"""Acks first: background work starts only once a burst has been answered and gone quiet."""

from __future__ import annotations

import asyncio

from bot.ackfirst import AckFirst


def test_work_waits_for_the_burst_then_runs():
    async def main() -> list[str]:
        gate = AckFirst(quiet=0.02, max_wait=2.0)
        order: list[str] = []

        async def work() -> None:
            await gate.quiet()
            order.append("work")

        gate.arrived()
        task = asyncio.create_task(work())
        for i in range(5):  # more requests keep arriving
            await asyncio.sleep(0.005)
            gate.arrived()
            gate.answered()
            order.append(f"ack{i}")
        gate.answered()
        order.append("last ack")
        await task
        return order

    order = asyncio.run(main())
    assert order[-1] == "work" and order.index("last ack") < order.index("work")


def test_a_quiet_server_does_not_delay_work():
    async def main() -> float:
        gate = AckFirst()
        loop = asyncio.get_running_loop()
        start = loop.time()
        await gate.quiet()
        return loop.time() - start

    assert asyncio.run(main()) < 0.005


def test_sustained_load_delays_work_by_at_most_max_wait():
    async def main() -> float:
        gate = AckFirst(quiet=0.05, max_wait=0.1)
        gate.arrived()  # never answered
        loop = asyncio.get_running_loop()
        start = loop.time()
        await gate.quiet()
        return loop.time() - start

    assert 0.09 < asyncio.run(main()) < 0.5
