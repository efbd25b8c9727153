"""Time budgets for symbolic work that can hang (``simplify``, ``solve``).

:func:`run_with_budget` (and :meth:`Deadline.run`, built on it) interrupts
``func`` with :class:`BudgetExceededError` after ``seconds``, in any thread:

* **Main thread** (POSIX): ``SIGALRM`` from an interval timer, as always; this
  is where Jupyter kernels, the CLI and pytest run code.
* **Other threads** (a ``ThreadPoolExecutor``, a web server): a watchdog
  thread raises the error *inside* the working thread at the deadline, with
  ``PyThreadState_SetAsyncExc`` (CPython's ``ctypes.pythonapi``). The work
  stays in its thread, so closures, side effects and SymPy's caches behave as
  in the main thread and nothing is pickled. A forked worker process was
  rejected: ``fork`` in a multi-threaded process can deadlock (Python 3.12
  warns), closures' side effects (a notes list, a counter) would be lost,
  and each call would pay milliseconds for the fork and the pickling.
  If the work swallows the error (``except Exception: pass``), the watchdog
  raises it again (every 50 to 500 ms) until the call ends.

Both routes interrupt between bytecodes: one long C call (a huge integer
power, ``str`` of a 10^6-digit number) finishes before the error lands, in
the main thread too. Without ``setitimer`` in the main thread (Windows) the
watchdog is used there as well. Without either (PyPy, a free-threaded
CPython build, or ``SYMML_NO_THREAD_INTERRUPT`` set in the environment) the
work runs without interruption there, as before. :func:`time_limit` (a
``with`` block) uses the same two routes, but outside the main thread it
raises once only: a block that swallows the error runs to its end (and then
counts as out of time).

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
import heapq
import importlib
import itertools
import os
import queue
import signal
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .errors import ArgumentError, BudgetExceededError, bad_argument

T = TypeVar("T")

__all__ = [
    "CHECK_BUDGET",
    "DEFAULT_BUDGET",
    "MAX_BUDGET",
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
#: The largest budget accepted: one day. Larger values are typing mistakes
#: (``budget=1e20``) and overflow the timers.
MAX_BUDGET = 86400.0


#: Modules SymPy imports lazily in the middle of ordinary work (trigonometric evaluation,
#: ``Add``, ``simplify``): seconds when cold. They are imported once before the first
#: budget starts, so no interrupt cuts an import in half (a half-initialised module) and
#: no first call spends its budget importing (``critical_points(..., budget=3)`` of a
#: trigonometric function spent 2 s of it in ``sympy.physics.units``).
_LAZY_SYMPY_MODULES = ("sympy.sets.setexpr", "sympy.tensor.tensor", "sympy.physics.units")
_preloaded: list[bool] = []


def _preload() -> None:
    """Import :data:`_LAZY_SYMPY_MODULES` once per process (outside any time limit)."""
    if _preloaded:
        return
    for name in _LAZY_SYMPY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a SymPy without it never imports it either
            pass
    _preloaded.append(True)


def _alarm_thread() -> bool:
    """Whether this thread is interrupted by ``SIGALRM`` (the main thread on POSIX)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def can_interrupt() -> bool:
    """Whether ``SIGALRM`` interrupts budgeted work in this thread (the main thread on POSIX).

    Outside the main thread the watchdog interrupts :func:`run_with_budget`
    and :func:`time_limit` as well (on CPython), but this still answers False
    there: callers that skip work which only ``SIGALRM`` could stop keep
    doing so until they are updated.
    """
    return _alarm_thread()


def _in_finalizer(frame: Any) -> bool:
    """Whether ``frame`` runs a finalizer, where a raised exception would be lost.

    Finalizers are ``__del__`` methods, weakref callbacks (``weakref.py``, and
    ``_weakrefset.py``'s ``WeakSet._remove``, which SymPy's caches trigger) and the garbage
    collector's own callbacks (``gc.callbacks``, which Hypothesis, for one,
    installs): Python prints an exception raised in them and goes on.
    """
    gc_callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if (
            code.co_name == "__del__"
            or code.co_filename.endswith(("weakref.py", "_weakrefset.py"))
            or code in gc_callbacks
        ):
            return True
        frame = frame.f_back
    return False


def _exceeded(text: str, owner: object) -> BudgetExceededError:
    err = BudgetExceededError(text)
    err.owner = owner  # type: ignore[attr-defined]
    return err


# --- Outside the main thread: a watchdog raises the error in the working thread ---------
#
# Exactness rests on the GIL: the working thread runs only at "checkpoints" (function
# entry, loop back-edges, returns from C calls), which is also the only place where an
# asynchronous exception lands. So (1) the watchdog's last check that a budget is still
# open and its call to PyThreadState_SetAsyncExc contain no checkpoint, and (2) a
# working thread sets ``quiet`` as the first thing after its work ends, before any
# checkpoint: from then on the watchdog raises nothing in that thread, and at most one
# interrupt, already pending, can still land; the release code catches it.

_RETRY_FIRST = 0.05  # seconds before raising again an interrupt the work swallowed
_RETRY_LAST = 0.5
_RETRY_FINALIZER = 0.005  # the thread runs a finalizer (or closes a nested budget)
_ASYNC: list[Any] = []  # [(raise_in, clear_in)] or [None] once looked up


def _load_async_raise() -> Any:
    """``PyThreadState_SetAsyncExc`` as ``(raise_in, clear_in)``, or None where unavailable."""
    if (
        sys.implementation.name != "cpython"
        or sysconfig.get_config_var("Py_GIL_DISABLED")  # exactness needs the GIL
        or os.environ.get("SYMML_NO_THREAD_INTERRUPT")
    ):
        return None
    try:
        import ctypes  # only needed outside the main thread

        func = ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
        raise_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(func)
        clear_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(func)
    except (ImportError, AttributeError, OSError):  # pragma: no cover - not CPython
        return None
    return raise_in, clear_in


def _async_raise() -> Any:
    if not _ASYNC:
        _ASYNC.append(_load_async_raise())
    return _ASYNC[0]


class _Slot:
    """One thread's open watched budgets (outermost first) and interrupt state."""

    __slots__ = ("pending", "quiet", "watches")

    def __init__(self) -> None:
        self.watches: list[_Watch] = []
        self.quiet = 0  # > 0 while the thread closes a budget: raise nothing then
        self.pending: _Watch | None = None  # whose interrupt was raised last, not yet landed


_LOCAL = threading.local()


def _slot() -> _Slot:
    try:
        return _LOCAL.slot
    except AttributeError:
        _LOCAL.slot = _Slot()
        return _LOCAL.slot


class _Watch:
    """One open budget of a working thread, as the watchdog sees it."""

    __slots__ = ("done", "end", "fired", "owner", "repeat", "retry", "seconds", "slot", "tid")

    def __init__(self, seconds: float, owner: object, slot: _Slot, *, repeat: bool) -> None:
        self.seconds, self.owner, self.slot, self.repeat = seconds, owner, slot, repeat
        self.end = time.monotonic() + seconds
        self.tid = threading.get_ident()
        self.fired = self.done = False
        self.retry = _RETRY_FIRST

    def nested_in_shorter(self) -> bool:
        """Whether an open budget of this thread ends first (so it is left to interrupt)."""
        return any(w.end <= self.end for w in self.slot.watches if w.repeat or not w.fired)


class _BudgetInterrupt(BudgetExceededError):
    """The error the watchdog raises in a working thread (created where it lands).

    Its ``owner`` is that of the outermost budget of the thread that ran out (an outer
    budget wins over an inner one), else that of the budget that raised it.
    """

    def __init__(self, *args: Any) -> None:
        slot = _slot()
        raised, slot.pending = slot.pending, None
        watch = next((w for w in slot.watches if w.fired and w.repeat), raised)
        if not args:
            seconds = watch.seconds if watch is not None else float("nan")
            args = (f"symbolic work exceeded its budget of {seconds:.3g} s",)
        super().__init__(*args)
        self.owner = watch.owner if watch is not None else None

    def __reduce__(self) -> Any:
        return BudgetExceededError, self.args


class _Watchdog:
    """A daemon thread that raises each watched budget's interrupt in its thread at its end.

    Working threads hand it their budgets through a ``SimpleQueue`` (one C call, so no
    interrupt can land half-way); the queue of deadlines is the watchdog's alone.
    """

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[_Watch] = queue.SimpleQueue()
        self.due: list[tuple[float, int, _Watch]] = []
        self.order = itertools.count()
        self.compacted = 0
        self.starting = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self.starting:
            if self.thread is None:
                thread = threading.Thread(target=self.loop, name="symml-budget-watchdog")
                thread.daemon = True
                try:
                    thread.start()
                except RuntimeError:  # pragma: no cover - no thread to be had: try next time
                    return
                self.thread = thread

    def loop(self) -> None:
        raise_in = _async_raise()[0]
        while True:
            with contextlib.suppress(Exception):  # the watchdog must never die
                self.step(raise_in)

    def step(self, raise_in: Any) -> None:
        """Take new budgets until the first one is due, then raise what is due."""
        delay = self.due[0][0] - time.monotonic() if self.due else None
        if delay is None or delay > 0:
            with contextlib.suppress(queue.Empty):
                self.add(self.inbox.get(timeout=delay))
                while True:
                    self.add(self.inbox.get_nowait())
            return
        watch = heapq.heappop(self.due)[2]
        self.fire(watch, raise_in)

    def add(self, watch: _Watch, delay: float | None = None) -> None:
        if len(self.due) > max(256, 2 * self.compacted):
            # Drop the entries of budgets that ended early (most of them).
            self.due = [e for e in self.due if not e[2].done]
            heapq.heapify(self.due)
            self.compacted = len(self.due)
        when = watch.end if delay is None else time.monotonic() + delay
        heapq.heappush(self.due, (when, next(self.order), watch))

    def fire(self, watch: _Watch, raise_in: Any) -> None:
        if watch.done:
            return
        frame = sys._current_frames().get(watch.tid)
        if frame is None:  # pragma: no cover - the thread is gone
            return
        later = _in_finalizer(frame)
        del frame
        slot = watch.slot
        if later or slot.quiet or watch.done:
            if not watch.done:
                self.add(watch, _RETRY_FINALIZER)
            return
        # No checkpoint from here to the call: the working thread cannot run meanwhile.
        slot.pending = watch
        watch.fired = True
        raise_in(watch.tid, _BudgetInterrupt)
        if watch.repeat:
            self.add(watch, watch.retry)
            watch.retry = min(2 * watch.retry, _RETRY_LAST)


_WATCHDOG = _Watchdog()


def _forget_watchdog() -> None:  # in a forked child: its threads did not survive the fork
    global _WATCHDOG, _LOCAL
    _WATCHDOG, _LOCAL = _Watchdog(), threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_watchdog)


def _arm(watch: _Watch) -> None:
    if _WATCHDOG.thread is None:
        _WATCHDOG.start()
    watch.slot.watches.append(watch)
    _WATCHDOG.inbox.put(watch)


def _release(watch: _Watch) -> None:
    """End ``watch`` (idempotent): no interrupt of its own is raised or left pending."""
    watch.done = True
    slot = watch.slot
    if watch in slot.watches:
        slot.watches.remove(watch)
    if slot.pending is watch:
        _async_raise()[1](watch.tid, None)
        slot.pending = None


def _run_watched(func: Callable[[], T], seconds: float, owner: object) -> tuple[T | None, bool]:
    """:func:`run_with_budget` outside the main thread: the watchdog interrupts ``func``."""
    slot = _slot()
    watch = _Watch(seconds, owner, slot, repeat=True)
    if watch.nested_in_shorter():
        try:
            return func(), True
        except RecursionError:
            return None, False
    value, finished, caught, late = None, False, None, None
    try:
        try:
            _arm(watch)
            value, finished = func(), True
        finally:
            slot.quiet += 1  # first, before any checkpoint (see above)
    except BudgetExceededError as exc:
        caught = exc
    except RecursionError:
        pass
    finally:
        try:
            _release(watch)
        except BudgetExceededError as exc:  # was pending when the work ended
            late = exc
            _release(watch)
        slot.quiet -= 1
    for exc in (caught, late):
        if exc is not None and getattr(exc, "owner", None) is not owner:
            raise exc  # an enclosing budget ran out: let it through
    if finished and not watch.fired:
        return value, True
    return None, False


def _watched_block(seconds: float, owner: object) -> Iterator[None]:
    """:func:`time_limit` outside the main thread: one interrupt at the end of ``seconds``."""
    slot = _slot()
    watch = _Watch(seconds, owner, slot, repeat=False)
    if watch.nested_in_shorter():
        yield
        return
    late = None
    try:
        try:
            _arm(watch)
            yield
        finally:
            slot.quiet += 1  # first, before any checkpoint (see above)
    finally:
        try:
            _release(watch)
        except BudgetExceededError as exc:  # was pending when the block ended
            late = exc
            _release(watch)
        slot.quiet -= 1
    if late is not None and getattr(late, "owner", None) is not owner:
        raise late
    if watch.fired:
        raise _exceeded(f"symbolic work exceeded its budget of {seconds:.3g} s", owner)


@contextlib.contextmanager
def time_limit(seconds: float, *, owner: object = None) -> Iterator[None]:
    """Raise :class:`BudgetExceededError` if the block runs longer than ``seconds``.

    In the main thread ``SIGALRM`` interrupts the block; in other threads the
    watchdog does, once (see the module docstring). Nested limits keep the
    outer one: the inner block gets the smaller of its own budget and what is
    left of the outer one. The error's ``owner`` is
    the ``owner`` given here, so a caller can tell its own timeout from an
    outer one (which it must let through).
    """

    if seconds <= 0:
        raise _exceeded(f"no time left in the budget ({seconds:.3g} s)", owner)
    _preload()
    if not _alarm_thread():
        if _async_raise() is None:
            yield  # nothing can interrupt here
        else:
            yield from _watched_block(seconds, owner)
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
        raise _exceeded(f"symbolic work exceeded its budget of {seconds:.3g} s", owner)

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
        raise _exceeded(f"symbolic work exceeded its budget of {seconds:.3g} s", owner)


def run_with_budget(func: Callable[[], T], seconds: float) -> tuple[T | None, bool]:
    """Run ``func()`` within ``seconds``; return ``(value, finished)``.

    ``finished`` is False (and ``value`` None) when the budget ran out. When
    an enclosing budget runs out first, its error passes through; so do the
    exceptions ``func`` raises (``RecursionError`` counts as out of time).
    Works in any thread (see the module docstring): in the main thread with
    ``SIGALRM``, elsewhere with the watchdog, which raises the error again if
    ``func`` swallows it.
    """
    owner = object()
    _preload()
    if not _alarm_thread() and _async_raise() is not None:
        if seconds <= 0:
            return None, False
        return _run_watched(func, seconds, owner)
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

    At most :data:`MAX_BUDGET` (one day): a larger value is a mistake.

    Examples
    --------
    >>> as_budget(5)
    5.0
    >>> as_budget(-1)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: budget=-1 is not valid: give a positive, finite number of seconds, ...
    >>> as_budget(1e20)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: budget=1e+20 is not valid: give at most one day (86400 seconds), ...
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")
    ):
        raise ArgumentError(
            bad_argument(name, value, "give a positive, finite number of seconds, e.g. budget=10")
        )
    if value > MAX_BUDGET:
        raise ArgumentError(
            bad_argument(
                name, value, f"give at most one day ({MAX_BUDGET:.0f} seconds), e.g. budget=10"
            )
        )
    return float(value)


class Deadline:
    """The end of one call's time budget, shared by every symbolic step of that call.

    Each step runs with :meth:`run`, which gives it what is left (or less, with
    ``cap``), so the call as a whole ends on time however many steps it takes.
    Deadlines nest through :func:`run_with_budget`: a step of an outer deadline
    that runs out first ends as out of time for the outer one too. This holds
    in any thread (see the module docstring).

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
        _preload()  # before the clock starts
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
