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

The step before an acknowledgement (claiming a request's key and recording it open, a
few milliseconds in the database) has threads of its own, :func:`run_before_ack`: on
the shared pool it waited behind the Zoom work of the requests acknowledged before it,
and under a burst of 300 commands the acknowledgement took seconds instead of
milliseconds (``benchmarks/bench_replicas.py``).

Context variables (e.g. a request id for logs) are carried into the worker threads.
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
BEFORE_ACK_SIZE = 4  # database steps only: each takes milliseconds

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_before_ack: ThreadPoolExecutor | None = None
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


def before_ack_pool() -> ThreadPoolExecutor:
    global _before_ack
    with _lock:
        if _before_ack is None:
            _before_ack = ThreadPoolExecutor(max_workers=BEFORE_ACK_SIZE,
                                             thread_name_prefix="securemeet-before-ack")
        return _before_ack


def size() -> int:
    return pool()._max_workers


async def run_blocking(fn: Callable[..., T], /, *args: Any, **kw: Any) -> T:
    """Run ``fn(*args, **kw)`` on the bounded pool and await its result."""
    return await _run(pool, fn, *args, **kw)


async def run_before_ack(fn: Callable[..., T], /, *args: Any, **kw: Any) -> T:
    """Run a short database step that an acknowledgement waits for, on threads that
    never queue behind the work of requests already acknowledged."""
    return await _run(before_ack_pool, fn, *args, **kw)


async def _run(executor: Callable[[], ThreadPoolExecutor], fn: Callable[..., T],
               /, *args: Any, **kw: Any) -> T:
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kw)
    try:
        future = loop.run_in_executor(executor(), call)
    except RuntimeError:  # shut down between executor() and submit (another server stopped)
        future = loop.run_in_executor(executor(), call)
    return await future


def shutdown(*, wait: bool = True) -> None:
    """Stop both pools (the server's shutdown); a later call starts fresh ones."""
    global _pool, _before_ack
    with _lock:
        current, _pool = _pool, None
        before_ack, _before_ack = _before_ack, None
    for executor in (before_ack, current):
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=not wait)
