"""Fixtures shared by the application tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import pool


@pytest.fixture
def small_pool() -> Iterator[None]:
    """A blocking pool of 4 threads for the test, the default size again after it."""
    pool.shutdown()
    pool.configure(4)
    yield
    pool.shutdown()
    pool.configure(pool.DEFAULT_SIZE)
