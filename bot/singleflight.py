"""One fetch per key at a time: callers asking for the same key meanwhile share it.

A burst of commands from one user must cost one profile lookup (Slack ``users.info``,
the Teams member API), not one each: their rate limits are per app, and the answers
would be the same. Like Go's ``singleflight``, scoped to one event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def single_flight(inflight: dict[str, asyncio.Future[Any]], key: str,
                        fetch: Callable[[], Awaitable[T]]) -> T:
    """``await fetch()``, unless a fetch for ``key`` is running: then share its result."""
    pending = inflight.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    inflight[key] = future
    try:
        result = await fetch()
        future.set_result(result)
        return result
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # mark retrieved: a waiter may not exist
        raise
    finally:
        inflight.pop(key, None)
