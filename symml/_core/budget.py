"""Time budgets for symbolic work that can hang (``simplify``, ``solve``).

:func:`time_limit` interrupts the block with :class:`BudgetExceededError`
after ``seconds``. It uses ``SIGALRM`` (interval timer) and so only interrupts
in the main thread of a POSIX process, which is where Jupyter kernels, the CLI
and pytest run code. Elsewhere the block runs without interruption; callers
that need a hard bound must keep the work itself bounded (for example by
choosing cheaper simplifications), and :func:`can_interrupt` tells them which
case applies.

Examples
--------
>>> import sympy as sp
>>> from symml._core.budget import run_with_budget
>>> x = sp.Symbol("x")
>>> run_with_budget(lambda: sp.simplify(sp.sin(x)**2 + sp.cos(x)**2), 2.0)
(1, True)
"""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .errors import ArgumentError, BudgetExceededError, bad_argument

T = TypeVar("T")

__all__ = [
    "CHECK_BUDGET",
    "DEFAULT_BUDGET",
    "Deadline",
    "as_budget",
    "can_interrupt",
    "run_with_budget",
    "time_limit",
]

#: Seconds of symbolic work a deriving function may spend (its ``budget=`` default).
DEFAULT_BUDGET = 10.0
#: Seconds a verdict may take (``check``, ``check_steps``, ``verify``): sampling
#: decides within it, so a verdict stays interactive even when no proof is found.
CHECK_BUDGET = 2.0


def can_interrupt() -> bool:
    """Whether :func:`time_limit` can interrupt work in this thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _in_finalizer(frame: Any) -> bool:
    """Whether ``frame`` runs a finalizer, where a raised exception would be lost.

    Finalizers are ``__del__`` methods, weakref callbacks and the garbage
    collector's own callbacks (``gc.callbacks``, which Hypothesis, for one,
    installs): Python prints an exception raised in them and goes on.
    """
    gc_callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if (
            code.co_name == "__del__"
            or code.co_filename.endswith("weakref.py")
            or code in gc_callbacks
        ):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def time_limit(seconds: float, *, owner: object = None) -> Iterator[None]:
    """Raise :class:`BudgetExceededError` if the block runs longer than ``seconds``.

    Nested limits keep the outer one: the inner block gets the smaller of its
    own budget and what is left of the outer one. The error's ``owner`` is
    the ``owner`` given here, so a caller can tell its own timeout from an
    outer one (which it must let through).
    """

    def _exceeded(text: str) -> BudgetExceededError:
        err = BudgetExceededError(text)
        err.owner = owner  # type: ignore[attr-defined]
        return err

    if seconds <= 0:
        raise _exceeded(f"no time left in the budget ({seconds:.3g} s)")
    if not can_interrupt():
        yield
        return

    fired = []

    def _on_alarm(signum, frame):
        if _in_finalizer(frame):
            # An exception raised inside a finalizer (``__del__``, a weakref
            # callback run by the garbage collector) is swallowed and printed;
            # try again a moment later, back in ordinary code.
            signal.setitimer(signal.ITIMER_REAL, 0.005)
            return
        fired.append(True)
        raise _exceeded(f"symbolic work exceeded its budget of {seconds:.3g} s")

    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left < seconds:
        # The outer budget ends first: let its handler fire.
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            # Give the outer budget what it had left, less the time we used.
            used = time.monotonic() - start
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - used, 1e-3))
    if fired:
        # The interrupt was swallowed by an ``except Exception`` inside the
        # library: whatever the block returned may be incomplete, so it counts
        # as out of time.
        raise _exceeded(f"symbolic work exceeded its budget of {seconds:.3g} s")


def run_with_budget(func: Callable[[], T], seconds: float) -> tuple[T | None, bool]:
    """Run ``func()`` within ``seconds``; return ``(value, finished)``.

    ``finished`` is False (and ``value`` None) when the budget ran out. When
    an enclosing budget runs out first, its error passes through.
    """
    owner = object()
    try:
        with time_limit(seconds, owner=owner):
            return func(), True
    except BudgetExceededError as exc:
        if getattr(exc, "owner", None) is not owner:
            raise
        return None, False
    except RecursionError:
        return None, False


def as_budget(value: Any, name: str = "budget") -> float:
    """``value`` as a positive number of seconds, or an :class:`ArgumentError` naming ``name``.

    Examples
    --------
    >>> as_budget(5)
    5.0
    >>> as_budget(-1)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: budget=-1 is not valid: give a positive, finite number of seconds, ...
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")
    ):
        raise ArgumentError(
            bad_argument(name, value, "give a positive, finite number of seconds, e.g. budget=10")
        )
    return float(value)


class Deadline:
    """The end of one call's time budget, shared by every symbolic step of that call.

    Each step runs with :meth:`run`, which gives it what is left (or less, with
    ``cap``), so the call as a whole ends on time however many steps it takes.
    Deadlines nest through :func:`time_limit`: a step of an outer deadline that
    runs out first ends as out of time for the outer one too.

    Parameters
    ----------
    seconds : float
        The budget; validated with :func:`as_budget`.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> deadline = Deadline(5.0)
    >>> deadline.run(lambda: sp.factor(x**2 - 1))
    ((x - 1)*(x + 1), True)
    >>> 0 < deadline.left() <= 5.0
    True
    """

    __slots__ = ("end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = as_budget(seconds)
        self.end = time.monotonic() + self.seconds

    def left(self, cap: float | None = None) -> float:
        """Seconds left (at most ``cap``); zero or less once the deadline has passed."""
        left = self.end - time.monotonic()
        return left if cap is None else min(left, cap)

    @property
    def expired(self) -> bool:
        """Whether no time is left."""
        return self.left() <= 0

    def run(
        self,
        func: Callable[[], T],
        cap: float | None = None,
        *,
        failures: tuple[type[BaseException], ...] = (),
    ) -> tuple[T | None, bool]:
        """Run ``func()`` in what is left (at most ``cap`` seconds): ``(value, finished)``.

        ``finished`` is False, and ``value`` None, when the time ran out (or
        less than 10 ms was left to start with) or ``func`` raised one of
        ``failures`` (SymPy's ``NotImplementedError`` from ``solve``, say).
        """
        seconds = self.left(cap)
        if seconds <= 0.01:
            return None, False
        try:
            return run_with_budget(func, seconds)
        except failures:
            return None, False
