"""Specifications of budgets in any thread: the same slow work stops on time in the main
thread (SIGALRM) and in a worker thread (the watchdog), nested budgets keep the outer one,
and exceptions pass through unchanged."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sympy as sp

import symml
from symml._core import (
    ArgumentError,
    BudgetExceededError,
    Deadline,
    as_budget,
    run_with_budget,
    time_limit,
)

x, y, z, w = sp.symbols("x y z w", real=True)
k = sp.Symbol("k", integer=True, positive=True)

#: Seconds a call may overrun its budget here: the machine is shared and loaded.
MARGIN = 0.8

#: Each runs for far longer than any budget below (8 s and more, measured).
SLOW = {
    "simplify": lambda: sp.simplify(
        sp.expand((x + y + z + 1) ** 12) / sp.expand((x + y + z + 1) ** 9)
        - sp.sin(x) ** 2
        - sp.cos(x) ** 2
    ),
    "integrate": lambda: sp.integrate(sp.exp(x**3) * sp.sin(x) ** 5 / (1 + x**2 + x**7), x),
    "sum to 10^5": lambda: sp.Sum(sp.sin(k) / k**3, (k, 1, 10**5)).doit(),
}


def _in_main(func: Callable[[], Any]) -> Any:
    return func()


def _in_worker(func: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(func).result(timeout=60)


RUNNERS = pytest.mark.parametrize("runner", [_in_main, _in_worker], ids=["main", "worker"])


def _timed(func: Callable[[], Any]) -> Callable[[], tuple[Any, float]]:
    def timed() -> tuple[Any, float]:
        start = time.monotonic()
        value = func()
        return value, time.monotonic() - start

    return timed


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))


@RUNNERS
@pytest.mark.parametrize("work", SLOW.values(), ids=SLOW.keys())
def test_slow_symbolic_work_stops_at_its_budget_in_any_thread(runner, work):
    value, took = runner(_timed(lambda: run_with_budget(work, 0.5)))
    assert value == (None, False)
    assert took < 0.5 + MARGIN


@RUNNERS
def test_quick_work_finishes_in_any_thread(runner):
    value = runner(lambda: run_with_budget(lambda: sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2), 5))
    assert value == (1, True)


@RUNNERS
def test_a_deadline_is_shared_by_the_steps_of_one_call_in_any_thread(runner):
    def steps() -> list[tuple[Any, bool]]:
        deadline = Deadline(0.5)
        return [deadline.run(lambda: 1), deadline.run(SLOW["integrate"]), deadline.run(lambda: 2)]

    value, took = runner(_timed(steps))
    assert value == [(1, True), (None, False), (None, False)]
    assert took < 0.5 + MARGIN


@RUNNERS
def test_an_inner_budget_ends_first_and_the_outer_call_goes_on(runner):
    def outer() -> tuple[Any, bool]:
        inner = run_with_budget(SLOW["sum to 10^5"], 0.2)
        return inner, True

    value, took = runner(_timed(lambda: run_with_budget(outer, 5.0)))
    assert value == (((None, False), True), True)
    assert took < 0.2 + MARGIN


@RUNNERS
def test_an_outer_budget_ends_first_and_passes_through_the_inner_one(runner):
    def outer() -> str:
        run_with_budget(SLOW["simplify"], 5.0)  # longer than what is left
        return "outer went on"

    value, took = runner(_timed(lambda: run_with_budget(outer, 0.3)))
    assert value == (None, False)
    assert took < 0.3 + MARGIN


@RUNNERS
def test_three_nested_budgets_stop_at_the_shortest_that_matters(runner):
    def level(depth: int) -> Any:
        if depth == 0:
            return _spin(5.0)
        # The middle budget is the shortest: the innermost one outlasts it.
        value = run_with_budget(lambda: level(depth - 1), [0.0, 5.0, 0.3, 5.0][depth])
        return ("level", depth, value)

    value, took = runner(_timed(lambda: level(3)))
    assert value == ("level", 3, (("level", 2, (None, False)), True))
    assert took < 0.3 + MARGIN


class _CallersOwnError(Exception):
    pass


@RUNNERS
@pytest.mark.parametrize(
    "error",
    [ZeroDivisionError("boom"), _CallersOwnError("mine"), BudgetExceededError("caller's own")],
    ids=["library", "caller", "caller-budget"],
)
def test_exceptions_of_the_work_pass_through_as_they_are(runner, error):
    def fails() -> None:
        raise error

    with pytest.raises(type(error)) as info:
        runner(lambda: run_with_budget(fails, 2.0))
    assert info.value is error


@RUNNERS
def test_a_recursion_error_counts_as_out_of_time(runner):
    def deep(n: int) -> int:
        return deep(n + 1)

    assert runner(lambda: run_with_budget(lambda: deep(0), 2.0)) == (None, False)


def test_work_that_swallowed_the_interrupt_is_interrupted_again_in_a_worker():
    def swallows_once() -> str:
        try:
            _spin(1.0)
        except Exception:  # a library that catches everything, once
            pass
        _spin(5.0)
        return "incomplete"

    value, took = _in_worker(_timed(lambda: run_with_budget(swallows_once, 0.2)))
    assert value == (None, False)
    assert took < 0.2 + MARGIN


def test_no_interrupt_lands_after_a_budgeted_call_has_ended():
    # Budgets that end just as the work does: whatever the race, an interrupt
    # belongs to its call and never reaches the code after it.
    def many() -> set[bool]:
        outcomes = set()
        for i in range(150):
            seconds = 0.001 + 0.0001 * (i % 30)
            value, finished = run_with_budget(lambda s=seconds: _spin(s) or "done", seconds)
            assert (value, finished) in {("done", True), (None, False)}
            outcomes.add(finished)
        _spin(0.4)  # long enough for any stray re-raise to land here
        return outcomes

    assert _in_worker(many) <= {True, False}


def test_budgets_in_several_worker_threads_at_once():
    def job(seconds: float) -> tuple[Any, float]:
        return _timed(lambda: run_with_budget(SLOW["integrate"], seconds))()

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(job, [0.3, 0.6, 0.9]))
    for seconds, (value, took) in zip([0.3, 0.6, 0.9], results, strict=True):
        assert value == (None, False)
        assert took < seconds + 2 * MARGIN  # three threads share one GIL


def test_time_limit_interrupts_a_block_in_a_worker_thread():
    owner = object()

    def block() -> Any:
        try:
            with time_limit(0.2, owner=owner):
                _spin(5.0)
        except BudgetExceededError as exc:
            return exc.owner
        return "went on"

    value, took = _in_worker(_timed(block))
    assert value is owner
    assert took < 0.2 + MARGIN


def test_the_interrupt_pickles_as_a_budget_error():
    def catch() -> BaseException:
        try:
            with time_limit(0.05):
                _spin(5.0)
        except BudgetExceededError as exc:
            return exc
        raise AssertionError("not interrupted")

    for error in (_in_worker(catch), _in_main(catch)):
        copy = pickle.loads(pickle.dumps(error))
        assert isinstance(copy, BudgetExceededError)
        assert "exceeded its budget of 0.05 s" in str(copy)


def test_an_interrupt_never_lands_in_a_gc_callback_in_a_worker_thread():
    import gc

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start" and threading.current_thread() is not threading.main_thread():
            _spin(0.05)

    def make_garbage() -> str:
        for _ in range(5):
            gc.collect()
            _spin(0.02)
        return "done"

    gc.callbacks.append(slow_callback)
    try:
        assert _in_worker(lambda: run_with_budget(make_garbage, 0.02)) == (None, False)
    finally:
        gc.callbacks.remove(slow_callback)


def test_time_limit_raises_once_in_a_worker_thread_and_then_at_the_end():
    def block() -> str:
        start = time.monotonic()
        try:
            with time_limit(0.1):
                try:
                    _spin(0.5)
                except Exception:  # swallowed: the block goes on to its end
                    pass
                _spin(0.3)
        except BudgetExceededError:
            return f"out of time after the block, {time.monotonic() - start:.1f} s"
        return "went on"

    assert _in_worker(block).startswith("out of time after the block")


def test_without_thread_interrupts_worker_threads_run_uninterrupted_as_before():
    code = (
        "import time\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from symml._core import run_with_budget\n"
        "def spin():\n"
        "    end = time.monotonic() + 0.3\n"
        "    while time.monotonic() < end: pass\n"
        "    return 'done'\n"
        "with ThreadPoolExecutor(1) as pool:\n"
        "    print(pool.submit(run_with_budget, spin, 0.05).result())\n"
    )
    env = {**os.environ, "SYMML_NO_THREAD_INTERRUPT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=os.path.dirname(os.path.dirname(symml.__file__)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "('done', True)", out.stderr


# -- through the public API ---------------------------------------------------------------


@RUNNERS
@pytest.mark.parametrize(
    "claimed",
    [
        sp.Integral(sp.exp(x**3) * sp.sin(x) ** 5 / (1 + x**2 + x**7), (x, 0, 1)),
        sp.Sum(sp.sin(k) / k**3, (k, 1, 10**5)),
    ],
    ids=["Integral", "Sum"],
)
def test_check_of_heavy_objects_returns_within_its_budget_in_any_thread(runner, claimed):
    # Without the budget, evaluating either one takes more than 8 s. check() itself
    # overruns its budget (about 2.4 s for budget=1, 2.8 s for 2): bound it loosely.
    value, took = runner(_timed(lambda: symml.check(claimed, claimed + 1, budget=2.0)))
    assert not value
    assert took < 2 * 2.0 + MARGIN


@RUNNERS
def test_critical_points_of_a_quartic_in_four_variables_returns_within_its_budget(runner):
    f = x**4 + y**4 + z**4 + w**4 - x * y * z * w + x**2 * y - z * w**2 + x * z - y * w

    def run() -> Any:
        with pytest.raises(symml.NoClosedFormError, match="budget"):
            symml.critical_points(f, [x, y, z, w], budget=3)

    _, took = runner(_timed(run))
    assert took < 3 + MARGIN


# -- argument checks ----------------------------------------------------------------------


@pytest.mark.parametrize("absurd", [1e20, 86400.5, 10**30])
def test_budgets_longer_than_a_day_are_refused(absurd):
    with pytest.raises(ArgumentError, match=r"budget=.*at most one day \(86400 seconds\)"):
        as_budget(absurd)
    with pytest.raises(ArgumentError, match="one day"):
        Deadline(absurd)


def test_a_day_is_accepted():
    assert as_budget(86400) == 86400.0
