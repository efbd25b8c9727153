"""Symbolic proof: upgrade "the sides agree at every sampled point" to "proved".

Polynomials are compared first by exact evaluation (:func:`_polynomial_identity`,
cheap even where ``expand`` is not); then ``expand`` and ``simplify`` of each
difference are tried within the time left, in any thread: the budget interrupts
``simplify`` in the main thread (``SIGALRM``) and in worker threads (the watchdog of
:mod:`symml._core.budget`) alike.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .._core import Deadline
from .matrices import _flat, _mat_eval, _scalar_of
from .polynomials import _PIT_BITS, _PIT_POINTS, _polynomial_identity
from .prepare import _attempt, _Problem


def _polynomial_proof(
    pairs: list[tuple[sp.Basic, sp.Basic]], deadline: Deadline, seed: int
) -> str | None:
    """A note saying why every pair ``(a, b)`` is an identity of polynomials; None if not so.

    Run before sampling (and before preparing plain polynomials): sampling a
    polynomial whose expanded form has thousands of terms is slow, exact
    evaluation is not.
    """
    if not pairs:
        return None

    def degrees() -> list[int] | None:
        found = []
        for a, b in pairs:
            same = _polynomial_identity(a, b, seed)
            if same is None or not same[0]:
                return None
            found.append(same[1])
        return found

    found, finished = deadline.run(degrees)
    if not finished or not found:
        return None
    degree = max(found)
    chance = (degree / 2**_PIT_BITS) ** _PIT_POINTS
    why = (
        f"both sides are polynomials of degree at most {degree} with the same exact values "
        f"at {_PIT_POINTS} random integer points"
    )
    if degree:
        why += (
            f" (Schwartz-Zippel: different polynomials would agree with probability < {chance:.0e})"
        )
    return f"proved by exact evaluation: {why}"


def _expand_proof(problem: _Problem, deadline: Deadline, cap: float) -> bool:
    """Whether every entry's difference expands to zero, within ``cap`` seconds.

    Tried before sampling: most correct claims (``exp(x)*exp(y) = exp(x + y)``,
    a derivative worked out by hand) are proved this way in a millisecond, and
    then need no sample points at all.
    """
    if problem.table or not problem.a:
        return False

    def zero() -> bool:
        return all(_is_zero(sp.expand(a - b)) for a, b in zip(problem.a, problem.b, strict=True))

    value, status = _attempt(Deadline(max(min(cap, deadline.left()), 0.02)), zero)
    return status == "ok" and bool(value)


def _is_zero(e: sp.Expr) -> bool:
    return e == 0 or e.is_zero is True


def _proved_equal(
    a: sp.Expr, b: sp.Expr, attempts: tuple[Callable, ...], deadline: Deadline
) -> str:
    """``"proved"``, ``"timeout"`` or ``"unproved"``: ``a - b`` simplifies to zero."""
    identical, _ = deadline.run(lambda: _polynomial_identity(a, b))
    if identical is not None:
        return "proved" if identical[0] else "unproved"
    for attempt in attempts:
        value, status = _attempt(deadline, lambda f=attempt: _is_zero(f(a - b)))
        if status == "timeout":
            return "timeout"
        if status == "ok" and value:
            return "proved"
    return "unproved"


def _prove(problem: _Problem, deadline: Deadline) -> str:
    """``"proved"``, ``"timeout"`` or ``"unproved"``: every entry's difference is zero."""
    pairs = list(zip(problem.a, problem.b, strict=True))
    if problem.table and pairs:
        explicit, status = _attempt(
            deadline,
            lambda: (
                _flat(_scalar_of(_mat_eval(problem.a[0], problem.table))),
                _flat(_scalar_of(_mat_eval(problem.b[0], problem.table))),
            ),
        )
        if status != "ok":
            return "timeout" if status == "timeout" else "unproved"
        pairs = [(ea, eb) for ea, eb in zip(*explicit, strict=True) if ea != eb]
    attempts: tuple[Callable[[sp.Expr], sp.Expr], ...] = (sp.expand, sp.simplify)
    for a, b in pairs:
        status = _proved_equal(a, b, attempts, deadline)
        if status != "proved":
            return status
    return "proved"
