"""Specifications of the time budgets: one Deadline, interrupts that cannot be swallowed."""

from __future__ import annotations

import gc
import time

import pytest

from symml._core import ArgumentError, Deadline, as_budget, run_with_budget


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))


def test_a_swallowed_budget_interrupt_still_counts_as_out_of_time():
    def swallows():
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            try:
                sum(range(10_000))
            except Exception:  # a library that catches everything
                pass
        return "incomplete"

    assert run_with_budget(swallows, 0.05) == (None, False)


def test_an_outer_budget_is_not_swallowed_by_an_inner_one():
    def outer():
        run_with_budget(lambda: _spin(2.0), 5.0)  # longer than what is left
        return "outer went on"

    assert run_with_budget(outer, 0.1) == (None, False)
    assert run_with_budget(lambda: run_with_budget(lambda: 1, 1.0), 2.0) == ((1, True), True)


def test_a_budget_interrupt_never_lands_in_a_finalizer():
    class Slow:
        def __del__(self):
            _spin(0.2)

    def make_garbage():
        for _ in range(3):
            Slow()
            gc.collect()
            _spin(0.05)  # ordinary code, where the re-armed interrupt lands
        return "done"

    # The alarm fires while __del__ runs; it is re-armed and lands after it.
    assert run_with_budget(make_garbage, 0.05) == (None, False)


def test_a_deadline_is_shared_by_the_steps_of_one_call():
    deadline = Deadline(0.3)
    assert deadline.run(lambda: 1) == (1, True)
    assert deadline.run(lambda: _spin(1.0)) == (None, False)  # runs out at the deadline
    assert deadline.expired
    assert deadline.run(lambda: 2) == (None, False)  # nothing left for a later step


def test_a_step_can_be_capped_below_what_is_left():
    deadline = Deadline(5.0)
    start = time.monotonic()
    assert deadline.run(lambda: _spin(1.0), cap=0.1) == (None, False)
    assert time.monotonic() - start < 0.9
    assert not deadline.expired


def test_failures_count_as_unfinished():
    def fails():
        raise NotImplementedError("no algorithm")

    assert Deadline(1.0).run(fails, failures=(NotImplementedError,)) == (None, False)
    with pytest.raises(NotImplementedError):
        Deadline(1.0).run(fails)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "2", True, None])
def test_budgets_are_positive_numbers(bad):
    with pytest.raises(ArgumentError, match="budget="):
        as_budget(bad)
    with pytest.raises(ArgumentError, match="budget="):
        Deadline(bad)


def test_a_budget_interrupt_never_lands_in_a_gc_callback():
    def slow_callback(phase, info):
        if phase == "start":
            _spin(0.05)

    def make_garbage():
        for _ in range(5):
            gc.collect()
            _spin(0.02)
        return "done"

    gc.callbacks.append(slow_callback)
    try:
        # The alarm fires while the callback runs; it is re-armed and lands after it.
        assert run_with_budget(make_garbage, 0.02) == (None, False)
    finally:
        gc.callbacks.remove(slow_callback)
