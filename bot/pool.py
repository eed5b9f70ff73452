"""A bounded thread pool for blocking work, so the event loop never waits on it.

The server is asynchronous end to end, but the Zoom client (``requests``) and the
SQLite store block. Every such call goes through :func:`run_blocking`, which runs it
on a fixed-size pool and awaits the result. The bound matters twice over: it caps how
many Zoom requests we have in flight at once (Zoom limits requests per second per
account: Medium-rated endpoints allow 20/s on Pro plans, and one ``/securemeet`` makes
about five calls), and it caps the threads competing with the event loop for the GIL.
Work beyond the bound waits in the pool's queue, not on the loop.

Size: ``SECUREMEET_THREADS`` (default 16), given by the composition root through
:func:`configure` before first use.
Context variables (e.g. a request id for logs) are carried into the worker thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("securemeet.pool")

DEFAULT_SIZE = 16
MAX_SIZE = 64

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_size: int | None = None


def configure(size: int) -> None:
    """Set the pool size; takes effect for a pool not yet started (or after shutdown)."""
    global _size
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"pool size must be from 1 to {MAX_SIZE}, not {size}")
    with _lock:
        _size = size


def pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            size = _size or DEFAULT_SIZE
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="securemeet-blocking")
            log.debug("blocking pool started with %d threads", size)
        return _pool


def size() -> int:
    return pool()._max_workers


async def run_blocking(fn: Callable[..., T], /, *args: Any, **kw: Any) -> T:
    """Run ``fn(*args, **kw)`` on the bounded pool and await its result."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kw)
    try:
        future = loop.run_in_executor(pool(), call)
    except RuntimeError:  # shut down between pool() and submit (another server stopped)
        future = loop.run_in_executor(pool(), call)
    return await future


def shutdown(*, wait: bool = True) -> None:
    """Stop the pool (the server's shutdown); a later call starts a fresh one."""
    global _pool
    with _lock:
        current, _pool = _pool, None
    if current is not None:
        current.shutdown(wait=wait, cancel_futures=not wait)
