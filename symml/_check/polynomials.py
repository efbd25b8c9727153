"""Polynomials evaluated by one pass over the expression, never expanded.

===========================  ===========================================================
name                         what it does
===========================  ===========================================================
``_degree``                  a degree bound; None unless a polynomial with rational
                             coefficients
``_polynomial_identity``     two polynomials identical? exact values at random integer
                             points (Schwartz-Zippel)
``_differing_point``         a small integer point where two polynomials differ
===========================  ===========================================================

Expanding ``(x + y + z + 1)**30`` (5456 terms) takes SymPy seconds, and so does
``evalf`` of the expanded form at one point; a pass over either form with Python
integers takes a fraction of a second.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

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
        parts = []
        for arg in e.args:
            part = _degree(arg, memo, symbols)
            if part is None:  # not a polynomial: stop at the first such term
                break
            parts.append(part)
        else:
            degree = max(parts) if e.is_Add else sum(parts)
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


_RANGES = (9, 99, 9999, 1 << 63)  # coordinates tried, smallest first
_TRIES = 8  # points drawn in each range


def _fits(symbol: sp.Symbol, value: int) -> bool:
    """Whether the integer ``value`` satisfies every assumption on ``symbol``."""
    number = sp.Integer(value)
    return all(
        getattr(number, f"is_{name}", None) == known
        for name, known in symbol.assumptions0.items()
        if known is not None
    )


def _differing_point(
    a: sp.Basic, b: sp.Basic, seed: int = 0
) -> tuple[dict[sp.Basic, int], int | Fraction, int | Fraction] | None:
    """``(point, a there, b there)``: an integer point, small if one is found, where the
    polynomials ``a`` and ``b`` differ exactly; None if they are identical, not both
    polynomials, or no integer point satisfies the symbols' assumptions.

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> point, va, vb = _differing_point((x + 1)**2, x**2 + 1)
    >>> point[x] > 0 and va == (point[x] + 1)**2 and vb == point[x]**2 + 1
    True
    """
    memo: dict[sp.Basic, int | None] = {}
    symbols: set[sp.Basic] = set()
    degrees = (_degree(a, memo, symbols), _degree(b, memo, symbols))
    if None in degrees or max(degrees) > _PIT_MAX_DEGREE:  # type: ignore[type-var]
        return None
    ordered = sorted(symbols, key=sp.default_sort_key)
    rng = random.Random(seed)
    for size in _RANGES:
        points = {
            s: [v for v in (rng.randint(-size, size) for _ in range(20 * _TRIES)) if _fits(s, v)]
            for s in ordered
        }
        count = min((len(vs) for vs in points.values()), default=1)
        if not count:
            continue  # e.g. no prime among the few drawn: try the next range
        points = {s: vs[: min(count, _TRIES)] for s, vs in points.items()}
        values: dict = {}
        a_vals, b_vals = _exact_values(a, points, values), _exact_values(b, points, values)
        for k, (va, vb) in enumerate(zip(a_vals, b_vals, strict=True)):
            if va != vb:
                return {s: points[s][k] for s in ordered}, va, vb
    return None
