"""Symbolic proof: upgrade "the sides agree at every sampled point" to "proved".

Polynomials are compared first by exact evaluation (:func:`_polynomial_identity`,
cheap even where ``expand`` is not); then ``expand`` and ``simplify`` of each
difference are tried within the time left; ``simplify`` is skipped where nothing
could interrupt it (outside the main thread).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from fractions import Fraction

import sympy as sp

from .._core import Deadline, can_interrupt
from .matrices import _flat, _mat_eval, _scalar_of
from .prepare import _attempt, _Problem

_PIT_POINTS = 3  # random points at which two polynomials must agree exactly
_PIT_BITS = 64  # coordinates are random integers of this many bits
_PIT_MAX_DEGREE = 20_000  # beyond this, exact values get too large (degree x 64 bits)


def _degree(e: sp.Basic, memo: dict[sp.Basic, int | None], symbols: set[sp.Basic]) -> int | None:
    """A bound on the total degree of ``e``; None unless ``e`` is a polynomial
    with rational coefficients (sums, products, powers by naturals, of symbols).
    Collects the symbols into ``symbols``."""
    if e in memo:
        return memo[e]
    degree: int | None = None
    if e.is_Rational:
        degree = 0
    elif isinstance(e, sp.Symbol):
        degree = 1
        symbols.add(e)
    elif e.is_Add or e.is_Mul:
        parts = [_degree(arg, memo, symbols) for arg in e.args]
        if None not in parts:
            degree = max(parts) if e.is_Add else sum(parts)  # type: ignore[arg-type]
    elif e.is_Pow and e.exp.is_Integer and e.exp >= 0:
        base = _degree(e.base, memo, symbols)
        degree = None if base is None else base * int(e.exp)
    memo[e] = degree
    return degree


_Values = list  # one exact value (int or Fraction) per point


def _exact_values(e: sp.Basic, points: Mapping[sp.Basic, _Values], memo: dict) -> _Values:
    """The polynomial ``e`` (see :func:`_degree`) at integer points, exactly.

    ``points`` maps each symbol to its coordinate in every point; the result
    holds ``e``'s value at every point.
    """
    if e in memo:
        return memo[e]
    count = len(next(iter(points.values()), [0]))
    if e.is_Rational:
        value = int(e.p) if e.q == 1 else Fraction(int(e.p), int(e.q))
        values = [value] * count
    elif isinstance(e, sp.Symbol):
        values = points[e]
    elif e.is_Add or e.is_Mul:
        parts = [_exact_values(arg, points, memo) for arg in e.args]
        values = list(parts[0])
        for part in parts[1:]:
            if e.is_Add:
                values = [u + v for u, v in zip(values, part, strict=True)]
            else:
                values = [u * v for u, v in zip(values, part, strict=True)]
    else:  # a power by a natural number
        exponent = int(e.exp)
        values = [u**exponent for u in _exact_values(e.base, points, memo)]
    memo[e] = values
    return values


def _polynomial_identity(a: sp.Basic, b: sp.Basic, seed: int = 0) -> tuple[bool, int] | None:
    """Whether the polynomials ``a`` and ``b`` are identical, by exact evaluation.

    Both sides are evaluated exactly (integers and fractions) at
    :data:`_PIT_POINTS` random integer points of :data:`_PIT_BITS` bits. A
    nonzero polynomial of degree ``d`` vanishes at such a point with
    probability at most ``d / 2**64`` (Schwartz-Zippel), so identical values at
    three points prove the identity but for a chance below ``(d / 2**64)**3``
    (``1e-50`` for ``d = 30``). The cost is one pass over each expression,
    however large its expanded form would be.

    Returns ``(identical, degree)``, or None when a side is not a polynomial
    with rational coefficients, or its degree is too large to evaluate exactly.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> _polynomial_identity((x + y + 1)**20, sp.expand((x + y + 1)**20))
    (True, 20)
    >>> _polynomial_identity((x + y)**2, x**2 + y**2)
    (False, 2)
    >>> _polynomial_identity(sp.sin(x), x) is None
    True
    """
    memo: dict[sp.Basic, int | None] = {}
    symbols: set[sp.Basic] = set()
    degrees = (_degree(a, memo, symbols), _degree(b, memo, symbols))
    if None in degrees:
        return None
    degree = max(degrees)  # type: ignore[type-var]
    if degree > _PIT_MAX_DEGREE:
        return None
    rng = random.Random(seed)
    half = 1 << (_PIT_BITS - 1)
    points = {
        s: [rng.randrange(-half, half) for _ in range(_PIT_POINTS)]
        for s in sorted(symbols, key=sp.default_sort_key)
    }
    values: dict[sp.Basic, _Values] = {}
    same = _exact_values(a, points, values) == _exact_values(b, points, values)
    return same, degree


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
    if not can_interrupt():
        # simplify() could run for minutes and nothing could stop it here.
        problem.notes.append("simplify() skipped: it cannot be interrupted outside the main thread")
        attempts = (sp.expand,)
    for a, b in pairs:
        status = _proved_equal(a, b, attempts, deadline)
        if status != "proved":
            return status
    return "proved"
