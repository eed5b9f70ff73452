"""meeting_view.gather: independent Zoom reads at once, results in order, errors kept."""

from __future__ import annotations

import threading

import pytest

from commands.errors import ZoomNotFound
from commands.meeting_view import gather


def test_reads_run_at_once_and_come_back_in_order():
    together = threading.Barrier(3, timeout=5)  # broken (an error) unless all 3 overlap

    def read(value: int):
        return lambda: (together.wait(), value)[1]

    assert gather(read(1), read(2), read(3)) == [1, 2, 3]


def test_the_first_error_is_raised_after_all_have_finished():
    finished = []

    def fails():
        raise ZoomNotFound("no such meeting")

    def slow():
        threading.Event().wait(0.05)
        finished.append(True)
        return 1

    with pytest.raises(ZoomNotFound):
        gather(slow, fails, slow)
    assert finished == [True, True]


def test_none_or_one_read_needs_no_thread():
    assert gather() == []
    assert gather(lambda: threading.current_thread().name) == [
        threading.current_thread().name]
